/**
 * Packed, cache-blocked GEMM (the BLIS loop order), shared by the main thread
 * and the worker threads:
 *
 *   C[i, j] = Σ_k A[i, k] · B[k, j]      A: M×K, B: K×N, C: M×N
 *
 * for jc over N in blocks of NC:            (B block lives in L3)
 *   for pc over K in blocks of KC:
 *     pack B[pc.., jc..] into NR-wide panels
 *     for ic over M in blocks of MC:       (A block lives in L2)
 *       pack A[ic.., pc..] into MR-tall panels
 *       macro-kernel: every MR×NR tile of C (+)= A panel · B panel  (B panel in L1)
 *
 * The first K block overwrites C, later ones add to it, so each C[i, j] is
 *   ((Σ_{k<KC} ...) + Σ_{KC≤k<2KC} ...) + ...
 * in a fixed order that does not depend on how C is split over threads.
 *
 * The kernel only ever writes whole MR×NR tiles, so C's rows are padded to a
 * multiple of MR and its row length `ldc` to a multiple of NR (packers fill
 * rows/columns beyond M/N with zeros), unless M and N are such multiples
 * already. C[i, j] is at cBase + i·ldc + j; or, when `groupCols` > 0, the
 * columns come in groups of groupCols (a multiple of NR) stored groupStride
 * apart: C[i, j] at cBase + ⌊j/groupCols⌋·groupStride + i·ldc + j mod groupCols.
 * Conv results use groups to land directly in NCHW order (group = image).
 *
 * The macro-kernel is either the WebAssembly SIMD one (wasm-gemm.ts, float32)
 * or `macroKernel` below, its plain-TypeScript twin (float64, and fallback).
 */
import type { FloatArray } from '../../backend.js';
import { KC, MC, MR, NC, NR, roundUp } from './blocking.js';
import { packSourceA, packSourceB, type MatrixSource } from './sources.js';

/**
 * (+)= over tiles of packed panels; offsets index the arrays (float units), ldc too.
 * Same contract as gemm_macro in wasm-gemm.ts.
 */
export type MacroKernel = (
  aOffset: number,
  bOffset: number,
  cOffset: number,
  mc: number,
  nc: number,
  kc: number,
  ldc: number,
  accumulate: boolean,
) => void;

/**
 * The plain-TypeScript macro-kernel: for each MR×NR tile,
 *   C[i, j] (+)= Σ_{k<kc} Apacked[i, k] · Bpacked[k, j]
 * summing k in increasing order from 0, as the SIMD kernel does per lane.
 */
export function macroKernel(
  packed: FloatArray,
  c: FloatArray,
  aOffset: number,
  bOffset: number,
  cOffset: number,
  mc: number,
  nc: number,
  kc: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let j = 0; j < nc; j += NR) {
    const bPanel = bOffset + j * kc; // panel j/NR starts after j/NR panels of kc·NR floats
    for (let i = 0; i < mc; i += MR) {
      const aPanel = aOffset + i * kc;
      for (let r = 0; r < MR; r++) {
        const cRow = cOffset + (i + r) * ldc + j;
        for (let jj = 0; jj < NR; jj++) {
          let s = 0;
          for (let k = 0; k < kc; k++) s += packed[aPanel + k * MR + r]! * packed[bPanel + k * NR + jj]!;
          c[cRow + jj] = accumulate ? c[cRow + jj]! + s : s;
        }
      }
    }
  }
}

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
  /** Where this thread may pack: `scratch` floats from scratchBase on. */
  scratchBase: number;
}

/**
 * Computes the block with the loops described at the top of this file.
 * `src` holds both operands, `packed` the packing scratch, `c` the output.
 * i0, j0 are multiples of MR, NR; i1 and j1 are padded up inside.
 */
export function gemmBlock(blk: GemmBlock, src: FloatArray, packed: FloatArray, macro: MacroKernel): void {
  const aPack = blk.scratchBase;
  const bPack = blk.scratchBase + MC * KC;
  for (let jc = blk.j0; jc < blk.j1; jc += NC) {
    const nc = Math.min(NC, blk.j1 - jc);
    const ncPadded = roundUp(nc, NR);
    for (let pc = 0; pc < blk.k; pc += KC) {
      const kc = Math.min(KC, blk.k - pc);
      packSourceB(blk.b, src, pc, kc, jc, nc, packed, bPack);
      for (let ic = blk.i0; ic < blk.i1; ic += MC) {
        const mc = Math.min(MC, blk.i1 - ic);
        packSourceA(blk.a, src, ic, mc, pc, kc, packed, aPack);
        const cRow = blk.cBase + ic * blk.ldc;
        if (blk.groupCols === 0) {
          macro(aPack, bPack, cRow + jc, roundUp(mc, MR), ncPadded, kc, blk.ldc, pc > 0);
          continue;
        }
        // Columns come in groups stored groupStride apart: one macro call per group.
        for (let start = jc; start < jc + ncPadded;) {
          const group = Math.floor(start / blk.groupCols);
          const end = Math.min(jc + ncPadded, (group + 1) * blk.groupCols);
          const c = cRow + group * blk.groupStride + start - group * blk.groupCols;
          macro(aPack, bPack + (start - jc) * kc, c, roundUp(mc, MR), end - start, kc, blk.ldc, pc > 0);
          start = end;
        }
      }
    }
  }
}
