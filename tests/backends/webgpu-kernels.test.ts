/**
 * The webgpu backend's WGSL kernels against the reference backend (the
 * specification), on a real WebGPU adapter (here lavapipe, Mesa's CPU Vulkan
 * driver): the elementwise kernels (every unary and binary function,
 * broadcasting through stride 0, relu's gradient, fill, copy, contiguous,
 * assign, strided reads) and the reductions, pooling and optimizer updates.
 *
 * Every input is tried in several layouts holding the same values: row-major,
 * stored with its axes permuted, embedded in a larger buffer (an offset and
 * gaps) and read backwards (negative strides); each must give the reference's
 * result on the row-major values.
 *
 * Tolerances (float32 on the device, float64 sums in the reference):
 *   exact       neg, abs, relu, square, sign, step, add, sub, mul, eq, copies, max, pooling's max
 *               and argmax (ties and NaNs decide which index wins), max-pool's gradient
 *   relative    exp, log, sqrt, pow, div: |got − want| ≤ 1e-5·|want| + 1e-6
 *   sums        |got − want| ≤ 1e-5·terms·magnitude + 1e-6 with terms·magnitude = Σ|terms|
 *               (the reference run on |x|); long sums of small integers, exact in float32
 *               whatever the order, must be exact, so a dropped or doubled term shows.
 *
 * Without an adapter every test is skipped with the reason printed once, except
 * under CI (CI set), where that fails. (The skip happens inside each test, as the
 * adapter is only known once beforeAll has run: it.skipIf conditions are evaluated
 * earlier, when the file is collected.) Each test runs inside WebGPU error scopes,
 * so that a validation error fails the test that caused it.
 */
import ndarray from 'ndarray';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdamStep, BinaryOp, HostView, SgdStep, UnaryOp } from '../../src/tensor/backend.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import {
  closeWebGpu,
  initWebGpu,
  webGpuUnavailableReason,
  type GpuView,
  type WebGpuBackend,
} from '../../src/tensor/backends/webgpu.js';
import type { GpuStorage } from '../../src/tensor/backends/webgpu/runtime.js';
import { Rng } from '../../src/tensor/random.js';
import { worstViolation, type Tolerance } from '../../src/tensor/tolerance.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';

const reference = new ReferenceBackend();
let gpu: WebGpuBackend | null = null;

beforeAll(async () => {
  gpu = await initWebGpu();
  if (gpu) return;
  const reason = webGpuUnavailableReason();
  if (process.env.CI) throw new Error(`webgpu kernels: no WebGPU adapter under CI: ${reason}`);
  console.warn(`webgpu kernels: skipped: ${reason}`);
});
afterAll(() => closeWebGpu());

/** A test that needs the device: skipped without one, failed by any WebGPU error it causes. */
function gpuIt(name: string, body: (b: WebGpuBackend) => Promise<void>): void {
  it(name, async (ctx) => {
    if (!gpu) return ctx.skip();
    const device = gpu.runtime.device;
    const scopes = ['validation', 'out-of-memory', 'internal'] as const;
    for (const s of scopes) device.pushErrorScope(s);
    try {
      await body(gpu);
    } finally {
      gpu.runtime.flush();
      const errors: string[] = [];
      for (let k = 0; k < scopes.length; k++) {
        const e = await device.popErrorScope();
        if (e) errors.push(`webgpu: ${e.message}`);
      }
      expect(errors).toEqual([]);
    }
  });
}

// ------------------------------------------------------------------ data and layouts

function rand(shape: readonly number[], rng: Rng, low = -1, high = 1): HostView {
  const n = shape.reduce((a, d) => a * d, 1);
  return viewOf(
    Float32Array.from({ length: n }, () => rng.uniform(low, high)),
    shape,
  );
}

/** Small integers in [low, high]: many ties, and sums that float32 holds exactly. */
function ints(shape: readonly number[], rng: Rng, low: number, high: number): HostView {
  const n = shape.reduce((a, d) => a * d, 1);
  return viewOf(
    Float32Array.from({ length: n }, () => low + Math.floor(rng.next() * (high - low + 1))),
    shape,
  );
}

const abs = (v: HostView): HostView => viewOf(copyToArray(v).map(Math.abs), v.shape);

/** The same values, stored with the axes in `order` and viewed back (not row-major). */
function permuted(v: HostView, order: number[]): HostView {
  const stored = copyToArray(v.transpose(...order) as HostView);
  const inverse = order.map((_, i) => order.indexOf(i));
  return viewOf(
    stored,
    order.map((a) => v.shape[a]!),
  ).transpose(...inverse) as HostView;
}

/** The same values inside a larger buffer (offset, gaps between rows), optionally read backwards. */
function embedded(v: HostView, rng: Rng, backwards = false): HostView {
  const big = rand(
    v.shape.map((d) => d + 2),
    rng,
    -9,
    9,
  );
  const inner = big.lo(...v.shape.map(() => 1)).hi(...v.shape) as HostView;
  const w = backwards ? (inner.step(...v.shape.map(() => -1)) as HostView) : inner; // negative strides
  reference.assign(w, v);
  return w;
}

/** v in four layouts holding the same values. */
function layouts(v: HostView, rng: Rng): HostView[] {
  const rank = v.shape.length;
  const order = Array.from({ length: rank }, (_, a) => rank - 1 - a);
  return [v, permuted(v, order), embedded(v, rng), embedded(v, rng, true)];
}

/** The same view on the device: its whole buffer uploaded, with the same shape, stride and offset. */
function dev(b: WebGpuBackend, v: HostView): GpuView {
  const flat = b.upload(Float32Array.from(v.data), [v.data.length]);
  return ndarray(flat.data, [...v.shape], [...v.stride], v.offset);
}

/**
 * The tolerance of a float32 sum on the device against the float64 reference
 * (src/tensor/tolerance.ts): 1e-5 of Σ|terms| per element, the reference run
 * on |x|, and 1e-6 absolute for the float32 rounding of the result.
 */
function sumOfAbs(magnitude: HostView): Tolerance {
  return { rtol: 1e-5, scale: copyToArray(magnitude), atol: 1e-6 };
}

/** got (on the device) equals want by the project's rule (src/tensor/tolerance.ts), NaN matching NaN; exact without tol. */
async function expectClose(
  b: WebGpuBackend,
  got: GpuView,
  want: HostView,
  tol: Partial<Tolerance> = {},
  what = '',
): Promise<void> {
  expect(got.shape, what).toEqual(want.shape);
  const v = worstViolation(await b.read(got), copyToArray(want), { rtol: 0, ...tol });
  if (v)
    expect.fail(
      `${what} element ${v.index} of [${want.shape}]: got ${v.got}, want ${v.want} (bound ${v.bound})`,
    );
}

const TRANSCENDENTAL: Tolerance = { rtol: 1e-5, atol: 1e-6 };

// ------------------------------------------------------------------ elementwise

describe('webgpu elementwise kernels', () => {
  gpuIt('every unary function in every layout', async (b) => {
    const rng = new Rng(11);
    const exactOps: UnaryOp[] = ['neg', 'abs', 'relu', 'square', 'sign', 'step'];
    const signed = rand([13, 37], rng, -3, 3);
    signed.data.set([0, 0, -0], 5); // exact zeros: sign, step and relu at 0
    const positive = rand([37, 13], rng, 0.05, 4);
    for (const v of layouts(signed, rng)) {
      for (const op of exactOps)
        await expectClose(b, b.unary(op, dev(b, v)), reference.unary(op, signed), {}, op);
      await expectClose(b, b.unary('exp', dev(b, v)), reference.unary('exp', signed), TRANSCENDENTAL, 'exp');
    }
    for (const v of layouts(positive, rng))
      for (const op of ['log', 'sqrt', 'exp'] as const)
        await expectClose(b, b.unary(op, dev(b, v)), reference.unary(op, positive), TRANSCENDENTAL, op);
  });

  gpuIt('pow: integer and fractional exponents, negative bases, zero', async (b) => {
    const rng = new Rng(12);
    const positive = rand([9, 31], rng, 0.05, 3);
    const negative = rand([31, 9], rng, -3, -0.05);
    const zeros = viewOf(new Float32Array(4), [4]);
    for (const p of [0, 1, 2, 3, 4, -1, -2, 0.5, 1.5, 2.5, -0.5, 1 / 3]) {
      const what = `pow ${p}`;
      for (const v of [positive, negative, permuted(negative, [1, 0]), embedded(positive, rng, true)])
        await expectClose(
          b,
          b.unary('pow', dev(b, v), p),
          reference.unary('pow', v, p),
          TRANSCENDENTAL,
          what,
        );
      // 0^p: 1 for p = 0, 0 for p > 0, Infinity for p < 0
      await expectClose(b, b.unary('pow', dev(b, zeros), p), reference.unary('pow', zeros, p), {}, what);
    }
  });

  gpuIt('every binary function with broadcasting, stride-0, transposed and sliced operands', async (b) => {
    const rng = new Rng(13);
    const stride0 = (v: HostView, shape: number[], stride: number[]) =>
      ndarray(v.data, shape, stride, v.offset) as HostView; // an explicit broadcast view
    const row = rand([5], rng);
    const cases: [string, HostView, HostView][] = [
      ['same shape', rand([3, 4, 5], rng), rand([3, 4, 5], rng)],
      ['trailing', rand([3, 4, 5], rng), rand([5], rng)],
      ['both broadcast', rand([3, 1, 5], rng), rand([4, 1], rng)],
      ['leading 1', rand([1, 6], rng), rand([7, 1], rng)],
      ['stride 0', stride0(row, [4, 5], [0, 1]), rand([4, 5], rng)],
      ['stride 0 both', stride0(row, [6, 5], [0, 1]), stride0(rand([6], rng), [6, 5], [1, 0])],
      ['transposed', rand([6, 7], rng).transpose(1, 0) as HostView, rand([7, 1], rng)],
      [
        'transposed both',
        rand([8, 9], rng).transpose(1, 0) as HostView,
        rand([8, 9], rng).transpose(1, 0) as HostView,
      ],
      ['sliced', rand([2, 300, 3], rng).lo(0, 1, 0).hi(2, 257, 3) as HostView, rand([257, 3], rng)],
      ['backwards', embedded(rand([5, 6], rng), rng, true), embedded(rand([5, 6], rng), rng)],
      ['long', rand([70_001], rng), rand([1], rng)],
    ];
    for (const [name, a, c] of cases) {
      for (const op of ['add', 'sub', 'mul', 'div', 'eq'] as BinaryOp[]) {
        const tol = op === 'div' ? TRANSCENDENTAL : { rtol: 0 };
        await expectClose(
          b,
          b.binary(op, dev(b, a), dev(b, c)),
          reference.binary(op, a, c),
          tol,
          `${name} ${op}`,
        );
        await expectClose(
          b,
          b.binary(op, dev(b, c), dev(b, a)),
          reference.binary(op, c, a),
          tol,
          `${name} ${op}′`,
        );
      }
    }
    // eq with ties, and NaN never equal to itself
    const p = ints([6, 8], rng, 0, 2);
    const q = ints([8, 6], rng, 0, 2).transpose(1, 0) as HostView;
    p.data[3] = NaN;
    q.data[3] = NaN;
    await expectClose(b, b.binary('eq', dev(b, p), dev(b, q)), reference.binary('eq', p, q), {}, 'eq ties');
    await expectClose(b, b.binary('eq', dev(b, p), dev(b, p)), reference.binary('eq', p, p), {}, 'eq self');
  });

  gpuIt('relu gradient on strided operands, with x = 0 exactly', async (b) => {
    const rng = new Rng(14);
    const g = rand([9, 11], rng);
    const x = ints([11, 9], rng, -1, 1).transpose(1, 0) as HostView; // many exact zeros
    for (const gv of layouts(g, rng))
      await expectClose(
        b,
        b.reluBackward(dev(b, gv), dev(b, x)),
        reference.reluBackward(g, x),
        {},
        'reluBackward',
      );
  });

  gpuIt('fill, copy, contiguous, and dispatches past 65535 workgroups', async (b) => {
    const rng = new Rng(15);
    await expectClose(b, b.fill([3, 70], 'float32', 2.5), reference.fill([3, 70], 'float32', 2.5));
    await expectClose(b, b.fill([0, 4], 'float32', 1), reference.fill([0, 4], 'float32', 1));
    const n = 2 ** 24 + 300; // 65538 workgroups of 256: the dispatch spills into y
    const big = b.fill([n], 'float32', -1.5);
    const neg = await b.read(b.unary('neg', big));
    expect(neg.length).toBe(n);
    expect(neg.every((v) => v === 1.5)).toBe(true);
    b.dispose([big]);
    const x = rand([6, 7, 5], rng);
    for (const v of [...layouts(x, rng), x.lo(1, 2, 0).hi(4, 3, 5).step(2, -1, 2) as HostView]) {
      const d = dev(b, v);
      const c = b.copy(d);
      expect(c.data).not.toBe(d.data);
      await expectClose(b, c, reference.copy(v), {}, 'copy');
      const k = b.contiguous(d);
      expect(k.stride).toEqual(reference.contiguous(v).stride);
      await expectClose(b, k, reference.contiguous(v), {}, 'contiguous');
    }
    const rowMajor = b.upload(Float32Array.from(x.data), x.shape);
    expect(b.contiguous(rowMajor)).toBe(rowMajor); // already row-major: itself
  });

  gpuIt('assign into strided slices (also from the same buffer), strided reads', async (b) => {
    const rng = new Rng(16);
    const host = rand([5, 8], rng);
    const device = b.upload(Float32Array.from(host.data), host.shape);
    const src = rand([3, 4], rng).transpose(1, 0) as HostView; // [4, 3]
    // rows 3, 2, 1 and columns 1, 3, 5, transposed: [3, 3]
    const slice = <D extends ndarray.Data>(v: ndarray.NdArray<D>) =>
      v.lo(1, 1).hi(3, 6).step(-1, 2).transpose(1, 0);
    const src3 = src.hi(3, 3) as HostView;
    b.assign(slice(device), dev(b, src3));
    reference.assign(slice(host), src3);
    await expectClose(b, device, host, {}, 'assign');
    // overlapping source and destination in one buffer: the source is read before it is overwritten
    b.assign(device.lo(0, 1) as GpuView, device.hi(5, 7) as GpuView);
    reference.assign(host.lo(0, 1) as HostView, host.hi(5, 7) as HostView);
    await expectClose(b, device, host, {}, 'assign overlapping');
    // reading strided views directly: transposed, sliced with steps, backwards, broadcast
    for (const v of [
      host.transpose(1, 0),
      host.lo(1, 2).hi(3, 5).step(2, 2),
      host.step(-1, -1),
      ndarray(host.data, [3, 8], [0, 1], 8),
    ] as HostView[]) {
      const d = ndarray(device.data, [...v.shape], [...v.stride], v.offset) as GpuView;
      expect(Array.from(await b.read(d))).toEqual(Array.from(copyToArray(v)));
    }
  });
});

// ------------------------------------------------------------------ reductions

/** Every subset of 0..rank-1, the empty one included. */
function subsets(rank: number): number[][] {
  return Array.from({ length: 2 ** rank }, (_, bits) =>
    Array.from({ length: rank }, (_, a) => a).filter((a) => bits & (1 << a)),
  );
}

describe('webgpu reductions', () => {
  gpuIt('sum and max over every set of axes, in every layout', async (b) => {
    const rng = new Rng(21);
    const x = rand([6, 5, 7, 9], rng);
    for (const v of layouts(x, rng))
      for (const axes of subsets(4)) {
        const what = `[${axes}]`;
        const sum = reference.reduce('sum', x, axes);
        await expectClose(
          b,
          b.reduce('sum', dev(b, v), axes),
          sum,
          sumOfAbs(reference.reduce('sum', abs(x), axes)),
          `sum ${what}`,
        );
        await expectClose(
          b,
          b.reduce('max', dev(b, v), axes),
          reference.reduce('max', x, axes),
          {},
          `max ${what}`,
        );
      }
  });

  gpuIt('long reductions: [256, 4096] over axis 0, axis 1 and all, and 1000003 values', async (b) => {
    const rng = new Rng(22);
    const shape = [256, 4096];
    for (const x of [rand(shape, rng), ints(shape, rng, -8, 8)]) {
      const exact = Number.isInteger(x.data[0]);
      const d = b.upload(Float32Array.from(x.data), shape);
      for (const axes of [[0], [1], [0, 1]]) {
        const what = `${exact ? 'integer ' : ''}sum [${axes}]`;
        const tol = exact ? { rtol: 0 } : sumOfAbs(reference.reduce('sum', abs(x), axes));
        await expectClose(b, b.reduce('sum', d, axes), reference.reduce('sum', x, axes), tol, what);
        await expectClose(b, b.reduce('max', d, axes), reference.reduce('max', x, axes), {}, `max [${axes}]`);
      }
    }
    const odd = ints([1_000_003], rng, -4, 4);
    const d = b.upload(odd.data, odd.shape);
    await expectClose(b, b.reduce('sum', d, [0]), reference.reduce('sum', odd, [0]), {}, 'sum of 1000003');
    const long = rand([3, 3000], rng).transpose(1, 0) as HostView; // [3000, 3], strided
    for (const axes of [[0], [0, 1]])
      await expectClose(
        b,
        b.reduce('sum', dev(b, long), axes),
        reference.reduce('sum', long, axes),
        sumOfAbs(reference.reduce('sum', abs(long), axes)),
      );
  });

  gpuIt('max with ties, NaN (a NaN wins), −Infinity, and over size-1 and empty axes', async (b) => {
    const rng = new Rng(23);
    const x = ints([7, 300, 3], rng, -2, 2);
    const at = (i: number, j: number, k: number) => (i * 300 + j) * 3 + k;
    x.data[at(1, 0, 0)] = NaN; // first of its row
    x.data[at(2, 299, 1)] = NaN; // last
    x.data[at(3, 131, 2)] = NaN; // in the middle, in another thread's partial result
    for (let j = 0; j < 300; j++) x.data[at(4, j, 0)] = -Infinity; // a row of −∞
    x.data[at(5, 7, 1)] = Infinity;
    for (const v of layouts(x, rng))
      for (const axes of [[1], [0], [0, 1], [1, 2], [0, 1, 2]])
        await expectClose(
          b,
          b.reduce('max', dev(b, v), axes),
          reference.reduce('max', x, axes),
          {},
          `max [${axes}]`,
        );
    // size-1 axes only: the values themselves; empty axes: 0 and −∞, as the reference's accumulators start
    const y = rand([4, 1, 3], rng).transpose(2, 1, 0) as HostView;
    for (const op of ['sum', 'max'] as const) {
      await expectClose(b, b.reduce(op, dev(b, y), [1]), reference.reduce(op, y, [1]), {}, `${op} size 1`);
      for (const [shape, axes] of [
        [[3, 0], [1]],
        [[0, 4], [0]],
        [[3, 0], [0]],
      ] as const) {
        const e = viewOf(new Float32Array(0), shape);
        await expectClose(
          b,
          b.reduce(op, b.upload(e.data, shape), axes),
          reference.reduce(op, e, axes),
          {},
          `${op} empty`,
        );
      }
    }
  });

  gpuIt('more than 65535 output rows (the workgroups spill into y), short and long rows', async (b) => {
    const rng = new Rng(24);
    // rows of 3 (one thread per row, 70000 threads) and of 33 (one workgroup per row, 66000 workgroups)
    for (const shape of [
      [70_000, 3],
      [66_000, 33],
    ]) {
      const x = ints(shape, rng, -5, 5);
      const d = b.upload(x.data, shape);
      for (const op of ['sum', 'max'] as const)
        await expectClose(b, b.reduce(op, d, [1]), reference.reduce(op, x, [1]), {}, `${op} [${shape}]`);
    }
  });

  gpuIt('few long rows, split over several workgroups and reduced in two passes', async (b) => {
    const rng = new Rng(25);
    const x = ints([3, 50_001], rng, -6, 6);
    x.data[2 * 50_001 + 40_000] = NaN; // in a late chunk of the last row
    const t = permuted(x, [1, 0]); // stored [50001, 3]: made row-major by the kernel first
    for (const v of [x, t]) {
      const d = dev(b, v);
      await expectClose(b, b.reduce('sum', d, [1]), reference.reduce('sum', x, [1]), {}, 'sum');
      await expectClose(b, b.reduce('max', d, [1]), reference.reduce('max', x, [1]), {}, 'max');
    }
  });
});

// ------------------------------------------------------------------ pooling

describe('webgpu pooling', () => {
  const cases = [
    { name: '2×2 stride 2', shape: [2, 3, 8, 8], p: { kernel: [2, 2], stride: [2, 2] } },
    { name: '3×3 stride 1 (overlapping)', shape: [2, 3, 9, 7], p: { kernel: [3, 3], stride: [1, 1] } },
    { name: '2×2 stride 2 on odd sizes', shape: [1, 2, 7, 5], p: { kernel: [2, 2], stride: [2, 2] } },
    { name: '3×2 stride (2, 1)', shape: [2, 2, 9, 6], p: { kernel: [3, 2], stride: [2, 1] } },
    { name: '3×3 stride 2 (overlapping, odd)', shape: [1, 3, 11, 9], p: { kernel: [3, 3], stride: [2, 2] } },
    { name: '1×1', shape: [1, 2, 3, 4], p: { kernel: [1, 1], stride: [1, 1] } },
  ] as const;

  for (const { name, shape, p } of cases) {
    gpuIt(`max and average pooling and their gradients, ${name}, ties and NaN`, async (b) => {
      const rng = new Rng(31 + shape[2] * 10 + p.kernel[0]);
      const tied = ints(shape, rng, 0, 2); // many ties: the first maximum must win
      tied.data[0] = NaN; // the first element of a window: the reference passes it over
      tied.data[5] = NaN;
      tied.data[shape[3] + 1] = -Infinity;
      for (let k = 0; k < shape[3]; k++) tied.data[tied.data.length - shape[3] * 2 + k] = NaN; // rows of NaN
      for (const x of [rand(shape, rng), tied])
        for (const v of layouts(x, rng)) {
          const m = b.maxPool2d(dev(b, v), p);
          const want = reference.maxPool2d(x, p);
          await expectClose(b, m.out, want.out, {}, 'max');
          const bits = await (m.argmax as GpuStorage).read([want.argmax.length], [1], 0);
          expect(Array.from(new Uint32Array(bits.buffer, bits.byteOffset, bits.length))).toEqual(
            Array.from(want.argmax),
          );
          const gy = rand(want.out.shape, rng);
          for (const gv of [gy, embedded(gy, rng, true)]) {
            // the same windows in the same order as the reference's scatter: exact
            await expectClose(
              b,
              b.maxPool2dBackward(dev(b, gv), m.argmax as GpuStorage, x.shape),
              reference.maxPool2dBackward(gy, want.argmax, x.shape),
              {},
              'max backward',
            );
            await expectClose(
              b,
              b.avgPool2dBackward(dev(b, gv), x.shape, p),
              reference.avgPool2dBackward(gy, x.shape, p),
              sumOfAbs(reference.avgPool2dBackward(abs(gy), x.shape, p)),
              'avg backward',
            );
          }
          if (x !== tied)
            await expectClose(
              b,
              b.avgPool2d(dev(b, v), p),
              reference.avgPool2d(x, p),
              sumOfAbs(reference.avgPool2d(abs(x), p)),
              'avg',
            );
        }
    });
  }
});

// ------------------------------------------------------------------ optimizers

/** A row-major view of `values` inside a larger device buffer, from offset 3. */
function offsetOnDevice(b: WebGpuBackend, values: HostView): GpuView {
  const padded = new Float32Array(values.size + 5).fill(7);
  padded.set(copyToArray(values), 3);
  const flat = b.upload(padded, [padded.length]);
  return ndarray(flat.data, [...values.shape], [...values.stride], 3);
}

describe('webgpu optimizer updates', () => {
  gpuIt(
    'two Adam steps equal the reference (θ, m and v), at offset 0 and inside a larger buffer',
    async (b) => {
      const rng = new Rng(41);
      for (const [shape, weightDecay, offset] of [
        [[17, 13], 0.01, false],
        [[300, 257], 0, false],
        [[5, 7], 0.1, true],
      ] as const) {
        const theta = rand(shape, rng);
        const m = reference.fill(shape, 'float32', 0);
        const v = reference.fill(shape, 'float32', 0);
        const [T, M, V] = [theta, m, v].map((a) =>
          offset ? offsetOnDevice(b, a) : b.upload(Float32Array.from(a.data), shape),
        );
        for (let t = 1; t <= 2; t++) {
          const g = rand(shape, rng);
          const h: AdamStep = {
            beta1: 0.9,
            beta2: 0.999,
            eps: 1e-8,
            weightDecay,
            stepSize: 0.1 / (1 - 0.9 ** t),
            sqrtBias2: Math.sqrt(1 - 0.999 ** t),
          };
          reference.adamUpdate(theta, g, m, v, h);
          b.adamUpdate(T!, offset ? offsetOnDevice(b, g) : b.upload(g.data, shape), M!, V!, h);
        }
        await expectClose(b, T!, theta, { rtol: 1e-5, atol: 1e-6 }, 'θ');
        await expectClose(b, M!, m, { rtol: 1e-5, atol: 1e-7 }, 'm');
        await expectClose(b, V!, v, { rtol: 1e-5, atol: 1e-12 }, 'v');
      }
    },
  );

  gpuIt('SGD with and without momentum, Nesterov, weight decay, three steps', async (b) => {
    const rng = new Rng(42);
    const shape = [19, 23];
    for (const [momentum, nesterov, weightDecay, offset] of [
      [0, false, 0, false],
      [0, false, 0.01, true],
      [0.9, false, 0, false],
      [0.9, false, 0.01, true],
      [0.9, true, 0.01, false],
      [0.5, true, 0, true],
    ] as const) {
      const theta = rand(shape, rng);
      const buf = momentum ? reference.fill(shape, 'float32', 0) : null;
      const up = (a: HostView) =>
        offset ? offsetOnDevice(b, a) : b.upload(Float32Array.from(a.data), shape);
      const T = up(theta);
      const B = buf ? up(buf) : null;
      for (let t = 0; t < 3; t++) {
        const g = rand(shape, rng);
        const h: SgdStep = { lr: 0.1, weightDecay, momentum, nesterov, first: t === 0 };
        reference.sgdUpdate(theta, g, buf, h);
        b.sgdUpdate(T, up(g), B, h);
      }
      const what = `momentum ${momentum} nesterov ${nesterov} wd ${weightDecay}`;
      await expectClose(b, T, theta, { rtol: 1e-6, atol: 1e-6 }, `θ ${what}`);
      if (buf) await expectClose(b, B!, buf, { rtol: 1e-6, atol: 1e-6 }, `buf ${what}`);
    }
  });
});
