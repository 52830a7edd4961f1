/**
 * The gpujs backend against the reference backend, in every gpu.js mode usable
 * here, on shapes chosen to break gather kernels: a reduction longer than 1000
 * (gpu.js silently stops argument-bounded loops at 1000 iterations), odd
 * sizes, padding edges, stride 2, batch > 1 and strided (non-contiguous) views.
 *
 * Tolerance (float32). Each output is a sum of T products of float32 inputs.
 * Accumulating it in float32 errs by at most γ·Σ|terms| with γ = (T+1)·u
 * (u = 2⁻²⁴, one rounding per product and per addition; Higham, Accuracy and
 * Stability of Numerical Algorithms, §3.1), and storing the float64 reference
 * in float32 adds u·|y|. Σ|terms| is the same op run by the reference on |inputs|.
 * So |gpujs − reference| ≤ (T+3)·u·ref(|inputs|) (sumRtol in src/tensor/tolerance.ts) must hold for every element,
 * in any summation order; a dropped or wrong term breaks it by orders of magnitude.
 */
import { describe, expect, it } from 'vitest';
import { Rng, randUniform, type Conv2dParams, type HostView } from '../../src/index.js';
import {
  bestMode,
  GPUJS_MODES,
  GpujsBackend,
  headlessGlRenderer,
  isSoftwareRenderer,
  usableModes,
} from '../../src/tensor/backends/gpujs.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';
import { expectWithinSumRounding } from '../helpers/check.js';

const reference = new ReferenceBackend();
const modes = usableModes();

function rand(shape: number[], rng: Rng): HostView {
  return randUniform(shape, rng, -1, 1).hostView();
}

/** A copy of v holding |v| (row-major). */
function abs(v: HostView): HostView {
  return viewOf(copyToArray(v).map(Math.abs), v.shape);
}

/** Asserts |got − want| ≤ (terms + 3)·u·magnitude elementwise (src/tensor/tolerance.ts), with equal shapes. */
function expectClose(got: HostView, want: HostView, magnitude: HostView, terms: number): void {
  expect(got.shape).toEqual(want.shape);
  expect(got.data).toBeInstanceOf(Float32Array);
  const arrays = [got, want, magnitude].map(copyToArray);
  expectWithinSumRounding(arrays[0]!, arrays[1]!, arrays[2]!, terms, 'float32', `[${want.shape}]`);
}

/** A view of v's values laid out with axes permuted in memory: same logical tensor, new strides. */
function permutedLayout(v: HostView, order: number[]): HostView {
  // Store the tensor with axes in `order`, then transpose back: the result is
  // equal to v elementwise but not row-major.
  const stored = copyToArray(v.transpose(...order) as HostView);
  const storedShape = order.map((a) => v.shape[a]!);
  const inverse = order.map((_, i) => order.indexOf(i));
  return viewOf(stored, storedShape).transpose(...inverse) as HostView;
}

/** Every other element along `axis` of a twice-as-long tensor: equal to v, stride doubled. */
function everyOther(v: HostView, axis: number, rng: Rng): HostView {
  const shape = [...v.shape];
  shape[axis] = shape[axis]! * 2;
  const big = rand(shape, rng);
  const picked = big.step(...shape.map((_, i) => (i === axis ? 2 : 1))) as HostView;
  reference.assign(picked, v);
  return picked;
}

function checkMatmul(backend: GpujsBackend, a: HostView, b: HostView): void {
  const K = a.shape[a.shape.length - 1]!;
  expectClose(backend.matmul(a, b), reference.matmul(a, b), reference.matmul(abs(a), abs(b)), K);
}

interface ConvCase {
  x: number[];
  w: number[];
  p: Conv2dParams;
}

/** conv2d and both gradients against the reference, for one case. */
function checkConv(
  backend: GpujsBackend,
  c: ConvCase,
  rng: Rng,
  layout: (v: HostView) => HostView = (v) => v,
): void {
  const x = layout(rand(c.x, rng));
  const w = layout(rand(c.w, rng));
  const bias = rand([c.w[0]!], rng);
  const [N, C, ,] = c.x as [number, number, number, number];
  const [O, , KH, KW] = c.w as [number, number, number, number];
  const y = reference.conv2d(x, w, bias, c.p);
  expectClose(
    backend.conv2d(x, w, bias, c.p),
    y,
    reference.conv2d(abs(x), abs(w), abs(bias), c.p),
    C * KH * KW + 1,
  );
  expectClose(
    backend.conv2d(x, w, null, c.p),
    reference.conv2d(x, w, null, c.p),
    reference.conv2d(abs(x), abs(w), null, c.p),
    C * KH * KW,
  );

  const [, , OH, OW] = y.shape as [number, number, number, number];
  const gy = layout(rand(y.shape, rng));
  expectClose(
    backend.conv2dBackwardInput(gy, w, x.shape, c.p),
    reference.conv2dBackwardInput(gy, w, x.shape, c.p),
    reference.conv2dBackwardInput(abs(gy), abs(w), x.shape, c.p),
    O * KH * KW,
  );
  expectClose(
    backend.conv2dBackwardWeight(x, gy, w.shape, c.p),
    reference.conv2dBackwardWeight(x, gy, w.shape, c.p),
    reference.conv2dBackwardWeight(abs(x), abs(gy), w.shape, c.p),
    N * OH * OW,
  );
}

const p = (stride: [number, number], padding: [number, number]): Conv2dParams => ({ stride, padding });

describe.each(modes)('gpujs backend, mode %s', (mode) => {
  const backend = new GpujsBackend({ mode });

  it('matmul with K > 1000 (beyond gpu.js loop cap), odd sizes', () => {
    const rng = new Rng(1);
    checkMatmul(backend, rand([3, 1029], rng), rand([1029, 5], rng));
    checkMatmul(backend, rand([1, 1], rng), rand([1, 7], rng));
  });

  it('matmul on random shapes, with broadcast batches', () => {
    const rng = new Rng(2);
    for (let trial = 0; trial < 4; trial++) {
      const [M, K, N] = [1 + rng.int(9), 1 + rng.int(40), 1 + rng.int(9)];
      checkMatmul(backend, rand([M, K], rng), rand([K, N], rng));
    }
    checkMatmul(backend, rand([2, 3, 7, 13], rng), rand([3, 13, 9], rng)); // batch [2,3] × [3]
    checkMatmul(backend, rand([4, 5, 6], rng), rand([6, 3], rng)); // b shared by every batch
  });

  it('matmul on non-contiguous inputs: transposed, strided, transposed inside a batch', () => {
    const rng = new Rng(3);
    const aT = rand([11, 6], rng).transpose(1, 0) as HostView; // [6, 11], column-major
    const bStrided = everyOther(rand([11, 4], rng), 1, rng); // [11, 4], column stride 2
    checkMatmul(backend, aT, bStrided);
    const batchedT = rand([3, 1010, 5], rng).transpose(0, 2, 1) as HostView; // [3, 5, 1010]
    checkMatmul(backend, batchedT, permutedLayout(rand([3, 1010, 2], rng), [2, 0, 1]));
    const offsetRows = rand([9, 8], rng).hi(7, 8).lo(2, 0) as HostView; // rows 2..6, offset > 0
    checkMatmul(backend, offsetRows, rand([8, 3], rng));
  });

  it('conv2d and its gradients with a reduction > 1000 in each kernel', () => {
    const rng = new Rng(4);
    checkConv(backend, { x: [1, 1030, 3, 3], w: [2, 1030, 2, 2], p: p([1, 1], [0, 0]) }, rng); // forward: C
    checkConv(backend, { x: [1, 2, 4, 4], w: [1030, 2, 3, 3], p: p([1, 1], [1, 1]) }, rng); // input grad: O
    checkConv(backend, { x: [1025, 1, 3, 3], w: [2, 1, 3, 3], p: p([1, 1], [1, 1]) }, rng); // weight grad: N
  });

  it('conv2d: odd sizes, padding edges, stride 2, batch > 1', () => {
    const rng = new Rng(5);
    checkConv(backend, { x: [2, 3, 7, 9], w: [5, 3, 3, 3], p: p([2, 2], [1, 1]) }, rng);
    checkConv(backend, { x: [3, 2, 8, 5], w: [3, 2, 1, 5], p: p([2, 1], [0, 2]) }, rng);
    checkConv(backend, { x: [2, 2, 2, 2], w: [3, 2, 3, 3], p: p([1, 1], [1, 1]) }, rng); // kernel = padded image
    checkConv(backend, { x: [2, 1, 6, 6], w: [2, 1, 2, 2], p: p([2, 2], [0, 0]) }, rng); // windows tile the image
    for (let trial = 0; trial < 3; trial++) {
      const [KH, KW] = [1 + rng.int(3), 1 + rng.int(3)];
      const [ph, pw] = [rng.int(KH), rng.int(KW)];
      const x = [1 + rng.int(3), 1 + rng.int(4), KH + rng.int(6), KW + rng.int(6)];
      checkConv(
        backend,
        { x, w: [1 + rng.int(4), x[1]!, KH, KW], p: p([1 + rng.int(2), 1 + rng.int(2)], [ph, pw]) },
        rng,
      );
    }
  });

  it('conv2d on non-contiguous inputs', () => {
    const rng = new Rng(6);
    const c: ConvCase = { x: [2, 3, 6, 5], w: [4, 3, 3, 3], p: p([2, 1], [1, 1]) };
    checkConv(backend, c, rng, (v) => permutedLayout(v, [0, 1, 3, 2]));
    checkConv(backend, c, rng, (v) => everyOther(v, 1, rng));
  });

  it('float64 tensors fall back to the cpu backend, in float64', () => {
    const rng = new Rng(7);
    const a = randUniform([3, 40], rng, -1, 1, { dtype: 'float64' }).hostView();
    const b = randUniform([40, 2], rng, -1, 1, { dtype: 'float64' }).hostView();
    const y = backend.matmul(a, b);
    expect(y.data).toBeInstanceOf(Float64Array);
    // float64 rounding only (2⁻⁵³ per operation): far below float32's 2⁻²⁴.
    const want = reference.matmul(a, b).data;
    y.data.forEach((v, i) => expect(Math.abs(v - want[i]!)).toBeLessThan(1e-13));
    const x = randUniform([1, 2, 5, 5], rng, -1, 1, { dtype: 'float64' }).hostView();
    const w = randUniform([3, 2, 3, 3], rng, -1, 1, { dtype: 'float64' }).hostView();
    expect(backend.conv2d(x, w, null, p([1, 1], [1, 1])).data).toBeInstanceOf(Float64Array);
  });

  it('returns a fresh array per call (a later call does not overwrite an earlier result)', () => {
    const rng = new Rng(10);
    const [a, b] = [rand([3, 4], rng), rand([4, 5], rng)];
    const first = backend.matmul(a, b);
    const before = Array.from(first.data);
    backend.matmul(rand([3, 4], rng), rand([4, 5], rng));
    expect(Array.from(first.data)).toEqual(before);
    const x = rand([1, 2, 4, 4], rng);
    const w = rand([3, 2, 3, 3], rng);
    const y = backend.conv2d(x, w, null, p([1, 1], [1, 1]));
    const yBefore = Array.from(y.data);
    backend.conv2d(rand([1, 2, 4, 4], rng), w, null, p([1, 1], [1, 1]));
    expect(Array.from(y.data)).toEqual(yBefore);
  });

  it('compiles one kernel per op and shape, and reuses it', () => {
    const rng = new Rng(8);
    const own = new GpujsBackend({ mode, maxCachedKernels: 2 });
    const a = rand([2, 3], rng);
    const b = rand([3, 4], rng);
    own.matmul(a, b);
    own.matmul(rand([2, 3], rng), rand([3, 4], rng));
    expect(own.cachedKernelCount).toBe(1);
    own.matmul(rand([2, 5], rng), rand([5, 4], rng));
    own.matmul(rand([1, 5], rng), rand([5, 4], rng));
    expect(own.cachedKernelCount).toBe(2); // the oldest was dropped
    checkMatmul(own, a, b); // and is compiled again when needed
    own.dispose();
  });
});

describe('gpujs modes', () => {
  it('constructs with no arguments, in the best usable mode', () => {
    const backend = new GpujsBackend();
    expect(modes).toContain(backend.mode);
    expect(backend.mode).toBe(bestMode());
    // The first usable mode, unless that is headlessgl on a software renderer.
    expect(modes.indexOf(backend.mode)).toBeLessThanOrEqual(1);
    expect(backend.name).toBe(`gpujs-${backend.mode}`);
    const rng = new Rng(9);
    checkMatmul(backend, rand([2, 3], rng), rand([3, 2], rng));
  });

  it('cpu mode is always usable', () => {
    expect(GpujsBackend.probe('cpu')).toEqual({ ok: true });
  });

  const unavailable = GPUJS_MODES.filter((m) => !modes.includes(m));
  it('reports why each unavailable mode cannot run, in one line', () => {
    // webgpu is never usable: its kernels are asynchronous and the Backend interface is not.
    expect(unavailable).toContain('webgpu');
    for (const mode of [...unavailable, 'no-such-mode']) {
      const probe = GpujsBackend.probe(mode);
      expect(probe.ok).toBe(false);
      expect(probe.reason).toMatch(/^[^\n]{10,}$/);
      expect(() => new GpujsBackend({ mode: mode as never })).toThrow(
        `gpujs mode '${mode}' is unavailable: ${probe.reason}`,
      );
    }
  });

  it('does not default to headlessgl on a software renderer', () => {
    expect(isSoftwareRenderer('ANGLE (Mesa/X.org, llvmpipe (LLVM 15.0.6, 256 bits), OpenGL 4.5)')).toBe(true);
    expect(isSoftwareRenderer('Google SwiftShader')).toBe(true);
    expect(isSoftwareRenderer('ANGLE (NVIDIA Corporation, NVIDIA H100/PCIe/SSE2, OpenGL 4.5.0)')).toBe(false);
    const renderer = headlessGlRenderer();
    if (renderer !== null && isSoftwareRenderer(renderer)) expect(modes[0]).not.toBe('headlessgl');
    if (!modes.includes('headlessgl')) expect(renderer).toBeNull();
  });

  it('usable modes probe ok', () => {
    for (const mode of modes) expect(GpujsBackend.probe(mode)).toEqual({ ok: true });
  });
});
