/**
 * The jax-js peer of `npm run bench` (benchmarks/peers/jaxjs.ts) computes what
 * our kernels compute: the convolution, its two gradients and matmul agree
 * with the reference backend, so the bench times the same work on both sides.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { jaxjsCompute, operandShapes, useJaxjs } from '../../benchmarks/peers/jaxjs.js';
import type { BenchLayer } from '../../benchmarks/shapes.js';
import type { HeavyKernel } from '../../src/tensor/backends/auto.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';
import { runSeed } from '../helpers/seed.js';

const reference = new ReferenceBackend();

beforeAll(async () => {
  await useJaxjs();
});

const LAYERS: BenchLayer[] = [
  {
    kind: 'conv2d',
    name: 'same 3×3',
    x: [2, 3, 6, 6],
    w: [4, 3, 3, 3],
    p: { stride: [1, 1], padding: [1, 1] },
  },
  {
    kind: 'conv2d',
    name: 'stride 2',
    x: [1, 2, 7, 5],
    w: [3, 2, 3, 3],
    p: { stride: [2, 2], padding: [0, 1] },
  },
  { kind: 'matmul', name: 'matmul', a: [5, 7], b: [7, 3] },
];

function ours(kernel: HeavyKernel, layer: BenchLayer, operands: Float32Array[]): Float32Array {
  const shapes = operandShapes(kernel, layer);
  const [a, b, c] = operands.map((data, i) => viewOf(data, shapes[i]!));
  if (layer.kind === 'matmul') return Float32Array.from(copyToArray(reference.matmul(a!, b!)));
  const out =
    kernel === 'conv2d'
      ? reference.conv2d(a!, b!, null, layer.p)
      : kernel === 'conv2dBackwardWeight'
        ? reference.conv2dBackwardWeight(a!, c!, layer.w, layer.p)
        : reference.conv2dBackwardInput(c!, b!, layer.x, layer.p);
  return Float32Array.from(copyToArray(out));
}

describe('jax-js peer', () => {
  for (const layer of LAYERS) {
    const kernels: HeavyKernel[] =
      layer.kind === 'matmul' ? ['matmul'] : ['conv2d', 'conv2dBackwardWeight', 'conv2dBackwardInput'];
    for (const kernel of kernels) {
      it(`${kernel} (${layer.name}) equals the reference backend's`, () => {
        const seed = runSeed();
        const rng = new Rng(seed);
        const operands = operandShapes(kernel, layer).map((shape) =>
          Float32Array.from({ length: sizeOf(shape) }, () => rng.uniform(-1, 1)),
        );
        const theirs = jaxjsCompute(kernel, layer, operands);
        const mine = ours(kernel, layer, operands);
        expect(theirs.length, `seed ${seed}`).toBe(mine.length);
        for (let i = 0; i < mine.length; i++) {
          expect(Math.abs(theirs[i]! - mine[i]!), `seed ${seed}, element ${i}`).toBeLessThan(
            1e-4 * (1 + Math.abs(mine[i]!)),
          );
        }
      });
    }
  }
});
