/**
 * A GEMM job as the worker threads see it: a batch of C = A·B products over
 * the shared heap, how it is split over threads, and its encoding into the
 * Int32Array that the main thread hands to the workers.
 *
 * Split: C's column panels (NR wide) or row panels (MR tall) of every batch
 * item are numbered u = item·panels + panel and cut into chunks of
 * consecutive units; each thread takes the next chunk from a shared counter
 * until none is left, so a thread slowed by other processes takes fewer.
 * Chunks are one per thread, or NC columns when there are many more columns
 * (a B block is packed per NC columns anyway, so smaller chunks cost no
 * extra packing), and never more than one batch item. A split never cuts the k sum and each element of C is
 * computed whole by one thread, so the result does not depend on the number
 * of threads nor on which thread took which chunk.
 */
import { MR, NC, NR, SCRATCH_PER_THREAD } from './blocking.js';
import { gemmBlock, TABLES_PER_THREAD } from './gemm.js';
import type { Kernels } from './kernels.js';
import type { ConvGeometry } from './im2col.js';
import type { MatrixSource, OperandKind } from './sources.js';
import type { FloatArray } from '../../backend.js';

export interface GemmJob {
  m: number;
  n: number;
  k: number;
  a: MatrixSource;
  b: MatrixSource;
  /** Item t's C[i, j] is at c + t·cBatchStride + i·ldc + j (padded: see gemm.ts). */
  c: number;
  ldc: number;
  cBatchStride: number;
  /** Column groups of C (gemm.ts); 0 for none. */
  groupCols: number;
  groupStride: number;
  batch: number;
  /** Int32 heap indices of per-item offsets added to a.base and b.base (unused when batch = 1). */
  aOffsets: number;
  bOffsets: number;
  /** Split C by row panels instead of column panels. */
  splitRows: boolean;
  threads: number;
  /** Thread t packs at scratch + t·SCRATCH_PER_THREAD (floats) with tables at tables + t·TABLES_PER_THREAD (ints). */
  scratch: number;
  tables: number;
}

const KINDS: readonly OperandKind[] = ['strided', 'channels', 'im2col', 'im2colT', 'convT'];
const GEOMETRY = ['n', 'c', 'h', 'w', 'o', 'kh', 'kw', 'sh', 'sw', 'ph', 'pw', 'oh', 'ow'] as const;
const SOURCE_INTS = 2 + GEOMETRY.length;
/** Int32s that encodeJob writes. */
const HEADER_INTS = 15;
export const JOB_INTS = HEADER_INTS + 2 * SOURCE_INTS;

function encodeSource(s: MatrixSource, out: Int32Array, at: number): void {
  out[at] = KINDS.indexOf(s.kind);
  out[at + 1] = s.base;
  if (s.kind === 'strided') {
    out.set([s.rows, s.cols, s.rowStride, s.colStride], at + 2);
  } else {
    GEOMETRY.forEach((key, i) => (out[at + 2 + i] = s.g[key]));
  }
}

function decodeSource(ints: Int32Array, at: number): MatrixSource {
  const kind = KINDS[ints[at]!]!;
  const base = ints[at + 1]!;
  const field = (i: number) => ints[at + 2 + i]!;
  if (kind === 'strided') {
    return { kind, base, rows: field(0), cols: field(1), rowStride: field(2), colStride: field(3) };
  }
  const g = {} as Record<(typeof GEOMETRY)[number], number>;
  GEOMETRY.forEach((key, i) => (g[key] = field(i)));
  return { kind, base, g: g as ConvGeometry };
}

export function encodeJob(job: GemmJob, out: Int32Array, at: number): void {
  out.set(
    [
      job.m,
      job.n,
      job.k,
      job.c,
      job.ldc,
      job.cBatchStride,
      job.batch,
      job.aOffsets,
      job.bOffsets,
      job.splitRows ? 1 : 0,
      job.threads,
      job.scratch,
      job.groupCols,
      job.groupStride,
      job.tables,
    ],
    at,
  );
  encodeSource(job.a, out, at + HEADER_INTS);
  encodeSource(job.b, out, at + HEADER_INTS + SOURCE_INTS);
}

export function decodeJob(ints: Int32Array, at: number): GemmJob {
  const v = (i: number) => ints[at + i]!;
  return {
    m: v(0),
    n: v(1),
    k: v(2),
    c: v(3),
    ldc: v(4),
    cBatchStride: v(5),
    batch: v(6),
    aOffsets: v(7),
    bOffsets: v(8),
    splitRows: v(9) === 1,
    threads: v(10),
    scratch: v(11),
    groupCols: v(12),
    groupStride: v(13),
    tables: v(14),
    a: decodeSource(ints, at + HEADER_INTS),
    b: decodeSource(ints, at + HEADER_INTS + SOURCE_INTS),
  };
}

const withOffset = (s: MatrixSource, offset: number): MatrixSource =>
  offset === 0 ? s : { ...s, base: s.base + offset };

/**
 * Units (panels) in one chunk of the job's split: one per thread, at most NC
 * columns, and in a batch at most one item. A chunk inside one item packs only
 * that item's operands, which every item needs packed anyway, so a batch of a
 * few items is handed out item by item and a thread that finishes early takes
 * the next one instead of waiting.
 */
function chunkUnits(job: GemmJob, units: number): number {
  const even = Math.ceil(units / job.threads);
  const perItem = job.batch > 1 ? Math.min(even, units / job.batch) : even;
  return job.splitRows ? perItem : Math.min(perItem, NC / NR);
}

/**
 * Runs thread t's share of the job: the chunks that `nextChunk` hands it.
 * `data` holds operands, C and packing scratch, `ints` the batch offsets and
 * packing tables (float32: the shared wasm memory seen as both; float64:
 * ordinary arrays).
 */
export function runShare(
  job: GemmJob,
  t: number,
  data: FloatArray,
  ints: Int32Array,
  kernels: Kernels,
  nextChunk: () => number,
): void {
  const panels = job.splitRows ? Math.ceil(job.m / MR) : Math.ceil(job.n / NR);
  const units = job.batch * panels;
  const perChunk = chunkUnits(job, units);
  for (let chunk = nextChunk(); chunk * perChunk < units; chunk = nextChunk()) {
    const u1 = Math.min(units, (chunk + 1) * perChunk);
    for (let u = chunk * perChunk; u < u1;) {
      const item = Math.floor(u / panels);
      const first = u - item * panels;
      const last = Math.min(panels, first + (u1 - u)); // panels [first, last) of this item
      const rows = job.splitRows ? [first * MR, Math.min(last * MR, job.m)] : [0, job.m];
      const cols = job.splitRows ? [0, job.n] : [first * NR, Math.min(last * NR, job.n)];
      const batched = job.batch > 1;
      gemmBlock(
        {
          k: job.k,
          a: withOffset(job.a, batched ? ints[job.aOffsets + item]! : 0),
          b: withOffset(job.b, batched ? ints[job.bOffsets + item]! : 0),
          cBase: job.c + item * job.cBatchStride,
          ldc: job.ldc,
          groupCols: job.groupCols,
          groupStride: job.groupStride,
          i0: rows[0]!,
          i1: rows[1]!,
          j0: cols[0]!,
          j1: cols[1]!,
          scratchBase: job.scratch + t * SCRATCH_PER_THREAD,
          tableBase: job.tables + t * TABLES_PER_THREAD,
        },
        data,
        ints,
        kernels,
      );
      u += last - first;
    }
  }
}

/** A chunk counter for a job that one thread runs alone. */
export function countChunks(): () => number {
  let next = 0;
  return () => next++;
}
