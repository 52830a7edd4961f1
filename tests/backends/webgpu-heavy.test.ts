/**
 * The webgpu backend's heavy kernels (matmul, conv2d and its gradients, the
 * fused parameter gradient) against `reference`, on a real WebGPU adapter:
 * odd sizes, sizes crossing the 16/32/64 tiles, K > 1000, batched and
 * broadcast matmul, strided (transposed, broadcast) device views, conv with
 * stride 2, asymmetric padding, 1×1 and non-square kernels, C = 1 and 3, N > 1,
 * bias and fused ReLU, and a weight gradient long enough to be split over
 * workgroups (split-K). Without an adapter every test is skipped (the reason
 * is printed), except where CI is set: there a missing adapter fails.
 *
 * Tolerance (float32, as in conformance.test.ts). Each output is a sum of T
 * products; accumulated in float32 in any order it errs by at most
 * (T+1)·u·Σ|terms| (u = 2⁻²⁴; Higham §3.1), and rounding the float64
 * reference adds u·|y|. Σ|terms| is the reference run on |inputs|, so
 *     |webgpu − reference| ≤ (T + 3)·u·reference(|inputs|)
 * for every element; a dropped, doubled or misplaced term breaks it by orders of magnitude.
 */
import ndarray from 'ndarray';
import { afterAll, describe, expect, it } from 'vitest';
import type { Conv2dParams, HostView, View } from '../../src/tensor/backend.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import {
  closeWebGpu,
  initWebGpu,
  webGpuUnavailableReason,
  type GpuView,
} from '../../src/tensor/backends/webgpu.js';
import { Rng } from '../../src/tensor/random.js';
import { expectWithinSumRounding } from '../helpers/check.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';

// Acquired at collection time: skipIf needs to know whether there is an adapter.
const backend = await initWebGpu();
const reason = webGpuUnavailableReason();
const reference = new ReferenceBackend();
afterAll(() => closeWebGpu());

if (!backend && process.env.CI) {
  it('has a WebGPU adapter (required where CI is set)', () => {
    throw new Error(`webgpu unavailable: ${reason}`);
  });
} else if (!backend) {
  console.warn(`webgpu-heavy: skipped, ${reason}`);
}

function rand(shape: number[], rng: Rng): HostView {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = rng.uniform(-1, 1);
  return viewOf(data, shape);
}
const abs = (v: View): HostView => viewOf(copyToArray(v).map(Math.abs), v.shape);
const up = (v: HostView): GpuView => backend!.upload(copyToArray(v), v.shape);

/** The same tensor stored with its last two axes swapped (host and device): a transposed, strided view. */
function transposed(v: HostView): { host: HostView; dev: GpuView } {
  const r = v.shape.length;
  const order = [...Array(r).keys()].map((i) => (i === r - 2 ? r - 1 : i === r - 1 ? r - 2 : i));
  const stored = viewOf(
    copyToArray(v.transpose(...order)),
    order.map((a) => v.shape[a]!),
  );
  return { host: stored.transpose(...order), dev: up(stored).transpose(...order) };
}

/** got equals the reference within the rounding of a float32 sum of `terms` products (src/tensor/tolerance.ts). */
async function expectWithin(got: GpuView, want: View, magnitude: View, terms: number): Promise<void> {
  expect(got.shape).toEqual(want.shape);
  const g = await backend!.read(got);
  expectWithinSumRounding(g, copyToArray(want), copyToArray(magnitude), terms, 'float32', `[${want.shape}]`);
}

async function checkMatmul(a: HostView, b: HostView, da = up(a), db = up(b)): Promise<void> {
  const K = a.shape[a.shape.length - 1]!;
  await expectWithin(backend!.matmul(da, db), reference.matmul(a, b), reference.matmul(abs(a), abs(b)), K);
}

describe.skipIf(!backend)('webgpu matmul against the reference', () => {
  const rng = new Rng(20240601);
  it('odd sizes with K > 1000', async () => {
    await checkMatmul(rand([37, 1100], rng), rand([1100, 45], rng));
  });
  it('sizes on and across the 16, 32 and 64 tiles', async () => {
    for (const [M, K, N] of [
      [1, 5, 1],
      [4, 1, 6],
      [16, 16, 16],
      [17, 33, 31],
      [33, 17, 63],
      [64, 64, 64],
      [65, 47, 129],
    ]) {
      await checkMatmul(rand([M!, K!], rng), rand([K!, N!], rng));
    }
  });
  it('batched, with broadcast batch axes', async () => {
    await checkMatmul(rand([3, 1, 20, 30], rng), rand([4, 30, 25], rng));
    await checkMatmul(rand([2, 5, 7], rng), rand([7, 3], rng));
    await checkMatmul(rand([70, 9], rng), rand([2, 1, 9, 66], rng));
  });
  it('transposed and stride-0 (broadcast) device views', async () => {
    const a = transposed(rand([40, 70], rng));
    const b = transposed(rand([70, 50], rng));
    await checkMatmul(a.host, b.host, a.dev, b.dev);
    const plainB = rand([70, 50], rng);
    await checkMatmul(a.host, plainB, a.dev, up(plainB));
    const batched = transposed(rand([3, 21, 34], rng));
    const c = rand([34, 19], rng);
    await checkMatmul(batched.host, c, batched.dev, up(c));
    // one matrix viewed as a batch of 3 with stride 0
    const m = rand([18, 23], rng);
    const bHost = rand([3, 23, 29], rng);
    const hostBroadcast = ndarray(m.data, [3, 18, 23], [0, 23, 1], 0);
    const devBroadcast = ndarray(up(m).data, [3, 18, 23], [0, 23, 1], 0);
    await checkMatmul(hostBroadcast, bHost, devBroadcast, up(bHost));
    // every other row and column of a larger matrix, from offset 1
    const big = rand([61, 45], rng);
    const pick = <D extends ndarray.Data>(v: ndarray.NdArray<D>) => v.lo(1, 1).step(2, 2);
    const d = rand([22, 17], rng);
    await checkMatmul(pick(big), d, pick(up(big)), up(d));
  });
  it('more batch entries than workgroups along z (65535)', async () => {
    await checkMatmul(rand([65537, 1, 3], rng), rand([3, 2], rng));
  });
});

interface ConvCase {
  name: string;
  x: number[];
  w: number[];
  p: Conv2dParams;
  bias: boolean;
  /** Upload x and ∂L/∂y as transposed (strided) device views. */
  strided?: boolean;
}

const convCases: ConvCase[] = [
  {
    name: '3×3, stride 1, padding 1, C = 3, bias',
    x: [2, 3, 9, 9],
    w: [8, 3, 3, 3],
    p: { stride: [1, 1], padding: [1, 1] },
    bias: true,
  },
  {
    name: 'stride 2, padding [0, 1]',
    x: [2, 5, 11, 10],
    w: [7, 5, 3, 3],
    p: { stride: [2, 2], padding: [0, 1] },
    bias: true,
  },
  {
    name: '1×1, no padding',
    x: [3, 16, 6, 6],
    w: [20, 16, 1, 1],
    p: { stride: [1, 1], padding: [0, 0] },
    bias: false,
  },
  {
    name: 'C = 1, 3×2 kernel, stride [2, 1], padding [1, 0]',
    x: [1, 1, 8, 7],
    w: [4, 1, 3, 2],
    p: { stride: [2, 1], padding: [1, 0] },
    bias: true,
  },
  {
    name: 'O = 70 across tiles, strided inputs',
    x: [2, 20, 12, 12],
    w: [70, 20, 3, 3],
    p: { stride: [1, 1], padding: [1, 1] },
    bias: true,
    strided: true,
  },
  {
    name: 'a long weight-gradient sum (split-K)',
    x: [4, 4, 16, 16],
    w: [8, 4, 3, 3],
    p: { stride: [1, 1], padding: [1, 1] },
    bias: true,
  },
];

describe.skipIf(!backend)('webgpu conv2d and its gradients against the reference', () => {
  const rng = new Rng(7);
  for (const c of convCases) {
    it(c.name, async () => {
      const x = rand(c.x, rng);
      const w = rand(c.w, rng);
      const bias = c.bias ? rand([c.w[0]!], rng) : null;
      const [O, C, KH, KW] = c.w as [number, number, number, number];
      const dx = c.strided ? transposed(x).dev : up(x);
      const dw = up(w);
      const dBias = bias ? up(bias) : null;
      const absBias = bias ? abs(bias) : null;
      const y = reference.conv2d(x, w, bias, c.p);
      const yMagnitude = reference.conv2d(abs(x), abs(w), absBias, c.p);
      await expectWithin(backend!.conv2d(dx, dw, dBias, c.p), y, yMagnitude, C * KH * KW + 1);
      const yRelu = reference.conv2d(x, w, bias, c.p, true);
      await expectWithin(backend!.conv2d(dx, dw, dBias, c.p, true), yRelu, yMagnitude, C * KH * KW + 1);

      const [N, , OH, OW] = y.shape as [number, number, number, number];
      const gy = rand(y.shape, rng);
      const dgy = c.strided ? transposed(gy).dev : up(gy);
      await expectWithin(
        backend!.conv2dBackwardInput(dgy, dw, x.shape, c.p),
        reference.conv2dBackwardInput(gy, w, x.shape, c.p),
        reference.conv2dBackwardInput(abs(gy), abs(w), x.shape, c.p),
        O * KH * KW,
      );
      await expectWithin(
        backend!.conv2dBackwardWeight(dx, dgy, w.shape, c.p),
        reference.conv2dBackwardWeight(x, gy, w.shape, c.p),
        reference.conv2dBackwardWeight(abs(x), abs(gy), w.shape, c.p),
        N * OH * OW,
      );
      await expectWithin(
        backend!.conv2dReluBackwardParams(dx, dgy, up(yRelu), w.shape, c.p),
        reference.conv2dReluBackwardParams(x, gy, yRelu, w.shape, c.p),
        reference.conv2dReluBackwardParams(abs(x), abs(gy), yRelu, w.shape, c.p),
        N * OH * OW,
      );
    });
  }
});
