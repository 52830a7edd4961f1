/**
 * The webgpu backend's elementwise, reduction, pooling and optimizer kernels
 * against the reference backend, on odd shapes, strided views (transposed,
 * sliced, broadcast), reductions longer than 1000 and across workgroups.
 * float32 on the device against float64 sums in the reference: each check
 * allows a few float32 roundings of the magnitudes involved.
 */
import ndarray from 'ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BinaryOp, HostView, UnaryOp, View } from '../../src/tensor/backend.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { Rng } from '../../src/tensor/random.js';
import { worstViolation } from '../../src/tensor/tolerance.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';
import { closeWebGpu, webGpuForTests } from '../helpers/webgpu.js';

const reference = new ReferenceBackend();
let gpu: Backend | null = null; // the webgpu backend, through the interface the ops use
beforeAll(async () => {
  gpu = await webGpuForTests('webgpu elementwise kernels');
});
afterAll(() => closeWebGpu());

function rand(shape: number[], rng: Rng, low = -1, high = 1): HostView {
  const n = shape.reduce((a, d) => a * d, 1);
  return viewOf(
    Float32Array.from({ length: n }, () => rng.uniform(low, high)),
    shape,
  );
}

/** The same view on the device: its whole buffer uploaded, with the same shape, stride and offset. */
function onDevice(v: HostView): View {
  const flat = gpu!.upload(Float32Array.from(v.data), [v.data.length]);
  return ndarray(flat.data, [...v.shape], [...v.stride], v.offset);
}

/**
 * |got − want| ≤ rtol·max(|want|, scale) + 1e-7 elementwise (src/tensor/tolerance.ts): the
 * float32 rounding of values of order 1, NaN matching NaN.
 */
async function expectNear(got: View, want: View, rtol: number, scale = 0): Promise<void> {
  const v = worstViolation(await gpu!.read(got), copyToArray(want), { rtol, scale, atol: 1e-7 });
  if (v) expect.fail(`element ${v.index}: ${v.got} vs ${v.want} (tolerance ${v.bound})`);
}

const UNARY: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'abs', 'relu', 'square', 'sign', 'step'];
const BINARY: BinaryOp[] = ['add', 'sub', 'mul', 'div', 'eq'];

describe('webgpu elementwise, reduction, pooling and optimizer kernels', { timeout: 120_000 }, () => {
  it('unary functions on contiguous and transposed views, pow with integer and fractional exponents', async ({
    skip,
  }) => {
    if (!gpu) return skip();
    const rng = new Rng(1);
    const x = rand([37, 29], rng, 0.1, 3);
    const xs = [x, x.transpose(1, 0) as HostView];
    for (const v of xs) {
      const d = onDevice(v);
      for (const op of UNARY) await expectNear(gpu.unary(op, d), reference.unary(op, v), 1e-5);
      for (const p of [2, 3, 0.5, 1.5, -1])
        await expectNear(gpu.unary('pow', d, p), reference.unary('pow', v, p), 1e-5);
    }
    const neg = rand([5, 7], rng, -2, 2);
    for (const p of [2, 3])
      await expectNear(gpu.unary('pow', onDevice(neg), p), reference.unary('pow', neg, p), 1e-5);
  });

  it('binary functions with broadcasting, stride-0 and strided operands', async ({ skip }) => {
    if (!gpu) return skip();
    const rng = new Rng(2);
    const cases: [HostView, HostView][] = [
      [rand([3, 4, 5], rng), rand([3, 4, 5], rng)],
      [rand([3, 4, 5], rng), rand([5], rng)],
      [rand([3, 1, 5], rng), rand([4, 1], rng)],
      [rand([6, 7], rng).transpose(1, 0) as HostView, rand([7, 1], rng)],
      [rand([2, 300, 3], rng).lo(0, 1, 0).hi(2, 257, 3) as HostView, rand([257, 3], rng)],
    ];
    for (const [a, b] of cases)
      for (const op of BINARY) {
        const want = reference.binary(op, a, b);
        await expectNear(gpu.binary(op, onDevice(a), onDevice(b)), want, op === 'div' ? 1e-5 : 1e-6);
      }
  });

  it('relu gradient, fill, copy, contiguous of a sliced view, assign into a strided slice, strided reads', async ({
    skip,
  }) => {
    if (!gpu) return skip();
    const rng = new Rng(3);
    const g = rand([9, 11], rng);
    const x = rand([11, 9], rng).transpose(1, 0) as HostView;
    await expectNear(gpu.reluBackward(onDevice(g), onDevice(x)), reference.reluBackward(g, x), 0);
    await expectNear(gpu.fill([3, 70], 'float32', 2.5), reference.fill([3, 70], 'float32', 2.5), 0);
    const sliced = rand([8, 10], rng).lo(1, 2).hi(5, 7).step(2, 1) as HostView;
    await expectNear(gpu.copy(onDevice(sliced)), reference.copy(sliced), 0);
    await expectNear(gpu.contiguous(onDevice(sliced)), reference.contiguous(sliced), 0);
    const dst = gpu.fill([4, 6], 'float32', 0);
    const hostDst = reference.fill([4, 6], 'float32', 0) as HostView;
    const src = rand([2, 3], rng);
    gpu.assign(dst.lo(1, 2).hi(2, 3).step(1, 1) as View, onDevice(src));
    reference.assign(hostDst.lo(1, 2).hi(2, 3) as HostView, src);
    await expectNear(dst, hostDst, 0);
    expect(Array.from(await gpu.read(onDevice(sliced)))).toEqual(Array.from(copyToArray(sliced)));
  });

  it('sum and max over single, several and all axes, longer than 1000, of strided views', async ({
    skip,
  }) => {
    if (!gpu) return skip();
    const rng = new Rng(4);
    const x = rand([6, 5, 7, 9], rng);
    const axesList = [[0], [3], [1, 3], [0, 2], [0, 1, 2, 3]];
    for (const v of [x, x.transpose(3, 1, 2, 0) as HostView])
      for (const axes of axesList)
        for (const op of ['sum', 'max'] as const) {
          const R = axes.reduce((n, a) => n * v.shape[a]!, 1);
          await expectNear(
            gpu.reduce(op, onDevice(v), axes),
            reference.reduce(op, v, axes),
            4e-7 * Math.sqrt(R),
            op === 'sum' ? R : 0,
          );
        }
    const long = rand([3000, 3], rng);
    await expectNear(gpu.reduce('sum', onDevice(long), [0]), reference.reduce('sum', long, [0]), 1e-5, 3000);
    await expectNear(
      gpu.reduce('sum', onDevice(long), [0, 1]),
      reference.reduce('sum', long, [0, 1]),
      1e-5,
      9000,
    );
    await expectNear(gpu.reduce('max', onDevice(long), [0]), reference.reduce('max', long, [0]), 0);
  });

  it('max and average pooling and their gradients, overlapping windows and odd sizes', async ({ skip }) => {
    if (!gpu) return skip();
    const rng = new Rng(5);
    const x = rand([2, 3, 9, 7], rng);
    for (const p of [
      { kernel: [2, 2], stride: [2, 2] },
      { kernel: [3, 3], stride: [1, 1] },
      { kernel: [3, 2], stride: [2, 1] },
    ] as const) {
      const m = gpu.maxPool2d(onDevice(x), p);
      const mr = reference.maxPool2d(x, p);
      await expectNear(m.out, mr.out, 0);
      const gy = rand(mr.out.shape, rng);
      await expectNear(
        gpu.maxPool2dBackward(onDevice(gy), m.argmax, x.shape),
        reference.maxPool2dBackward(gy, mr.argmax, x.shape),
        1e-6,
        1,
      );
      await expectNear(gpu.avgPool2d(onDevice(x), p), reference.avgPool2d(x, p), 1e-6, 1);
      await expectNear(
        gpu.avgPool2dBackward(onDevice(gy), x.shape, p),
        reference.avgPool2dBackward(gy, x.shape, p),
        1e-6,
        1,
      );
    }
  });

  it('two Adam steps and SGD with and without (Nesterov) momentum equal the reference', async ({ skip }) => {
    if (!gpu) return skip();
    const rng = new Rng(6);
    const shape = [17, 13];
    const theta = rand(shape, rng);
    const [m, v] = [
      reference.fill(shape, 'float32', 0) as HostView,
      reference.fill(shape, 'float32', 0) as HostView,
    ];
    const [T, M, V] = [theta, m, v].map((a) => gpu!.upload(Float32Array.from(a.data), shape));
    for (let t = 1; t <= 2; t++) {
      const g = rand(shape, rng);
      const h = {
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        weightDecay: 0.01,
        stepSize: 0.1 / (1 - 0.9 ** t),
        sqrtBias2: Math.sqrt(1 - 0.999 ** t),
      };
      reference.adamUpdate(theta, g, m, v, h);
      gpu.adamUpdate(T!, gpu.upload(g.data, shape), M!, V!, h);
    }
    await expectNear(T!, theta, 1e-5, 0.1);
    for (const [momentum, nesterov] of [
      [0, false],
      [0.9, false],
      [0.9, true],
    ] as const) {
      const th = rand(shape, rng);
      const buf = momentum ? (reference.fill(shape, 'float32', 0) as HostView) : null;
      const TH = gpu.upload(Float32Array.from(th.data), shape);
      const BUF = buf ? gpu.upload(Float32Array.from(buf.data), shape) : null;
      for (let t = 0; t < 2; t++) {
        const g = rand(shape, rng);
        const h = { lr: 0.1, weightDecay: 0.01, momentum, nesterov, first: t === 0 };
        reference.sgdUpdate(th, g, buf, h);
        gpu.sgdUpdate(TH, gpu.upload(g.data, shape), BUF, h);
      }
      await expectNear(TH, th, 1e-6, 1);
    }
  });
});
