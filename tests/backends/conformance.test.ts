/**
 * Every registered backend against `reference`, kernel by kernel, on random
 * shapes drawn from a seed: matmul with K > 1000, odd sizes, broadcast batch
 * axes and transposed/sliced inputs; conv2d and both gradients with odd
 * sizes, padding edges, stride 2, batch > 1 and non-contiguous inputs; pools;
 * unary/binary/reduce with broadcasting; contiguous/assign. A backend that
 * cannot be created here (its factory throws, e.g. a GPU mode that is not
 * available) is skipped with its reason.
 *
 * Tolerance. A sum of T products of floating-point inputs, accumulated in
 * any order in precision u (2⁻²⁴ for float32, 2⁻⁵³ for float64), errs by at
 * most γ·Σ|terms| with γ = (T+1)·u (one rounding per product and per
 * addition; Higham, Accuracy and Stability of Numerical Algorithms, §3.1).
 * The reference sums in float64 and rounds once, adding u·|y|. Σ|terms| is
 * the same kernel run by the reference on |inputs|, so
 *     |backend − reference| ≤ (T + 3)·u·reference(|inputs|)
 * (one u more for rounding the magnitude itself) must hold for every element,
 * whatever the summation order; a dropped, doubled or misplaced term breaks it
 * by orders of magnitude. Elementwise ops get T = 1, maxima must be exact.
 */
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import {
  hostBackendNames,
  backendByName,
  Rng,
  type Backend,
  type BinaryOp,
  type Conv2dParams,
  type DType,
  type UnaryOp,
  type HostView,
  type View,
} from '../../src/index.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { CpuBackend } from '../../src/tensor/backends/cpu.js';
import { relaxedSimdSupported } from '../../src/tensor/backends/cpu/kernels.js';
import { expectWithinSumRounding } from '../helpers/check.js';
import { windowOutputSize } from '../../src/tensor/shape.js';
import { allocate, copyToArray, viewOf } from '../../src/tensor/view.js';

const reference: Backend = new ReferenceBackend();

function rand(shape: readonly number[], rng: Rng, dtype: DType = 'float32'): View {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = allocate(dtype, size);
  for (let i = 0; i < size; i++) data[i] = rng.uniform(-1, 1);
  return viewOf(data, shape);
}

/** |v| as a new row-major view. */
const abs = (v: View): View => viewOf(copyToArray(v).map(Math.abs), v.shape);

/** The same values, stored with the axes in `order` and viewed back: not row-major. */
function permuted(v: View, order: number[]): View {
  const stored = copyToArray(v.transpose(...order) as View);
  const inverse = order.map((_, i) => order.indexOf(i));
  return viewOf(
    stored,
    order.map((a) => v.shape[a]!),
  ).transpose(...inverse) as View;
}

/** The same values at every other position along `axis` of a larger tensor (offset 1). */
function sliced(v: View, axis: number, rng: Rng): View {
  const shape = v.shape.map((d, i) => (i === axis ? 2 * d + 1 : d));
  const big = rand(shape, rng, v.data instanceof Float64Array ? 'float64' : 'float32');
  const view = big
    .lo(...shape.map((_, i) => (i === axis ? 1 : 0)))
    .step(...shape.map((_, i) => (i === axis ? 2 : 1)));
  reference.assign(view as View, v);
  return view as View;
}

/** A random non-row-major layout of v (or v itself). */
function anyLayout(v: View, rng: Rng): View {
  const rank = v.shape.length;
  switch (rng.int(3)) {
    case 0:
      return v;
    case 1:
      return rank < 2 ? v : permuted(v, Array.from(rng.permutation(rank)));
    default:
      return rank < 1 ? v : sliced(v, rng.int(rank), rng);
  }
}

/**
 * got equals the reference within the rounding of a sum of `terms` products
 * (src/tensor/tolerance.ts): |got − want| ≤ (terms + 3)·u·magnitude, where
 * magnitude is the same computation on |inputs| (Σ|terms| per element).
 */
function expectWithin(got: View, want: View, magnitude: View, terms: number): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.data.constructor).toBe(want.data.constructor);
  const dtype = want.data instanceof Float64Array ? 'float64' : 'float32';
  const arrays = [got, want, magnitude].map(copyToArray);
  expectWithinSumRounding(arrays[0]!, arrays[1]!, arrays[2]!, terms, dtype, `[${want.shape}]`);
}

function checkMatmul(b: Backend, x: View, y: View): void {
  const K = x.shape[x.shape.length - 1]!;
  expectWithin(b.matmul(x, y), reference.matmul(x, y), reference.matmul(abs(x), abs(y)), K);
}

interface ConvCase {
  x: View;
  w: View;
  bias: View | null;
  p: Conv2dParams;
}

function checkConv(b: Backend, { x, w, bias, p }: ConvCase, rng: Rng): void {
  const [, C, KH, KW] = w.shape as [number, number, number, number];
  const O = w.shape[0]!;
  const y = reference.conv2d(x, w, bias, p);
  const absBias = bias ? abs(bias) : null;
  expectWithin(b.conv2d(x, w, bias, p), y, reference.conv2d(abs(x), abs(w), absBias, p), C * KH * KW + 1);
  const gy = anyLayout(rand(y.shape, rng, x.data instanceof Float64Array ? 'float64' : 'float32'), rng);
  const [N, , OH, OW] = y.shape as [number, number, number, number];
  expectWithin(
    b.conv2dBackwardInput(gy, w, x.shape, p),
    reference.conv2dBackwardInput(gy, w, x.shape, p),
    reference.conv2dBackwardInput(abs(gy), abs(w), x.shape, p),
    O * KH * KW,
  );
  expectWithin(
    b.conv2dBackwardWeight(x, gy, w.shape, p),
    reference.conv2dBackwardWeight(x, gy, w.shape, p),
    reference.conv2dBackwardWeight(abs(x), abs(gy), w.shape, p),
    N * OH * OW,
  );
  // The ReLU variants: relu is 1-Lipschitz, so the forward keeps the bound of the plain conv;
  // the parameter gradients are sums of N·OH·OW masked products, the mask taken from the same y.
  expectWithin(
    b.conv2d(x, w, bias, p, true),
    reference.conv2d(x, w, bias, p, true),
    reference.conv2d(abs(x), abs(w), absBias, p),
    C * KH * KW + 1,
  );
  const yRelu = anyLayout(reference.conv2d(x, w, bias, p, true), rng);
  expectWithin(
    b.conv2dReluBackwardParams(x, gy, yRelu, w.shape, p),
    reference.conv2dReluBackwardParams(x, gy, yRelu, w.shape, p),
    reference.conv2dReluBackwardParams(abs(x), abs(gy), yRelu, w.shape, p),
    N * OH * OW,
  );
}

/** A random conv problem; `big` ones are large enough to be split over threads. */
function convCase(rng: Rng, dtype: DType, big = false): ConvCase {
  const n = big ? 4 : 1 + rng.int(3);
  const c = big ? 16 : 1 + rng.int(5);
  const o = big ? 16 : 1 + rng.int(6);
  const kh = [1, 2, 3, 5][rng.int(4)]!;
  const kw = big ? kh : [1, 2, 3][rng.int(3)]!;
  const stride: [number, number] = [1 + rng.int(2), 1 + rng.int(2)];
  const padding: [number, number] = [rng.int(3), rng.int(2)];
  const h = big ? 17 : Math.max(1 + rng.int(11), kh - 2 * padding[0]);
  const w = big ? 16 : Math.max(1 + rng.int(11), kw - 2 * padding[1]);
  const x = anyLayout(rand([n, c, h, w], rng, dtype), rng);
  const weight = anyLayout(rand([o, c, kh, kw], rng, dtype), rng);
  const bias = rng.bernoulli(0.5) ? rand([o], rng, dtype) : null;
  return { x, w: weight, bias, p: { stride, padding } };
}

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu', 'square', 'pow', 'sign', 'step'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'eq'];

/** Shape pairs that broadcast: same, scalar, per-channel, row, column, leading and mixed. */
const BROADCASTS: [number[], number[]][] = [
  [
    [3, 5, 7],
    [3, 5, 7],
  ],
  [[4, 6], []],
  [[1], [5, 3]],
  [
    [2, 5, 3, 4],
    [5, 1, 1],
  ],
  [
    [6, 7],
    [1, 7],
  ],
  [
    [6, 7],
    [6, 1],
  ],
  [
    [2, 1, 4],
    [3, 1],
  ],
  [
    [2, 3, 4, 5, 6],
    [1, 3, 1, 5, 1],
  ],
];

// Host-memory backends; the webgpu backend has its own suites (tests/backends/webgpu-*.test.ts).
const names = hostBackendNames().filter((name) => name !== 'reference');
// The cpu backend's GEMM with and without fused multiply-add (the registered one takes FMA where the engine has it).
const suites: [string, () => Backend][] = [
  ...names.map((name): [string, () => Backend] => [name, () => backendByName(name)]),
  ['cpu with plain SIMD (no fused multiply-add)', () => new CpuBackend({ fma: false })],
];
if (relaxedSimdSupported()) suites.push(['cpu with fused multiply-add', () => new CpuBackend({ fma: true })]);

for (const [name, make] of suites) {
  let backend: Backend | null = null;
  let unavailable = '';
  try {
    backend = make();
  } catch (error) {
    unavailable = ` (unavailable: ${(error as Error).message})`;
  }
  describe.skipIf(!backend)(`backend '${name}' conforms to the reference${unavailable}`, () => {
    const b = backend!;

    it('matmul: odd sizes, K > 1000, float32 and float64', () => {
      const rng = new Rng(1);
      const sizes = [
        [1, 1, 1],
        [7, 1100, 9],
        [33, 1030, 17],
        [5, 3, 129],
        [131, 19, 3],
        [64, 64, 64],
      ];
      for (const [M, K, N] of sizes) {
        for (const dtype of ['float32', 'float64'] as const) {
          checkMatmul(b, rand([M!, K!], rng, dtype), rand([K!, N!], rng, dtype));
        }
      }
      for (let t = 0; t < 6; t++) {
        const [M, K, N] = [1 + rng.int(40), 1 + rng.int(300), 1 + rng.int(40)];
        checkMatmul(b, rand([M, K], rng), rand([K, N], rng));
      }
    });

    it('matmul: transposed, permuted and sliced operands', () => {
      const rng = new Rng(2);
      for (let t = 0; t < 8; t++) {
        const [M, K, N] = [1 + rng.int(30), 1 + rng.int(200), 1 + rng.int(30)];
        const a = rand([K, M], rng).transpose(1, 0) as View; // Aᵀ stored, so A has strides [1, M]
        const bT = rand([N, K], rng).transpose(1, 0) as View;
        checkMatmul(b, a, bT);
        checkMatmul(
          b,
          sliced(rand([M, K], rng), rng.int(2), rng),
          sliced(rand([K, N], rng), rng.int(2), rng),
        );
      }
    });

    it('matmul: batch axes broadcast', () => {
      const rng = new Rng(3);
      checkMatmul(b, rand([2, 1, 5, 6], rng), rand([3, 6, 7], rng));
      checkMatmul(b, rand([4, 9, 12], rng), rand([12, 5], rng));
      checkMatmul(b, rand([3, 8], rng), rand([2, 8, 16], rng));
      checkMatmul(b, permuted(rand([3, 4, 5, 6], rng), [2, 0, 3, 1]), rand([1, 4, 6, 3], rng));
      checkMatmul(b, rand([5, 8, 11, 9], rng, 'float64'), rand([5, 8, 9, 4], rng, 'float64'));
      // stride-0 views (an expanded row, an expanded batch) are read in place
      const row = rand([1, 40], rng);
      checkMatmul(b, ndarray(row.data, [9, 40], [0, 1], 0) as View, rand([40, 11], rng));
      const one = rand([6, 10], rng);
      checkMatmul(b, rand([3, 5, 6], rng), ndarray(one.data, [3, 6, 10], [0, 10, 1], 0) as View);
    });

    it('conv2d and both gradients: odd sizes, padding, stride 2, batch > 1, strided inputs', () => {
      const rng = new Rng(4);
      for (let t = 0; t < 12; t++) checkConv(b, convCase(rng, 'float32'), rng);
      for (let t = 0; t < 3; t++) checkConv(b, convCase(rng, 'float64'), rng);
    });

    it('conv2d and both gradients on problems large enough to be split over threads', () => {
      const rng = new Rng(5);
      for (let t = 0; t < 3; t++) checkConv(b, convCase(rng, 'float32', true), rng);
    });

    it('pooling forward and backward', () => {
      const rng = new Rng(6);
      const cases: [number[], Conv2dParams['stride'], Conv2dParams['stride']][] = [
        [
          [2, 3, 8, 8],
          [2, 2],
          [2, 2],
        ],
        [
          [1, 2, 7, 9],
          [2, 2],
          [2, 2],
        ],
        [
          [2, 2, 9, 8],
          [3, 2],
          [2, 1],
        ],
        [
          [1, 3, 5, 5],
          [1, 1],
          [1, 1],
        ],
      ];
      for (const [shape, kernel, stride] of cases) {
        const p = { kernel, stride };
        const x = anyLayout(rand(shape, rng), rng);
        const mine = b.maxPool2d(x, p);
        const ref = reference.maxPool2d(x, p);
        expectWithin(mine.out, ref.out, ref.out, 0);
        expect(mine.argmax).toEqual(ref.argmax);
        const OH = windowOutputSize(shape[2]!, kernel[0], stride[0], 0);
        const OW = windowOutputSize(shape[3]!, kernel[1], stride[1], 0);
        const gy = anyLayout(rand([shape[0]!, shape[1]!, OH, OW], rng), rng);
        const overlaps = kernel[0] * kernel[1];
        expectWithin(
          b.maxPool2dBackward(gy, ref.argmax, shape),
          reference.maxPool2dBackward(gy, ref.argmax, shape),
          reference.maxPool2dBackward(abs(gy), ref.argmax, shape),
          overlaps,
        );
        // gy broadcast over positions (the gradient of a global mean after the pool)
        const perPlane = rand([shape[0]!, shape[1]!, 1, 1], rng);
        const spread = ndarray(
          perPlane.data,
          [shape[0]!, shape[1]!, OH, OW],
          [shape[1]!, 1, 0, 0],
          0,
        ) as View;
        expectWithin(
          b.maxPool2dBackward(spread, ref.argmax, shape),
          reference.maxPool2dBackward(spread, ref.argmax, shape),
          reference.maxPool2dBackward(abs(spread), ref.argmax, shape),
          overlaps,
        );
        expectWithin(b.avgPool2d(x, p), reference.avgPool2d(x, p), reference.avgPool2d(abs(x), p), overlaps);
        expectWithin(
          b.avgPool2dBackward(gy, shape, p),
          reference.avgPool2dBackward(gy, shape, p),
          reference.avgPool2dBackward(abs(gy), shape, p),
          overlaps,
        );
      }
    });

    it('unary ops on contiguous and strided views', () => {
      const rng = new Rng(7);
      for (const op of UNARY) {
        for (const dtype of ['float32', 'float64'] as const) {
          const x = anyLayout(rand([3, 4, 5], rng, dtype), rng);
          const positive = viewOf(
            copyToArray(x).map((v) => Math.abs(v) + 0.1),
            x.shape,
          );
          const input = op === 'log' || op === 'sqrt' || op === 'pow' ? positive : x;
          const want = reference.unary(op, input, 1.5);
          expectWithin(b.unary(op, input, 1.5), want, abs(want), 1);
        }
      }
    });

    it('reluBackward on contiguous, strided and broadcast (stride-0) gradients', () => {
      const rng = new Rng(11);
      for (const dtype of ['float32', 'float64'] as const) {
        for (const shape of [[3, 4, 5], [2, 5, 3, 4], [7]]) {
          const x = anyLayout(rand(shape, rng, dtype), rng);
          (x as HostView).data[x.offset] = 0; // [0 > 0] = 0: the boundary belongs to the flat side
          const g = anyLayout(rand(shape, rng, dtype), rng);
          const want = reference.reluBackward(g, x);
          expectWithin(b.reluBackward(g, x), want, abs(want), 1);
        }
        // the gradient of a mean: one value per channel, broadcast over positions
        const x = rand([2, 3, 4, 4], rng, dtype);
        const perChannel = rand([2, 3, 1, 1], rng, dtype);
        const g = ndarray(perChannel.data, [2, 3, 4, 4], [3, 1, 0, 0], 0) as View;
        const want = reference.reluBackward(g, x);
        expectWithin(b.reluBackward(g, x), want, abs(want), 1);
      }
      expect(() => b.reluBackward(rand([2, 3], rng), rand([3, 2], rng))).toThrow(/reluBackward/);
    });

    it('binary ops with broadcasting', () => {
      const rng = new Rng(8);
      for (const op of BINARY) {
        for (const [sa, sb] of BROADCASTS) {
          const a = anyLayout(rand(sa, rng), rng);
          const c = anyLayout(rand(sb, rng), rng);
          // eq needs equal values to say 1 somewhere: compare a with itself broadcast
          const y = op === 'eq' ? a : c;
          for (const [l, r] of [
            [a, y],
            [y, a],
          ] as const) {
            const want = reference.binary(op, l, r);
            expectWithin(b.binary(op, l, r), want, abs(want), 1);
          }
        }
      }
    });

    it('sum and max over any axes', () => {
      const rng = new Rng(9);
      for (let t = 0; t < 12; t++) {
        const rank = 1 + rng.int(4);
        const shape = Array.from({ length: rank }, () => 1 + rng.int(6));
        const axes = Array.from({ length: rank }, (_, i) => i).filter(() => rng.bernoulli(0.5));
        const dtype = rng.bernoulli(0.5) ? 'float32' : 'float64';
        const x = anyLayout(rand(shape, rng, dtype), rng);
        const size = shape.reduce((p, d) => p * d, 1);
        const want = reference.reduce('sum', x, axes);
        expectWithin(b.reduce('sum', x, axes), want, reference.reduce('sum', abs(x), axes), size);
        const max = reference.reduce('max', x, axes);
        expectWithin(b.reduce('max', x, axes), max, max, 0);
      }
      const big = rand([16, 32, 9, 9], rng); // a per-channel sum, as for a conv bias gradient
      const want = reference.reduce('sum', big, [0, 2, 3]);
      expectWithin(
        b.reduce('sum', big, [0, 2, 3]),
        want,
        reference.reduce('sum', abs(big), [0, 2, 3]),
        16 * 81,
      );
    });

    it('contiguous, assign and fill', () => {
      const rng = new Rng(10);
      for (let t = 0; t < 6; t++) {
        const x = anyLayout(rand([2 + rng.int(3), 3, 1 + rng.int(4)], rng), rng);
        const c = b.contiguous(x);
        expect(Array.from(copyToArray(c))).toEqual(Array.from(copyToArray(x)));
        expect(c.stride).toEqual(reference.contiguous(x).stride);
        const dst = sliced(rand(x.shape, rng), rng.int(3), rng);
        b.assign(dst, x);
        expect(Array.from(copyToArray(dst))).toEqual(Array.from(copyToArray(x)));
      }
      const f = b.fill([2, 3], 'float64', 2.5);
      expect(Array.from(copyToArray(f))).toEqual([2.5, 2.5, 2.5, 2.5, 2.5, 2.5]);
      expect(f.data).toBeInstanceOf(Float64Array);
    });
  });
}

it('the conformance suite covers the cpu backend', () => {
  expect(names).toContain('cpu');
});
