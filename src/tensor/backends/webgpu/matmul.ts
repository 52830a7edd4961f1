/**
 * Batched matmul of the webgpu backend, and the tiled GEMM shader it shares
 * with the convolutions (conv.ts writes them as implicit GEMMs over it).
 *
 *   C[s][m, n] = Σ_k A[s][m, k] · B[s][k, n]        m < M, n < N, k < K
 *
 * matmul: a [..., M, K] @ b [..., K, N] -> [..., M, N], batch axes broadcast,
 * both operands read through their strides (transposed, sliced or broadcast
 * views need no copy). Equivalent to the reference's loop nest
 *   for t (batch) for m for n: out[t, m, n] = Σ_k a[t, m, k] · b[t, k, n]
 * accumulated in float32 instead of float64.
 *
 * The GEMM shader. A workgroup of 256 threads (16 × 16) computes one tile of
 * BM × BN outputs (BM = 16·TM, BN = 16·TN), each thread TM × TN of them in
 * registers (a vecTN per row), at rows ty + 16·i and columns tx + 16·j
 * (neighbouring threads write neighbouring columns: coalesced stores,
 * conflict-free shared reads).
 * K advances BK = 16 at a time: the workgroup stages A[BM × BK] and B[BK × BN]
 * in workgroup memory (8 KiB at TM = TN = 4), with neighbouring threads
 * loading along whichever axis of each operand is contiguous in memory
 * (`aKFast`, `bKFast`). Out-of-range elements load as 0, so any M, N, K work.
 * The kernel supplies the loads and the store as WGSL functions
 *   loadA(s, m, k), loadB(s, k, n), store(s, m, n, v), setup(s)
 * where s = workgroup z (+ a base) is the batch index, or with `split` the
 * index of a chunk of K (split-K: the chunks' partial sums are added after).
 *
 * Parameter words (binding 0, i32): [M, N, K, kChunk, tilesN, tiles, zBase, 0, kernel's own from 8...].
 */
import ndarray from 'ndarray';
import { broadcastShapes, formatShape, ShapeError } from '../../shape.js';
import { broadcastStrides } from '../../view.js';
import { collapse, type GpuView } from './elementwise.js';
import type { WebGpuRuntime } from './runtime.js';

const BK = 16;
const MAX_GROUPS = 65535;

export interface GemmKernel {
  /** WGSL declarations of bindings 1.. */
  bindings: string;
  /** WGSL: fn loadA(s, m, k) -> f32, fn loadB(s, k, n) -> f32, fn store(s, m, n, v), any helpers. */
  functions: string;
  /** WGSL body of fn setup(s: i32), run once per thread before the K loop. */
  setup?: string;
  /** Rows per thread (1, 2 or 4) and columns per thread. */
  tm: number;
  tn: number;
  /** Whether A's elements adjacent in memory are adjacent along k (else along m); B's along k (else n). */
  aKFast: boolean;
  bKFast: boolean;
  /** s indexes chunks of K of length kChunk rather than a batch. */
  split?: boolean;
}

/** Registers per thread along a GEMM axis of `size`: fewer for small sizes, so that tiles are not mostly empty. */
export function perThread(size: number): number {
  return size >= 64 ? 4 : size >= 32 ? 2 : 1;
}

/** The shader of one GEMM kernel. */
export function gemmShader(g: GemmKernel): string {
  const { tm, tn } = g;
  const BM = 16 * tm;
  const BN = 16 * tn;
  // rows of the staged tiles are padded by one word, so that threads storing along k hit distinct banks
  const [SA, SB] = [BM + 1, BN + 1];
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  // row i of a thread's outputs: one f32 or vecTN (a vector FMA per row: the same arithmetic, far less shader code)
  const vec = tn === 1 ? 'f32' : `vec${tn}<f32>`;
  const cells = range(tm).flatMap((i) => range(tn).map((j) => [i, j] as const));
  // element e = t + 256·q of a tile staged k-major (row kk of `inner` values) in workgroup memory
  const stage = (
    tile: 'As' | 'Bs',
    count: number,
    kFast: boolean,
    inner: number,
    rowStride: number,
    load: string,
    inRange: string,
  ) =>
    range(count)
      .map((q) => {
        const e = `(t + ${256 * q})`;
        const [kk, xx] = kFast ? [`${e} % ${BK}`, `${e} / ${BK}`] : [`${e} / ${inner}`, `${e} % ${inner}`];
        return `{
      let kk = ${kk}; let xx = ${xx}; let k = k0 + kk;
      var v = 0.0;
      if (${inRange}) { v = ${load}; }
      ${tile}[kk * ${rowStride} + xx] = v;
    }`;
      })
      .join('\n    ');
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<i32>;
${g.bindings}
var<workgroup> As: array<f32, ${BK * SA}>;
var<workgroup> Bs: array<f32, ${BK * SB}>;
${g.functions}
fn setup(s: i32) { ${g.setup ?? ''} }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let M = P[0]; let N = P[1];
  let tile = i32(wid.x + wid.y * nwg.x);
  if (tile >= P[5]) { return; }
  let s = i32(wid.z) + P[6];
  let m0 = (tile / P[4]) * ${BM};
  let n0 = (tile % P[4]) * ${BN};
  let kBegin = ${g.split ? 's * P[3]' : '0'};
  let kEnd = min(P[2], kBegin + P[3]);
  setup(s);
  let t = i32(lid);
  let tx = t % 16;
  let ty = t / 16;
  ${range(tm)
    .map((i) => `var c${i} = ${vec}();`)
    .join(' ')}
  for (var k0 = kBegin; k0 < kEnd; k0 += ${BK}) {
    ${stage('As', tm, g.aKFast, BM, SA, 'loadA(s, m0 + xx, k)', 'm0 + xx < M && k < kEnd')}
    ${stage('Bs', tn, g.bKFast, BN, SB, 'loadB(s, k, n0 + xx)', 'n0 + xx < N && k < kEnd')}
    workgroupBarrier();
    for (var kk = 0; kk < ${BK}; kk++) {
      let b = ${vec}(${range(tn)
        .map((j) => `Bs[kk * ${SB} + tx + ${16 * j}]`)
        .join(', ')});
      ${range(tm)
        .map((i) => `c${i} = fma(${vec}(As[kk * ${SA} + ty + ${16 * i}]), b, c${i});`)
        .join(' ')}
    }
    workgroupBarrier();
  }
  ${cells
    .map(
      ([i, j]) =>
        `if (m0 + ty + ${16 * i} < M && n0 + tx + ${16 * j} < N) { store(s, m0 + ty + ${16 * i}, n0 + tx + ${16 * j}, c${i}${tn === 1 ? '' : `[${j}]`}); }`,
    )
    .join('\n  ')}
}`;
}

/**
 * Dispatches a GEMM kernel over M × N outputs for s in [0, zCount), K in chunks
 * of kChunk (a multiple of 16 with `split`, else K). `extra` are the kernel's
 * parameter words from index 8.
 */
export function runGemm(
  rt: WebGpuRuntime,
  g: GemmKernel,
  dims: { M: number; N: number; K: number; kChunk?: number; zCount: number },
  extra: number[],
  buffers: GPUBuffer[],
): void {
  const { M, N, K, zCount } = dims;
  const tilesN = Math.ceil(N / (16 * g.tn));
  const tiles = Math.ceil(M / (16 * g.tm)) * tilesN;
  if (tiles === 0 || zCount === 0) return;
  const gx = Math.min(tiles, MAX_GROUPS);
  const gy = Math.ceil(tiles / gx);
  const code = gemmShader(g);
  for (let z0 = 0; z0 < zCount; z0 += MAX_GROUPS) {
    const params = Int32Array.from([M, N, K, dims.kChunk ?? K, tilesN, tiles, z0, 0, ...extra]);
    rt.dispatch(code, params, buffers, [gx, gy, Math.min(MAX_GROUPS, zCount - z0)]);
  }
}

/**
 * Loads read a and b through their strides; P[8..14) = aM, aK, bK, bN, a.offset, b.offset,
 * P[14] = r (collapsed batch rank), then batch shape[r], a's batch strides[r], b's[r].
 */
const MATMUL_FUNCTIONS = /* wgsl */ `
var<private> aBase: i32;
var<private> bBase: i32;
fn loadA(s: i32, m: i32, k: i32) -> f32 { return a[aBase + m * P[8] + k * P[9]]; }
fn loadB(s: i32, k: i32, n: i32) -> f32 { return b[bBase + k * P[10] + n * P[11]]; }
fn store(s: i32, m: i32, n: i32, v: f32) { y[(s * P[0] + m) * P[1] + n] = v; }`;

const MATMUL_SETUP = /* wgsl */ `
  let r = P[14];
  var rem = s;
  aBase = P[12];
  bBase = P[13];
  for (var d = r - 1; d >= 0; d--) {
    let size = P[15 + d];
    let i = rem % size;
    rem = rem / size;
    aBase += i * P[15 + r + d];
    bBase += i * P[15 + 2 * r + d];
  }`;

const MATMUL_BINDINGS = /* wgsl */ `
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;`;

/** [..., M, K] @ [..., K, N] -> [..., M, N] (batch axes broadcast), a and b read through their strides. */
export function matmul(rt: WebGpuRuntime, a: GpuView, b: GpuView): GpuView {
  if (a.shape.length < 2 || b.shape.length < 2) {
    throw new ShapeError(
      `matmul: operands need rank ≥ 2, got ${formatShape(a.shape)} and ${formatShape(b.shape)}`,
    );
  }
  const [M, K] = a.shape.slice(-2) as [number, number];
  const [K2, N] = b.shape.slice(-2) as [number, number];
  if (K !== K2)
    throw new ShapeError(`matmul: ${formatShape(a.shape)} @ ${formatShape(b.shape)}: inner sizes differ`);
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batch = broadcastShapes('matmul', batchA, batchB);
  const count = batch.reduce((p, d) => p * d, 1);
  const out = ndarray(rt.allocate(count * M * N), [...batch, M, N]);
  if (out.size === 0) return out;
  const c = collapse(batch, [
    { offset: a.offset, stride: broadcastStrides(batchA, a.stride.slice(0, -2), batch) },
    { offset: b.offset, stride: broadcastStrides(batchB, b.stride.slice(0, -2), batch) },
  ]);
  const [aM, aK] = a.stride.slice(-2) as [number, number];
  const [bK, bN] = b.stride.slice(-2) as [number, number];
  const kernel: GemmKernel = {
    bindings: MATMUL_BINDINGS,
    functions: MATMUL_FUNCTIONS,
    setup: MATMUL_SETUP,
    tm: perThread(M),
    tn: perThread(N),
    // load along m only where a is stored column-major (aM = 1), along k only where b is (bK = 1)
    aKFast: !(aM === 1 && aK !== 1),
    bKFast: bK === 1 && bN !== 1,
  };
  const extra = [
    aM,
    aK,
    bK,
    bN,
    a.offset,
    b.offset,
    c.shape.length,
    ...c.shape,
    ...c.strides[0]!,
    ...c.strides[1]!,
  ];
  runGemm(rt, kernel, { M, N, K, zCount: count }, extra, [a.data.buffer, b.data.buffer, out.data.buffer]);
  return out;
}
