/**
 * Convolution as GEMM. With x [N,C,H,W], w [O,C,KH,KW], y [N,O,OH,OW] and
 * P = OH·OW pixels an image:
 *   forward          Y[o, (n,p)]        = Σ_{(c,kh,kw)} W[o, (c,kh,kw)] · im2col[(c,kh,kw), (n,p)]
 *   weight gradient  dW[o, (c,kh,kw)]   = Σ_{(n,p)}     G[o, (n,p)]      · im2colᵀ[(n,p), (c,kh,kw)]
 *   input gradient   dX[c, (n,ih,iw)]   = Σ_{(o,kh,kw)} Wᵀ[c, (o,kh,kw)] · convT[(o,kh,kw), (n,ih,iw)]
 * where
 *   im2col[(c,kh,kw), (n,oh,ow)] = x[n, c, oh·sh − ph + kh, ow·sw − pw + kw]   (0 in the padding)
 *   G[o, (n,p)]                  = gy[n, o, p]
 *   convT[(o,kh,kw), (n,ih,iw)]  = gy[n, o, (ih + ph − kh)/sh, (iw + pw − kw)/sw]
 *                                  where both divisions are exact and in range, else 0
 * The input gradient is thus a gather (a transposed convolution), not a
 * col2im scatter: no two threads ever write the same element. None of these
 * matrices is built: sources.ts packs them from x and gy directly.
 */
import type { FloatArray } from '../../backend.js';
import { NR } from './blocking.js';

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

/**
 * B panels of convT from gy at `base` for a stride > 1 (where the divisions
 * above need not be exact, which a gather cannot express):
 *   dst[d + (p·kc + k)·NR + j] = convT[k0 + k, j0 + p·NR + j], 0 past the last column.
 */
export function packConvTransposeStrided(
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
  for (let p = 0; p < nc; p += NR) {
    for (let j = 0; j < NR; j++) {
      const col = j0 + p + j;
      let [n, ih, iw] = [0, 0, 0];
      const inMatrix = p + j < nc && col < columns;
      if (inMatrix) {
        n = Math.floor(col / (h * w));
        ih = Math.floor((col - n * h * w) / w);
        iw = col - n * h * w - ih * w;
      }
      let out = d + j;
      let o = Math.floor(k0 / (kh * kw));
      let y = Math.floor((k0 - o * kh * kw) / kw);
      let x = k0 - o * kh * kw - y * kw;
      for (let k = 0; k < kc; k++, out += NR) {
        const r = ih + ph - y; // = oh·sh when this tap reaches an output pixel
        const q = iw + pw - x;
        const hit =
          inMatrix && r >= 0 && q >= 0 && r % sh === 0 && q % sw === 0 && r / sh < oh && q / sw < ow;
        dst[out] = hit ? src[base + (n * g.o + o) * pixels + (r / sh) * ow + q / sw]! : 0;
        if (++x === kw) {
          x = 0;
          if (++y === kh) {
            y = 0;
            o++;
          }
        }
      }
    }
    d += kc * NR;
  }
}
