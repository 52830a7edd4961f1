/**
 * The work of one two-view batch, shared by the in-thread path and the worker
 * threads so both compute exactly the same bytes.
 */
import { simclrAugment, type AugmentOptions } from './augment.js';
import { viewRng } from './seed.js';

/** Shape of the stored images. */
export interface StoredShape {
  channels: number;
  height: number;
  width: number;
}

/**
 * Writes two independent augmentations of each image `indices[j]` into
 *   x1[(offset + j) · V .. ]  (view 0, "t − Δt")  and  x2[(offset + j) · V .. ]  (view 1, "t"),
 * where V = C · size · size floats per view. View v of image i in epoch e uses
 * viewRng(seed, e, i, v), so the result does not depend on batching.
 */
export function augmentTwoViews(
  images: Uint8Array,
  shape: StoredShape,
  indices: ArrayLike<number>,
  epoch: number,
  seed: number,
  options: AugmentOptions,
  x1: Float32Array,
  x2: Float32Array,
  offset: number,
): void {
  const { channels, height, width } = shape;
  const imageBytes = channels * height * width;
  const viewFloats = channels * options.size * options.size;
  for (let j = 0; j < indices.length; j++) {
    const index = indices[j]!;
    const pixels = images.subarray(index * imageBytes, (index + 1) * imageBytes);
    const slot = (offset + j) * viewFloats;
    const view0 = { data: x1.subarray(slot, slot + viewFloats), channels, height: options.size, width: options.size };
    const view1 = { data: x2.subarray(slot, slot + viewFloats), channels, height: options.size, width: options.size };
    simclrAugment(pixels, channels, height, width, options, viewRng(seed, epoch, index, 0), view0);
    simclrAugment(pixels, channels, height, width, options, viewRng(seed, epoch, index, 1), view1);
  }
}
