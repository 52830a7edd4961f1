/**
 * The plain-TypeScript macro-kernel, twin of gemm_macro (wasm-gemm.ts) and
 * used for float64: for each MR×NR tile of C over packed panels
 * (A panel q: A[q·MR + r, k] at aAt + (q·kc + k)·MR + r;
 *  B panel p: B[k, p·NR + j] at bAt + (p·kc + k)·NR + j),
 *   C[i, j] (+)= Σ_{k<kc} A[i, k] · B[k, j]
 * summing k in increasing order from 0, as the SIMD kernel does per lane.
 */
import type { FloatArray } from '../../backend.js';
import { MR, NR } from './blocking.js';

export function macroKernel(
  packed: FloatArray,
  c: FloatArray,
  aAt: number,
  bAt: number,
  cAt: number,
  mc: number,
  nc: number,
  kc: number,
  ldc: number,
  accumulate: boolean,
): void {
  for (let j = 0; j < nc; j += NR) {
    const bPanel = bAt + j * kc; // panel j/NR starts after j/NR panels of kc·NR floats
    for (let i = 0; i < mc; i += MR) {
      const aPanel = aAt + i * kc;
      for (let r = 0; r < MR; r++) {
        const cRow = cAt + (i + r) * ldc + j;
        for (let jj = 0; jj < NR; jj++) {
          let s = 0;
          for (let k = 0; k < kc; k++) s += packed[aPanel + k * MR + r]! * packed[bPanel + k * NR + jj]!;
          c[cRow + jj] = accumulate ? c[cRow + jj]! + s : s;
        }
      }
    }
  }
}
