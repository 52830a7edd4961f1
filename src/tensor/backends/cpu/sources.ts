/**
 * Where the GEMM packers read a logical matrix X[row, col] from, and the
 * packers themselves. A source is a formula over a flat array, so a strided
 * view (a transpose, a slice) or an image seen as im2col columns is packed
 * straight into panels without an intermediate copy.
 *
 * Packed layouts (see gemm.ts):
 *   A panels: dst[(q·kc + k)·MR + r] = X[i0 + q·MR + r, k0 + k]   (MR-tall panels, k-major)
 *   B panels: dst[(p·kc + k)·NR + j] = X[k0 + k, j0 + p·NR + j]   (NR-wide panels, k-major)
 * with zeros past the last row (A) or column (B).
 */
import type { FloatArray } from '../../backend.js';
import { MR, NR } from './blocking.js';
import {
  packChannelsA,
  packConvTransposeB,
  packIm2colB,
  packIm2colTransposedB,
  type ConvGeometry,
} from './im2col.js';

export type MatrixSource =
  /** X[r, c] = src[base + r·rowStride + c·colStride]: any 2-D strided view. */
  | { kind: 'strided'; base: number; rows: number; cols: number; rowStride: number; colStride: number }
  /** Conv sources over an NCHW tensor at `base`; see im2col.ts for each formula. */
  | { kind: 'channels' | 'im2col' | 'im2colT' | 'convT'; base: number; g: ConvGeometry };

/** Packs rows [i0, i0+mc) × columns [k0, k0+kc) of X into MR-tall panels at dst[d..]. */
export function packSourceA(
  s: MatrixSource,
  src: FloatArray,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
  dst: FloatArray,
  d: number,
): void {
  if (s.kind === 'strided')
    packStridedA(s.base, s.rows, s.rowStride, s.colStride, src, i0, mc, k0, kc, dst, d);
  else if (s.kind === 'channels') packChannelsA(s.base, s.g, src, i0, mc, k0, kc, dst, d);
  else throw new Error(`gemm: source '${s.kind}' cannot be the left operand`);
}

/** Packs rows [k0, k0+kc) × columns [j0, j0+nc) of X into NR-wide panels at dst[d..]. */
export function packSourceB(
  s: MatrixSource,
  src: FloatArray,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: FloatArray,
  d: number,
): void {
  switch (s.kind) {
    case 'strided':
      return packStridedB(s.base, s.cols, s.rowStride, s.colStride, src, k0, kc, j0, nc, dst, d);
    case 'im2col':
      return packIm2colB(s.base, s.g, src, k0, kc, j0, nc, dst, d);
    case 'im2colT':
      return packIm2colTransposedB(s.base, s.g, src, k0, kc, j0, nc, dst, d);
    case 'convT':
      return packConvTransposeB(s.base, s.g, src, k0, kc, j0, nc, dst, d);
    default:
      throw new Error(`gemm: source '${s.kind}' cannot be the right operand`);
  }
}

/** A panels from X[r, c] = src[base + r·rs + c·cs]. */
function packStridedA(
  base: number,
  rows: number,
  rs: number,
  cs: number,
  src: FloatArray,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
  dst: FloatArray,
  d: number,
): void {
  for (let q = 0; q < mc; q += MR) {
    const full = q + MR <= mc && i0 + q + MR <= rows;
    if (full && Math.abs(rs) < Math.abs(cs)) {
      // Rows are closer together than columns (a transposed view): walk k outside, r inside.
      let p = base + (i0 + q) * rs + k0 * cs;
      for (let k = 0; k < kc; k++, p += cs, d += MR) {
        for (let r = 0; r < MR; r++) dst[d + r] = src[p + r * rs]!;
      }
      continue;
    }
    for (let r = 0; r < MR; r++) {
      const i = i0 + q + r;
      let o = d + r;
      if (q + r < mc && i < rows) {
        for (let k = 0, p = base + i * rs + k0 * cs; k < kc; k++, p += cs, o += MR) dst[o] = src[p]!;
      } else {
        for (let k = 0; k < kc; k++, o += MR) dst[o] = 0;
      }
    }
    d += kc * MR;
  }
}

/** B panels from X[r, c] = src[base + r·rs + c·cs]. */
function packStridedB(
  base: number,
  cols: number,
  rs: number,
  cs: number,
  src: FloatArray,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: FloatArray,
  d: number,
): void {
  for (let p = 0; p < nc; p += NR) {
    const full = p + NR <= nc && j0 + p + NR <= cols;
    if (full && cs === 1) {
      // Row-major B: each k-row of the panel is NR neighbouring floats.
      let s = base + k0 * rs + j0 + p;
      for (let k = 0; k < kc; k++, s += rs, d += NR) {
        for (let j = 0; j < NR; j++) dst[d + j] = src[s + j]!;
      }
      continue;
    }
    for (let j = 0; j < NR; j++) {
      const col = j0 + p + j;
      let o = d + j;
      if (p + j < nc && col < cols) {
        for (let k = 0, s = base + k0 * rs + col * cs; k < kc; k++, s += rs, o += NR) dst[o] = src[s]!;
      } else {
        for (let k = 0; k < kc; k++, o += NR) dst[o] = 0;
      }
    }
    d += kc * NR;
  }
}
