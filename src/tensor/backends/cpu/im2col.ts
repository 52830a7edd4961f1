/**
 * Convolution as GEMM: packers that read an NCHW tensor as if it were the
 * im2col matrix (or its transpose), without building that matrix.
 *
 * With x [N,C,H,W], w [O,C,KH,KW], y [N,O,OH,OW], P = OH·OW pixels an image:
 *   forward          Y[o, (n,p)]        = Σ_{(c,kh,kw)} W[o, (c,kh,kw)] · im2col[(c,kh,kw), (n,p)]
 *   weight gradient  dW[o, (c,kh,kw)]   = Σ_{(n,p)}     G[o, (n,p)]      · im2colᵀ[(n,p), (c,kh,kw)]
 *   input gradient   dX[c, (n,ih,iw)]   = Σ_{(o,kh,kw)} Wᵀ[c, (o,kh,kw)] · convT[(o,kh,kw), (n,ih,iw)]
 * where
 *   im2col[(c,kh,kw), (n,oh,ow)] = x[n, c, oh·sh − ph + kh, ow·sw − pw + kw]   (0 in the padding)
 *   G[o, (n,p)]                  = gy[n, o, p]                                  ('channels')
 *   convT[(o,kh,kw), (n,ih,iw)]  = gy[n, o, (ih + ph − kh)/sh, (iw + pw − kw)/sw]
 *                                  where both divisions are exact and in range, else 0
 * The input gradient is thus a gather (a transposed convolution), not a
 * col2im scatter: no two threads ever write the same element.
 *
 * Panel layouts are those of sources.ts. Per-column index arithmetic is done
 * once per NR-wide panel; the inner loops only add offsets.
 */
import type { FloatArray } from '../../backend.js';
import { MR, NR } from './blocking.js';

export interface ConvGeometry {
  /** batch, input channels, input height, input width */
  n: number;
  c: number;
  h: number;
  w: number;
  /** output channels, kernel size, stride, padding, output size */
  o: number;
  kh: number;
  kw: number;
  sh: number;
  sw: number;
  ph: number;
  pw: number;
  oh: number;
  ow: number;
}

/** Marks a column outside the matrix: any row offset added to it stays out of range. */
const OUTSIDE = -(1 << 29);
// Per-panel column tables (one set per thread: each worker has its own module instance).
const colBase = new Int32Array(NR);
const rowStart = new Int32Array(NR);
const colStart = new Int32Array(NR);

/** B panels of im2col[(c,kh,kw), (n,oh,ow)] from x at `base` (forward). */
export function packIm2colB(
  base: number,
  g: ConvGeometry,
  src: FloatArray,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: FloatArray,
  d: number,
): void {
  const { h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const hw = h * w;
  const pixels = oh * ow;
  const columns = g.n * pixels;
  for (let p = 0; p < nc; p += NR) {
    // Column (n, oh, ow) reads x[n, c, ih0 + kh, iw0 + kw] with ih0 = oh·sh − ph, iw0 = ow·sw − pw.
    for (let j = 0; j < NR; j++) {
      const col = j0 + p + j;
      if (p + j >= nc || col >= columns) {
        rowStart[j] = OUTSIDE;
        colStart[j] = OUTSIDE;
        colBase[j] = 0;
        continue;
      }
      const n = Math.floor(col / pixels);
      const y = Math.floor((col - n * pixels) / ow);
      const x = col - n * pixels - y * ow;
      rowStart[j] = y * sh - ph;
      colStart[j] = x * sw - pw;
      colBase[j] = base + n * g.c * hw + rowStart[j]! * w + colStart[j]!;
    }
    // The NR columns are one run of neighbouring input pixels (same image row, stride 1)?
    const run =
      sw === 1 &&
      rowStart[0] === rowStart[NR - 1] &&
      colStart[NR - 1] === colStart[0]! + NR - 1 &&
      colBase[NR - 1] === colBase[0]! + NR - 1;
    const r0 = rowStart[0]!;
    const c0 = colStart[0]!;
    const b0 = colBase[0]!;
    let c = Math.floor(k0 / (kh * kw));
    let y = Math.floor((k0 - c * kh * kw) / kw);
    let x = k0 - c * kh * kw - y * kw;
    for (let k = 0; k < kc; k++, d += NR) {
      const offset = c * hw + y * w + x; // + colBase[j] = x[n, c, rowStart + y, colStart + x]
      if (run && (r0 + y) >>> 0 < h && c0 + x >= 0 && c0 + x + NR <= w) {
        for (let j = 0; j < NR; j++) dst[d + j] = src[b0 + offset + j]!;
      } else {
        for (let j = 0; j < NR; j++) {
          const inside = (rowStart[j]! + y) >>> 0 < h && (colStart[j]! + x) >>> 0 < w;
          dst[d + j] = inside ? src[colBase[j]! + offset]! : 0;
        }
      }
      if (++x === kw) {
        x = 0;
        if (++y === kh) {
          y = 0;
          c++;
        }
      }
    }
  }
}

/** B panels of im2colᵀ[(n,oh,ow), (c,kh,kw)] from x at `base` (weight gradient). */
export function packIm2colTransposedB(
  base: number,
  g: ConvGeometry,
  src: FloatArray,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: FloatArray,
  d: number,
): void {
  const { h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const hw = h * w;
  const columns = g.c * kh * kw;
  for (let p = 0; p < nc; p += NR) {
    let complete = true; // all NR columns inside the matrix
    // Column (c, kh, kw): offset c·H·W + kh·W + kw from the window's corner.
    for (let j = 0; j < NR; j++) {
      const col = j0 + p + j;
      if (p + j >= nc || col >= columns) {
        rowStart[j] = OUTSIDE;
        colStart[j] = 0;
        colBase[j] = 0;
        complete = false;
        continue;
      }
      const c = Math.floor(col / (kh * kw));
      rowStart[j] = Math.floor((col - c * kh * kw) / kw); // kh of this column
      colStart[j] = col - c * kh * kw - rowStart[j]! * kw; // kw of this column
      colBase[j] = c * hw + rowStart[j]! * w + colStart[j]!;
    }
    let n = Math.floor(k0 / (oh * ow));
    let y = Math.floor((k0 - n * oh * ow) / ow);
    let x = k0 - n * oh * ow - y * ow;
    for (let k = 0; k < kc; k++, d += NR) {
      // Row (n, oh, ow): the window's corner is x[n, :, top, left].
      const top = y * sh - ph;
      const left = x * sw - pw;
      const corner = base + n * g.c * hw + top * w + left;
      if (complete && top >= 0 && top + kh <= h && left >= 0 && left + kw <= w) {
        for (let j = 0; j < NR; j++) dst[d + j] = src[corner + colBase[j]!]!;
      } else {
        for (let j = 0; j < NR; j++) {
          const inside = (top + rowStart[j]!) >>> 0 < h && (left + colStart[j]!) >>> 0 < w;
          dst[d + j] = inside ? src[corner + colBase[j]!]! : 0;
        }
      }
      if (++x === ow) {
        x = 0;
        if (++y === oh) {
          y = 0;
          n++;
        }
      }
    }
  }
}

/** B panels of convT[(o,kh,kw), (n,ih,iw)] from gy [N,O,OH,OW] at `base` (input gradient). */
export function packConvTransposeB(
  base: number,
  g: ConvGeometry,
  src: FloatArray,
  k0: number,
  kc: number,
  j0: number,
  nc: number,
  dst: FloatArray,
  d: number,
): void {
  const { h, w, kh, kw, sh, sw, ph, pw, oh, ow } = g;
  const pixels = oh * ow;
  const columns = g.n * h * w;
  const unitStride = sh === 1 && sw === 1;
  for (let p = 0; p < nc; p += NR) {
    // Column (n, ih, iw) reads gy[n, o, (ih + ph − kh)/sh, (iw + pw − kw)/sw].
    for (let j = 0; j < NR; j++) {
      const col = j0 + p + j;
      if (p + j >= nc || col >= columns) {
        rowStart[j] = OUTSIDE;
        colStart[j] = OUTSIDE;
        colBase[j] = 0;
        continue;
      }
      const n = Math.floor(col / (h * w));
      const y = Math.floor((col - n * h * w) / w);
      rowStart[j] = y + ph;
      colStart[j] = col - n * h * w - y * w + pw;
      colBase[j] = base + n * g.o * pixels;
    }
    const run =
      unitStride &&
      rowStart[0] === rowStart[NR - 1] &&
      colStart[NR - 1] === colStart[0]! + NR - 1 &&
      colBase[0] === colBase[NR - 1];
    let o = Math.floor(k0 / (kh * kw));
    let y = Math.floor((k0 - o * kh * kw) / kw);
    let x = k0 - o * kh * kw - y * kw;
    for (let k = 0; k < kc; k++, d += NR) {
      const channel = o * pixels;
      if (unitStride) {
        // gy row = ih + ph − kh, gy column = iw + pw − kw
        const dy = rowStart[0]! - y;
        const dx = colStart[0]! - x;
        if (run && dy >>> 0 < oh && dx >= 0 && dx + NR <= ow) {
          const s = colBase[0]! + channel + dy * ow + dx;
          for (let j = 0; j < NR; j++) dst[d + j] = src[s + j]!;
        } else {
          for (let j = 0; j < NR; j++) {
            const r = rowStart[j]! - y;
            const q = colStart[j]! - x;
            dst[d + j] = r >>> 0 < oh && q >>> 0 < ow ? src[colBase[j]! + channel + r * ow + q]! : 0;
          }
        }
      } else {
        for (let j = 0; j < NR; j++) {
          const r = rowStart[j]! - y;
          const q = colStart[j]! - x;
          const hit = r >= 0 && q >= 0 && r % sh === 0 && q % sw === 0 && r / sh < oh && q / sw < ow;
          dst[d + j] = hit ? src[colBase[j]! + channel + (r / sh) * ow + q / sw]! : 0;
        }
      }
      if (++x === kw) {
        x = 0;
        if (++y === kh) {
          y = 0;
          o++;
        }
      }
    }
  }
}

/** A panels of G[o, (n,p)] = gy[n, o, p] from gy [N,O,OH,OW] at `base` (weight gradient). */
export function packChannelsA(
  base: number,
  g: ConvGeometry,
  src: FloatArray,
  i0: number,
  mc: number,
  k0: number,
  kc: number,
  dst: FloatArray,
  d: number,
): void {
  const pixels = g.oh * g.ow;
  const n0 = Math.floor(k0 / pixels);
  const p0 = k0 - n0 * pixels;
  const imageJump = (g.o - 1) * pixels; // from the end of one image's channel o to the next image's
  for (let q = 0; q < mc; q += MR) {
    for (let r = 0; r < MR; r++) {
      const row = i0 + q + r;
      let out = d + r;
      if (q + r >= mc || row >= g.o) {
        for (let k = 0; k < kc; k++, out += MR) dst[out] = 0;
        continue;
      }
      let s = base + (n0 * g.o + row) * pixels + p0;
      let p = p0;
      for (let k = 0; k < kc; k++, out += MR) {
        dst[out] = src[s++]!;
        if (++p === pixels) {
          p = 0;
          s += imageJump;
        }
      }
    }
    d += kc * MR;
  }
}
