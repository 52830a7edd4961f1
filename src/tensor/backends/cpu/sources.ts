/**
 * The matrices a GEMM reads, and how each one is packed. A source is a
 * formula over the heap, so a strided view (a transpose, a slice) or an image
 * read as im2col columns is packed straight into panels, never copied first.
 *
 * Each source, as the left operand A (M×K) or the right operand B (K×N), is a
 * gather (gather.ts) given by two axes: "outer" over M (for A) or N (for B),
 * "inner" over K, and the bounds of its images. The one exception, the input
 * gradient of a strided convolution, has its own packer in im2col.ts.
 */
import type { FloatArray } from '../../backend.js';
import { fillAxis, fillPanels, recordInts, UNBOUNDED, type Axis } from './gather.js';
import { packConvTransposeStrided, type ConvGeometry } from './im2col.js';
import type { Packer } from './kernels.js';

export type MatrixSource =
  /** X[r, c] = src[base + r·rowStride + c·colStride]: any 2-D strided view. */
  | { kind: 'strided'; base: number; rows: number; cols: number; rowStride: number; colStride: number }
  /**
   * Conv sources over an NCHW tensor at `base` (see im2col.ts):
   *   channels  G[o, (n,p)] = gy[n, o, p]                               (A of the weight gradient)
   *   im2col    X[(c,kh,kw), (n,oh,ow)] = x[n, c, oh·sh−ph+kh, ow·sw−pw+kw]  (B of the forward)
   *   im2colT   its transpose                                           (B of the weight gradient)
   *   convT     X[(o,kh,kw), (n,ih,iw)] = gy[n, o, (ih+ph−kh)/sh, (iw+pw−kw)/sw]  (B of the input gradient)
   */
  | { kind: 'channels' | 'im2col' | 'im2colT' | 'convT'; base: number; g: ConvGeometry };

/** The kinds of matrix a GEMM reads (see README.md in this folder). */
export type OperandKind = MatrixSource['kind'];

export interface Gather {
  outer: Axis;
  inner: Axis;
  /** Length of the outer axis (M or N): positions past it read 0. */
  outerCount: number;
  height: number;
  width: number;
}

/** The gather of a source as operand A or B, or null when it needs its own packer. */
export function gatherOf(s: MatrixSource, operand: 'A' | 'B'): Gather | null {
  if (s.kind === 'strided') {
    const rows: Axis = { kind: 'linear', base: 0, step: s.rowStride };
    const cols: Axis = { kind: 'linear', base: 0, step: s.colStride };
    const [outer, inner, outerCount] = operand === 'A' ? [rows, cols, s.rows] : [cols, rows, s.cols];
    return { outer: { ...outer, base: s.base }, inner, outerCount, height: UNBOUNDED, width: UNBOUNDED };
  }
  const g = s.g;
  if (s.kind === 'channels') {
    // G[o, (n,p)] = src[base + o·P + n·O·P + p]: a row per channel, a "window" of one pixel per (n, p)
    const pixels = g.oh * g.ow;
    const image: Axis = {
      kind: 'window',
      base: 0,
      imageSize: g.o * pixels,
      gridH: 1,
      gridW: pixels,
      sy: 1,
      sx: 1,
      py: 0,
      px: 0,
      rowLength: 0,
    };
    return {
      outer: { kind: 'linear', base: s.base, step: pixels },
      inner: image,
      outerCount: g.o,
      height: UNBOUNDED,
      width: UNBOUNDED,
    };
  }
  if (s.kind === 'im2col' || s.kind === 'im2colT') {
    // output pixel (n, oh, ow) -> window corner in x; kernel tap (c, kh, kw) -> displacement in x
    const corner: Axis = {
      kind: 'window',
      base: s.base,
      imageSize: g.c * g.h * g.w,
      gridH: g.oh,
      gridW: g.ow,
      sy: g.sh,
      sx: g.sw,
      py: g.ph,
      px: g.pw,
      rowLength: g.w,
    };
    const tap: Axis = { kind: 'tap', kh: g.kh, kw: g.kw, planeSize: g.h * g.w, rowLength: g.w, sign: 1 };
    return s.kind === 'im2col'
      ? { outer: corner, inner: tap, outerCount: g.n * g.oh * g.ow, height: g.h, width: g.w }
      : { outer: tap, inner: corner, outerCount: g.c * g.kh * g.kw, height: g.h, width: g.w };
  }
  if (g.sh !== 1 || g.sw !== 1) return null;
  // stride 1: input pixel (n, ih, iw) -> (ih + ph, iw + pw) in gy; tap (o, kh, kw) -> displacement (−kh, −kw)
  const pixel: Axis = {
    kind: 'window',
    base: s.base,
    imageSize: g.o * g.oh * g.ow,
    gridH: g.h,
    gridW: g.w,
    sy: 1,
    sx: 1,
    py: -g.ph,
    px: -g.pw,
    rowLength: g.ow,
  };
  const tap: Axis = { kind: 'tap', kh: g.kh, kw: g.kw, planeSize: g.oh * g.ow, rowLength: g.ow, sign: -1 };
  return { outer: pixel, inner: tap, outerCount: g.n * g.h * g.w, height: g.oh, width: g.ow };
}

/** Int32s of table scratch `packSource` needs for up to kc inner and count outer positions. */
export const tableInts = (kc: number, count: number, w: number): number =>
  3 * kc + Math.ceil(count / w) * recordInts(w);

/**
 * Packs outer positions [first, first + count) × inner positions [k0, k0 + kc)
 * of the source into panels w wide at data[dAt..], using ints[tAt..] for the tables.
 */
export function packSource(
  s: MatrixSource,
  operand: 'A' | 'B',
  w: number,
  first: number,
  count: number,
  k0: number,
  kc: number,
  dAt: number,
  tAt: number,
  data: FloatArray,
  ints: Int32Array,
  pack: Packer,
): void {
  const gather = gatherOf(s, operand);
  if (!gather) {
    packConvTransposeStrided(s.base, (s as { g: ConvGeometry }).g, data, k0, kc, first, count, data, dAt);
    return;
  }
  const panels = Math.ceil(count / w);
  const jTab = tAt + 3 * kc;
  fillAxis(gather.inner, k0, kc, ints, tAt);
  fillPanels(gather.outer, gather.outerCount, first, count, w, ints, jTab);
  pack(w, dAt, tAt, kc, jTab, panels, gather.height, gather.width);
}
