/**
 * Packed, cache-blocked GEMM (the BLIS loop order), shared by the main thread
 * and the worker threads:
 *
 *   C[i, j] = Σ_k A[i, k] · B[k, j]      A: M×K, B: K×N, C: M×N
 *
 * for jc over N in blocks of NC:            (B block lives in L3)
 *   for pc over K in equal blocks of at most KC:
 *     pack B[pc.., jc..] into NR-wide panels
 *     for ic over M in blocks of MC:       (A block lives in L2)
 *       pack A[ic.., pc..] into MR-tall panels
 *       macro-kernel: every MR×NR tile of C (+)= A panel · B panel  (B panel in L1)
 *
 * The first K block overwrites C, later ones add to it, so each C[i, j] is
 *   ((Σ_{k<kc} ...) + Σ_{kc≤k<2kc} ...) + ...
 * in a fixed order that depends on K only, not on how C is split over threads.
 *
 * The kernel only ever writes whole MR×NR tiles, so C's rows are padded to a
 * multiple of MR and its row length `ldc` to a multiple of NR (packers fill
 * rows/columns beyond M/N with zeros), unless M and N are such multiples
 * already. C[i, j] is at cBase + i·ldc + j; or, when `groupCols` > 0, the
 * columns come in groups of groupCols (a multiple of NR) stored groupStride
 * apart: C[i, j] at cBase + ⌊j/groupCols⌋·groupStride + i·ldc + j mod groupCols.
 * Conv results use groups to land directly in NCHW order (group = image).
 *
 * The macro-kernel and the packer are WebAssembly SIMD for float32 and their
 * plain-TypeScript twins for float64 (kernels.ts).
 */
import type { FloatArray } from '../../backend.js';
import { KC, MC, MR, NC, NR, roundUp } from './blocking.js';
import type { Kernels } from './kernels.js';
import { packSource, tableInts, type MatrixSource } from './sources.js';

/** Int32s of packing tables one thread needs (sources.ts). */
export const TABLES_PER_THREAD = tableInts(KC, MC, MR) + tableInts(KC, NC, NR);

/** One thread's share of one GEMM: rows [i0, i1) × columns [j0, j1) of C. */
export interface GemmBlock {
  k: number;
  a: MatrixSource;
  b: MatrixSource;
  /** C[i, j] is at c[cBase + i·ldc + j], or with column groups see `CLayout`. */
  cBase: number;
  ldc: number;
  groupCols: number;
  groupStride: number;
  i0: number;
  i1: number;
  j0: number;
  j1: number;
  /** Where this thread packs: SCRATCH_PER_THREAD floats from scratchBase, TABLES_PER_THREAD ints from tableBase. */
  scratchBase: number;
  tableBase: number;
}

/**
 * Computes the block with the loops described at the top of this file.
 * `data` holds the operands, C and the packed panels; `ints` the tables.
 * i0, j0 are multiples of MR, NR; i1 and j1 are padded up inside.
 */
export function gemmBlock(blk: GemmBlock, data: FloatArray, ints: Int32Array, kernels: Kernels): void {
  const aPack = blk.scratchBase;
  const bPack = blk.scratchBase + MC * KC;
  const aTables = blk.tableBase;
  const bTables = blk.tableBase + tableInts(KC, MC, MR);
  // K blocks of equal size (at most KC): K = 576 gives 2 × 288, not 384 + 192.
  const kcStep = Math.ceil(blk.k / Math.ceil(blk.k / KC));
  for (let jc = blk.j0; jc < blk.j1; jc += NC) {
    const nc = Math.min(NC, blk.j1 - jc);
    const ncPadded = roundUp(nc, NR);
    for (let pc = 0; pc < blk.k; pc += kcStep) {
      const kc = Math.min(kcStep, blk.k - pc);
      packSource(blk.b, 'B', NR, jc, nc, pc, kc, bPack, bTables, data, ints, kernels.pack);
      for (let ic = blk.i0; ic < blk.i1; ic += MC) {
        const mc = Math.min(MC, blk.i1 - ic);
        packSource(blk.a, 'A', MR, ic, mc, pc, kc, aPack, aTables, data, ints, kernels.pack);
        const cRow = blk.cBase + ic * blk.ldc;
        if (blk.groupCols === 0) {
          kernels.macro(aPack, bPack, cRow + jc, roundUp(mc, MR), ncPadded, kc, blk.ldc, pc > 0);
          continue;
        }
        // Columns come in groups stored groupStride apart: one macro call per group.
        for (let start = jc; start < jc + ncPadded;) {
          const group = Math.floor(start / blk.groupCols);
          const end = Math.min(jc + ncPadded, (group + 1) * blk.groupCols);
          const c = cRow + group * blk.groupStride + start - group * blk.groupCols;
          kernels.macro(
            aPack,
            bPack + (start - jc) * kc,
            c,
            roundUp(mc, MR),
            end - start,
            kc,
            blk.ldc,
            pc > 0,
          );
          start = end;
        }
      }
    }
  }
}
