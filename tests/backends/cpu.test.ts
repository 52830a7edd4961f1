/**
 * What the cpu backend promises beyond conformance: identical results run to
 * run and for any number of threads (a split never cuts a sum), elementwise
 * ops and 2×2 pooling bit-identical to the reference, empty shapes, the worker
 * pool's life cycle (dispose, restart, a process that exits on its own), and
 * the wasm encoder's number format.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, type Conv2dParams, type HostView } from '../../src/index.js';
import { CpuBackend } from '../../src/tensor/backends/cpu.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { gemmMacroFunction } from '../../src/tensor/backends/cpu/wasm-gemm.js';
import { encodeModule, sleb, uleb } from '../../src/tensor/backends/cpu/wasm-encoder.js';
import { wasm as wasmApi } from '../../src/tensor/backends/cpu/wasm-api.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';
import { GemmRuntime } from '../../src/tensor/backends/cpu/runtime.js';
import { WorkerPool } from '../../src/tensor/backends/cpu/pool.js';
import { kernelModule, relaxedSimdSupported } from '../../src/tensor/backends/cpu/kernels.js';
import { MAX_PAGES } from '../../src/tensor/backends/cpu/heap.js';
import { weightGradGroups } from '../../src/tensor/backends/cpu/conv.js';

const reference = new ReferenceBackend();
const wasm = wasmApi as typeof wasmApi & { validate(bytes: Uint8Array): boolean };
// parallelThreshold 0: every float32 GEMM goes through the worker pool.
const one = new CpuBackend({ threads: 1 });
const two = new CpuBackend({ threads: 2, parallelThreshold: 0 });
const three = new CpuBackend({ threads: 3, parallelThreshold: 0 });
afterAll(() => [one, two, three].forEach((b) => b.dispose()));

function rand(shape: number[], rng: Rng): HostView {
  const size = shape.reduce((a, b) => a * b, 1);
  return viewOf(
    Float32Array.from({ length: size }, () => rng.uniform(-1, 1)),
    shape,
  );
}

const bits = (v: HostView) => new Uint32Array(Float32Array.from(copyToArray(v)).buffer);

/** Every heavy kernel on one set of inputs, as raw bits. */
function heavyKernels(b: CpuBackend, seed: number): Uint32Array[] {
  const rng = new Rng(seed);
  const p: Conv2dParams = { stride: [1, 1], padding: [1, 1] };
  const x = rand([3, 8, 12, 12], rng);
  const w = rand([12, 8, 3, 3], rng);
  const bias = rand([12], rng);
  const gy = rand([3, 12, 12, 12], rng);
  const p2: Conv2dParams = { stride: [2, 2], padding: [0, 1] };
  const gy2 = rand([3, 12, 5, 6], rng);
  // 2·48·48 = 4608 columns: more than 2 chunks of NC = 2048 columns, handed out dynamically
  const wide = rand([2, 4, 48, 48], rng);
  return [
    b.conv2d(wide, rand([8, 4, 3, 3], rng), null, p),
    b.matmul(rand([37, 600], rng), rand([600, 45], rng)),
    b.matmul(rand([4, 20, 300], rng), rand([300, 24], rng)),
    b.conv2d(x, w, bias, p),
    b.conv2dBackwardInput(gy, w, x.shape, p),
    b.conv2dBackwardWeight(x, gy, w.shape, p),
    b.conv2dBackwardInput(gy2, w, x.shape, p2),
    b.conv2dBackwardWeight(x, gy2, w.shape, p2),
    // 8 images of 32×32 pixels: the weight gradient's sum cut into 4 groups of images (weightGradGroups)
    b.conv2dBackwardWeight(grouped.x, grouped.gy, grouped.wShape, p),
  ].map(bits);
}

const grouped = (() => {
  const rng = new Rng(17);
  return { x: rand([8, 3, 32, 32], rng), gy: rand([8, 5, 32, 32], rng), wShape: [5, 3, 3, 3] };
})();

describe('cpu backend: the weight gradient summed in groups of images', () => {
  it('cuts the batch into 4 groups where each sums over 2,048 pixels or more, and agrees with the reference', () => {
    const g = { n: 8, c: 3, h: 32, w: 32, o: 5, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, oh: 32, ow: 32 };
    expect(weightGradGroups(g)).toBe(4);
    expect(weightGradGroups({ ...g, n: 6 })).toBe(1);
    expect(weightGradGroups({ ...g, oh: 8, ow: 8 })).toBe(1);
    const p: Conv2dParams = { stride: [1, 1], padding: [1, 1] };
    const mine = copyToArray(two.conv2dBackwardWeight(grouped.x, grouped.gy, grouped.wShape, p));
    const ref = copyToArray(reference.conv2dBackwardWeight(grouped.x, grouped.gy, grouped.wShape, p));
    mine.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-4 * (1 + Math.abs(ref[i]!))));
  });
});

describe('cpu backend: fused multiply-add', () => {
  const variants = relaxedSimdSupported() ? [false, true] : [false];
  it.each(variants)('fma %s: bit-identical run to run and with 1, 2 and 3 threads', (fma) => {
    const backends = [1, 2, 3].map((threads) => new CpuBackend({ threads, parallelThreshold: 0, fma }));
    try {
      expect(backends.every((b) => b.fma === fma)).toBe(true);
      const first = heavyKernels(backends[0]!, 5);
      expect(heavyKernels(backends[0]!, 5)).toEqual(first);
      expect(heavyKernels(backends[1]!, 5)).toEqual(first);
      expect(heavyKernels(backends[2]!, 5)).toEqual(first);
    } finally {
      backends.forEach((b) => b.dispose());
    }
  });

  it('is the default where the engine has relaxed SIMD, and LPL_NO_FMA turns it off', () => {
    const b = new CpuBackend({ threads: 1 });
    expect(b.fma).toBe(relaxedSimdSupported());
    process.env.LPL_NO_FMA = '1';
    try {
      expect(new CpuBackend({ threads: 1 }).fma).toBe(false);
    } finally {
      delete process.env.LPL_NO_FMA;
    }
  });

  it.skipIf(relaxedSimdSupported())(
    'fma: true without relaxed SIMD is an error that names the Node flag',
    () => {
      expect(() => new CpuBackend({ fma: true })).toThrow(/--experimental-wasm-relaxed-simd/);
    },
  );
});

describe('cpu backend determinism', () => {
  it('gives bit-identical results run to run', () => {
    expect(heavyKernels(two, 1)).toEqual(heavyKernels(two, 1));
  });

  it('gives bit-identical results with 1, 2 and 3 threads', () => {
    const single = heavyKernels(one, 2);
    expect(heavyKernels(two, 2)).toEqual(single);
    expect(heavyKernels(three, 2)).toEqual(single);
  });

  it('matches the reference within float32 rounding on a large threaded matmul', () => {
    const rng = new Rng(3);
    const a = rand([96, 1500], rng);
    const b = rand([1500, 80], rng);
    const got = copyToArray(two.matmul(a, b));
    const want = copyToArray(reference.matmul(a, b));
    // each |entry| ≤ Σ|a||b| ≤ 1500; the float32 error bound is (K+2)·2⁻²⁴·Σ|a||b| < 0.14
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i]! - want[i]!));
    expect(worst).toBeGreaterThan(0); // float32 accumulation really happened
    expect(worst).toBeLessThan(1e-3);
  });
});

describe('cpu backend elementwise kernels', () => {
  it('are bit-identical to the reference, including broadcasts and strided views', () => {
    const rng = new Rng(4);
    const x = rand([4, 6, 5], rng);
    const t = x.transpose(2, 0, 1) as HostView;
    const channel = rand([6, 1], rng);
    for (const op of ['neg', 'exp', 'relu', 'square', 'sign', 'step', 'abs'] as const) {
      expect(bits(two.unary(op, t))).toEqual(bits(reference.unary(op, t)));
    }
    for (const op of ['add', 'sub', 'mul', 'div', 'eq'] as const) {
      expect(bits(two.binary(op, x, channel))).toEqual(bits(reference.binary(op, x, channel)));
      expect(bits(two.binary(op, t, t))).toEqual(bits(reference.binary(op, t, t)));
    }
    for (const axes of [[0], [1], [2], [0, 2], [0, 1, 2]]) {
      expect(bits(two.reduce('sum', t, axes))).toEqual(bits(reference.reduce('sum', t, axes)));
      expect(bits(two.reduce('max', x, axes))).toEqual(bits(reference.reduce('max', x, axes)));
    }
  });

  it('relu, step and reluBackward (branch-free) match the reference on ±0, ±∞, NaN and subnormals', () => {
    const special = [1, -1, 0, -0, NaN, -NaN, Infinity, -Infinity, 1e-40, -1e-40, 3.5, -2.25];
    const grads = [2, -3, Infinity, -0, 1, NaN, -Infinity, 5, -0, 0, -1e-40, 7];
    for (const make of [Float32Array, Float64Array]) {
      const x = viewOf(make.from(special), [3, 4]);
      const g = viewOf(make.from(grads), [3, 4]);
      // exact values, +0 and −0 told apart (Object.is), in both precisions
      for (const op of ['relu', 'step'] as const) {
        expect(Array.from(two.unary(op, x).data)).toEqual(Array.from(reference.unary(op, x).data));
      }
      expect(Array.from(two.reluBackward(g, x).data)).toEqual(Array.from(reference.reluBackward(g, x).data));
      // a transposed operand takes the strided path
      const xt = x.transpose(1, 0) as HostView;
      expect(Array.from(two.unary('relu', xt).data)).toEqual(Array.from(reference.unary('relu', xt).data));
    }
    expect(Object.is(two.unary('relu', viewOf(Float32Array.from([-0]), [1])).data[0], 0)).toBe(true);
  });

  it('2×2 pooling is bit-identical to the reference, ties and NaN included', () => {
    const data = Float32Array.from([1, 1, 0, 2, NaN, 3, 2, 2, -0, -0, 5, 5, -0, -0, 5, NaN]);
    const x = viewOf(data, [1, 1, 4, 4]);
    const p = { kernel: [2, 2] as const, stride: [2, 2] as const };
    const mine = two.maxPool2d(x, p);
    const ref = reference.maxPool2d(x, p);
    expect(bits(mine.out)).toEqual(bits(ref.out));
    expect(mine.argmax).toEqual(ref.argmax);
    expect(bits(two.avgPool2d(x, p))).toEqual(bits(reference.avgPool2d(x, p)));
    const gy = viewOf(Float32Array.from([-0, 1, 2, 3]), [1, 1, 2, 2]);
    expect(bits(two.avgPool2dBackward(gy, x.shape, p))).toEqual(
      bits(reference.avgPool2dBackward(gy, x.shape, p)),
    );
  });
});

describe('cpu backend edge cases', () => {
  it('returns zeros for empty inner sizes and empty results', () => {
    const rng = new Rng(5);
    expect(Array.from(copyToArray(two.matmul(rand([3, 0], rng), rand([0, 2], rng))))).toEqual([
      0, 0, 0, 0, 0, 0,
    ]);
    expect(two.matmul(rand([0, 4], rng), rand([4, 2], rng)).shape).toEqual([0, 2]);
    const x = rand([2, 0, 3, 3], rng);
    const w = rand([2, 0, 3, 3], rng);
    const bias = viewOf(Float32Array.from([1.5, -2]), [2]);
    const y = two.conv2d(x, w, bias, { stride: [1, 1], padding: [1, 1] });
    expect(Array.from(copyToArray(y))).toEqual(
      Array.from(copyToArray(reference.conv2d(x, w, bias, { stride: [1, 1], padding: [1, 1] }))),
    );
  });

  it('computes float64 in float64', () => {
    const a = viewOf(Float64Array.from([0.1, 0.2, 0.3]), [1, 3]);
    const b = viewOf(Float64Array.from([1, 1, 1]), [3, 1]);
    const y = two.matmul(a, b);
    expect(y.data).toBeInstanceOf(Float64Array);
    expect(y.data[0]).toBe(0.1 + 0.2 + 0.3); // 0.6000000000000001; float32 sums give 0.6000000238…
  });
});

describe('cpu backend worker pool', () => {
  it('restarts its workers after dispose()', () => {
    const b = new CpuBackend({ threads: 2, parallelThreshold: 0 });
    const rng = new Rng(6);
    const x = rand([20, 30], rng);
    const y = rand([30, 10], rng);
    const first = bits(b.matmul(x, y));
    b.dispose();
    expect(bits(b.matmul(x, y))).toEqual(first);
    b.dispose();
  });

  it('starts its workers without blocking (startThreads, as a browser needs), then runs threaded jobs as before', async () => {
    const b = new CpuBackend({ threads: 3, parallelThreshold: 0 });
    const rng = new Rng(7);
    const x = rand([20, 30], rng);
    const y = rand([30, 10], rng);
    await b.startThreads();
    await b.startThreads(); // a second call finds them running
    const threaded = bits(b.matmul(x, y));
    b.dispose();
    expect(threaded).toEqual(bits(new CpuBackend({ threads: 1 }).matmul(x, y)));
    await new CpuBackend({ threads: 1 }).startThreads(); // nothing to start
  });

  it("reports a worker's failure as an error of the call, and keeps working", () => {
    const rt = new GemmRuntime({ threads: 2, parallelThreshold: 0 });
    const heap = rt.heap32;
    heap.reset();
    const a = heap.alloc(4);
    const c = heap.alloc(4 * 16);
    const plan = rt.plan('float32', 1);
    // B's column j is read at j·colStride: columns 8..15 lie beyond the end of the memory, where wasm traps.
    const colStride = Math.floor(heap.data.length / 7.5); // after the last allocation: the memory may have grown
    const job = {
      m: 4,
      n: 16,
      k: 1,
      a: { kind: 'strided' as const, base: a, rows: 4, cols: 1, rowStride: 1, colStride: 1 },
      b: { kind: 'strided' as const, base: 0, rows: 1, cols: 16, rowStride: 1, colStride },
      c,
      ldc: 16,
      cBatchStride: 0,
      groupCols: 0,
      groupStride: 0,
      batch: 1,
      aOffsets: -1,
      bOffsets: -1,
      splitRows: false,
      ...plan,
    };
    // The main thread takes no chunk here, so the worker runs (and fails on) both halves.
    const pool = new WorkerPool(2, heap.memory, kernelModule(MAX_PAGES));
    expect(() => pool.run(job, () => {})).toThrow(/worker 1: RuntimeError: memory access out of bounds/);
    pool.run({ ...job, b: { ...job.b, colStride: 1 } }, () => {});
    pool.dispose();
    // Through the runtime, whichever thread meets the bad columns, the call throws.
    expect(() => rt.run(job, 'float32')).toThrow(/memory access out of bounds/);
    rt.dispose();
  });

  it('lets a process exit on its own after running threaded kernels', () => {
    const root = fileURLToPath(new URL('../../', import.meta.url));
    const dir = mkdtempSync(join(tmpdir(), 'cpu-exit-'));
    const script = join(dir, 'exit.mts');
    const cpu = new URL('../../src/tensor/backends/cpu.ts', import.meta.url).href;
    const view = new URL('../../src/tensor/view.ts', import.meta.url).href;
    writeFileSync(
      script,
      `import { CpuBackend } from ${JSON.stringify(cpu)};
import { viewOf } from ${JSON.stringify(view)};
const b = new CpuBackend({ threads: 2, parallelThreshold: 0 });
const a = viewOf(new Float32Array(64 * 64).fill(1), [64, 64]);
console.log('sum', b.matmul(a, a).data[0]);
`,
    );
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', script], {
        cwd: root,
        timeout: 60_000,
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe('sum 64');
      expect(run.status).toBe(0); // null would mean it was killed at the timeout
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('wasm encoder', () => {
  it('writes LEB128 numbers', () => {
    expect(uleb(0)).toEqual([0]);
    expect(uleb(127)).toEqual([127]);
    expect(uleb(128)).toEqual([0x80, 0x01]);
    expect(uleb(624485)).toEqual([0xe5, 0x8e, 0x26]);
    expect(sleb(-1)).toEqual([0x7f]);
    expect(sleb(63)).toEqual([63]);
    expect(sleb(64)).toEqual([0xc0, 0x00]);
    expect(sleb(-123456)).toEqual([0xc0, 0xbb, 0x78]);
  });

  it('emits kernels that compute C (+)= A·B over packed panels for several tile shapes', () => {
    const rng = new Rng(7);
    const fma = relaxedSimdSupported() ? [false, true] : [false];
    for (const tile of fma.flatMap((f) => [
      { mr: 4, nr: 8, unroll: 1, fma: f },
      { mr: 3, nr: 12, unroll: 4, fma: f },
      { mr: 6, nr: 4, unroll: 2, fma: f },
    ])) {
      const bytes = encodeModule([gemmMacroFunction(tile)], { initial: 1, maximum: 16 });
      expect(wasm.validate(bytes)).toBe(true);
      const memory = new wasm.Memory({ initial: 1, maximum: 16, shared: true });
      const instance = new wasm.Instance(new wasm.Module(bytes), { env: { memory } });
      const gemm = instance.exports.gemm_macro as (...args: number[]) => void;
      // two A panels and three B panels, kc = 7 (not a multiple of the unrolling)
      const [mc, nc, kc] = [2 * tile.mr, 3 * tile.nr, 7];
      const heap = new Float32Array(memory.buffer);
      const [a, b, c] = [0, mc * kc, mc * kc + kc * nc];
      for (let i = 0; i < c + mc * nc; i++) heap[i] = rng.int(9) - 4; // small integers: exact sums
      const before = heap.slice(c, c + mc * nc);
      gemm(a * 4, b * 4, c * 4, mc, nc, kc, nc * 4, 1);
      for (let i = 0; i < mc; i++)
        for (let j = 0; j < nc; j++) {
          let s = before[i * nc + j]!;
          const [q, r, p, jj] = [Math.floor(i / tile.mr), i % tile.mr, Math.floor(j / tile.nr), j % tile.nr];
          for (let k = 0; k < kc; k++)
            s += heap[a + (q * kc + k) * tile.mr + r]! * heap[b + (p * kc + k) * tile.nr + jj]!;
          expect(heap[c + i * nc + j]).toBe(s);
        }
    }
  });
});
