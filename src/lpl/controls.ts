/**
 * The network's input for one step, and the "shuffle positives" control.
 *
 * Both views go through the network as one batch of 2B images,
 * x = [view 1; view 2]: [2B, C, H, W] (the blocks act on each image alone,
 * so this equals two passes and halves the kernel calls).
 *
 * The "shuffle positives" control pairs each image's first view with another
 * image's second view, by a random permutation of the rows (torch.randperm in
 * the authors' code, one permutation shared by all layers). The Hebbian and
 * decorrelation terms do not depend on the order of the rows, so permuting
 * view 2's input batch once is the same as permuting z2 at every layer, and
 * costs nothing. The other controls live beside what they change: the
 * unpooled objective in objective.ts (`unpooledObjective`), the end-to-end
 * variant in encoder.ts and objective.ts (`mode: 'end-to-end'`).
 */
import { keyedRng } from '../data/seed.js';
import type { FloatArray } from '../tensor/backend.js';
import { ShapeError } from '../tensor/shape.js';
import { fromArray, type Tensor } from '../tensor/tensor.js';

/** The key that separates the control's random stream from the data's (see src/data/seed.ts). */
const SHUFFLE_TAG = 0x5f;

/**
 * The permutation of the shuffle-positives control at (epoch, step): row b of
 * view 2 becomes image perm[b]'s second view. A pure function of the seed and
 * the position, so a resumed run repeats it exactly.
 */
export function shuffledPositives(seed: number, epoch: number, step: number, B: number): Int32Array {
  return keyedRng(seed, epoch, step, SHUFFLE_TAG).permutation(B);
}

/**
 * x = [view 1; view 2]: [2B, C, H, W] from the two views' data ([B, C, H, W]
 * each, row-major, of one type). With `perm`, row B + b holds view 2 of image
 * perm[b] (the shuffle-positives control); without, view 2 of image b.
 */
export function stackViews(
  x1: FloatArray,
  x2: FloatArray,
  shape: readonly [number, number, number, number],
  perm: ArrayLike<number> | null = null,
): Tensor {
  const [B, C, H, W] = shape;
  const row = C * H * W;
  if (x1.length !== B * row || x2.length !== B * row || x1.constructor !== x2.constructor) {
    throw new ShapeError(
      `stackViews: views of ${x1.length} and ${x2.length} values (${x1.constructor.name}, ${x2.constructor.name}) for [${shape}]`,
    );
  }
  if (perm && perm.length !== B) throw new ShapeError(`stackViews: ${perm.length} indices for ${B} images`);
  const x = new (x1.constructor as Float32ArrayConstructor | Float64ArrayConstructor)(2 * B * row);
  x.set(x1, 0);
  if (perm) {
    for (let b = 0; b < B; b++) x.set(x2.subarray(perm[b]! * row, (perm[b]! + 1) * row), (B + b) * row);
  } else {
    x.set(x2, B * row);
  }
  return fromArray(x, [2 * B, C, H, W]);
}
