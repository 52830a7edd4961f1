/**
 * The cpu backend's SIMD passes (src/tensor/backends/cpu/wasm-passes.ts) give
 * the bits of the TypeScript loops they stand in for: the convolution's bias
 * and ReLU, the masked gradient and bias gradient of conv2dRelu, and the 2×2
 * max pool. Inputs hold NaN, ±0, ±∞ and ties; the shapes give rows of a
 * multiple of 4 (vectors only) and rows with a remainder (vectors, then
 * single floats).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, type Conv2dParams, type HostView } from '../../src/index.js';
import { CpuBackend } from '../../src/tensor/backends/cpu.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { maxPool2x2 } from '../../src/tensor/backends/cpu/pooling.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';

const reference = new ReferenceBackend();
const cpu = new CpuBackend({ threads: 2, parallelThreshold: 0 });
afterAll(() => cpu.dispose());

const SPECIALS = [NaN, -0, 0, Infinity, -Infinity, 1e-45, -1e-45];

/** Uniform values in [-1, 1) on a grid of `levels` steps (ties when small), with specials at a few places. */
function values(shape: number[], rng: Rng, opts: { levels?: number; specials?: number } = {}): HostView {
  const size = shape.reduce((a, b) => a * b, 1);
  const levels = opts.levels ?? 0;
  const data = Float32Array.from({ length: size }, () => {
    const u = rng.uniform(-1, 1);
    return levels > 0 ? Math.round(u * levels) / levels : u;
  });
  for (let s = 0; s < (opts.specials ?? 0); s++)
    data[rng.nextUint32() % size] = SPECIALS[s % SPECIALS.length]!;
  return viewOf(data, shape);
}

const bits = (v: HostView | Float32Array) =>
  Array.from(new Uint32Array(Float32Array.from(v instanceof Float32Array ? v : copyToArray(v)).buffer));

const POOL = { kernel: [2, 2] as const, stride: [2, 2] as const };

describe('cpu SIMD passes', () => {
  it('2×2 max pool: the values and argmax of the reference, ties, NaN, ±0 and ±∞ included', () => {
    const rng = new Rng(11);
    // W % 8 = 0 takes the SIMD pass; H odd drops the last row; W = 12 takes the loops
    for (const shape of [
      [2, 3, 6, 16],
      [1, 2, 5, 8],
      [3, 1, 4, 32],
      [2, 2, 4, 12],
    ]) {
      for (const levels of [0, 2]) {
        const x = values(shape, rng, { levels, specials: 40 });
        const mine = cpu.maxPool2d(x, POOL);
        const ref = reference.maxPool2d(x, POOL);
        expect(bits(mine.out), `${shape} levels ${levels}`).toEqual(bits(ref.out));
        expect(Array.from(mine.argmax)).toEqual(Array.from(ref.argmax));
        const loops = maxPool2x2(x); // the TypeScript twin
        expect(bits(loops.out)).toEqual(bits(ref.out));
      }
    }
  });

  it('conv2d bias and ReLU: y = relu(fround(conv + b)), NaN and −0 to +0, in place and reordered', () => {
    const rng = new Rng(14);
    const p: Conv2dParams = { stride: [1, 1], padding: [1, 1] };
    // [8 channels, 8×8 pixels]: C written in NCHW order, the pass in place; [6 channels, 5×5]: C
    // reordered by the pass, 25 pixels a row (6 vectors and 1 float)
    for (const [o, hw] of [
      [8, 8],
      [6, 5],
    ] as const) {
      const x = values([2, 3, hw, hw], rng, { specials: 6 });
      const w = values([o, 3, 3, 3], rng);
      const bias = values([o], rng, { specials: 2 });
      const plain = copyToArray(cpu.conv2d(x, w, null, p));
      const expectAdd = new Float32Array(plain.length);
      const expectRelu = new Float32Array(plain.length);
      const pixels = hw * hw;
      for (let i = 0; i < plain.length; i++) {
        const v = Math.fround(plain[i]! + bias.data[Math.floor(i / pixels) % o]!);
        expectAdd[i] = v;
        expectRelu[i] = v > 0 ? v : 0;
      }
      expect(bits(cpu.conv2d(x, w, bias, p)), `add ${o}×${hw}²`).toEqual(bits(expectAdd));
      expect(bits(cpu.conv2d(x, w, bias, p, true)), `relu ${o}×${hw}²`).toEqual(bits(expectRelu));
      const reluOnly = plain.map((v) => (v + 0 > 0 ? v + 0 : 0));
      expect(bits(cpu.conv2d(x, w, null, p, true))).toEqual(bits(Float32Array.from(reluOnly)));
    }
  });

  it('conv2dRelu parameter gradients: [weight gradient of g·[y > 0], Σ g·[y > 0]] exactly, rows with and without a remainder', () => {
    const rng = new Rng(15);
    const p: Conv2dParams = { stride: [1, 1], padding: [1, 1] };
    // 8 images of 32×32: the weight gradient summed in 4 groups of images (conv.ts weightGradGroups)
    for (const [n, hw] of [
      [2, 8],
      [2, 5],
      [8, 32],
    ] as const) {
      const x = values([n, 3, hw, hw], rng);
      const wShape = [4, 3, 3, 3];
      const gy = values([n, 4, hw, hw], rng, { specials: 8 });
      const y = values([n, 4, hw, hw], rng, { levels: 2, specials: 8 });
      const masked = cpu.reluBackward(gy, y);
      const expected = [
        ...bits(cpu.conv2dBackwardWeight(x, masked, wShape, p)),
        ...bits(reference.reduce('sum', masked, [0, 2, 3])),
      ];
      expect(bits(cpu.conv2dReluBackwardParams(x, gy, y, wShape, p)), `${hw}²`).toEqual(expected);
    }
  });
});
