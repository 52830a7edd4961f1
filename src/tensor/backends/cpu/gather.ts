/**
 * Packing as a gather. Every matrix the GEMM reads (a strided view, an image
 * read as im2col columns, its transpose, a transposed convolution) is
 *
 *   X(k, j) = inside(row_k + row_j, col_k + col_j) ? src[off_k + off_j] : 0
 *   inside(r, c) = 0 ≤ r < height and 0 ≤ c < width
 *
 * where k runs over the summed axis ("inner") and j over the rows of A or the
 * columns of B ("outer"), and each axis maps an index to a (row, col, off)
 * triple by a simple formula (`Axis`). E.g. for im2col, an output pixel
 * (n, oh, ow) is a window corner (oh·s − p, ow·s − p, its offset) and a
 * kernel tap (c, kh, kw) is a displacement (kh, kw, c·H·W + kh·W + kw).
 *
 * The triples go into small int tables (3 ints per k; one record per panel of
 * `w` outer indices), and one loop, `packPanels` below or its WebAssembly
 * twin (wasm-pack.ts), writes the panels:
 *   dst[(p·kc + k)·w + j] = X(k0 + k, j0 + p·w + j)
 */
import type { FloatArray } from '../../backend.js';

export type Axis =
  /** i → (0, 0, base + i·step): one axis of a strided matrix. */
  | { kind: 'linear'; base: number; step: number }
  /**
   * i = (n, y, x) over images × gridH × gridW → the window corner
   * (y·sy − py, x·sx − px, base + n·imageSize + row·rowLength + col).
   */
  | {
      kind: 'window';
      base: number;
      imageSize: number;
      gridH: number;
      gridW: number;
      sy: number;
      sx: number;
      py: number;
      px: number;
      rowLength: number;
    }
  /**
   * i = (c, ky, kx) over channels × kh × kw → the displacement
   * (sign·ky, sign·kx, c·planeSize + sign·(ky·rowLength + kx)).
   */
  | { kind: 'tap'; kh: number; kw: number; planeSize: number; rowLength: number; sign: 1 | -1 };

/** Row and column of positions past the end: no displacement brings them inside. */
export const OUTSIDE = -(1 << 29);
/** Bounds that every strided position is inside of. */
export const UNBOUNDED = 0x7fffffff;

/** Ints per panel record: rows[w], cols[w], offs[w], run, rowMin, rowMax, colMin, colMax (padded to 4). */
export const recordInts = (w: number): number => Math.ceil((3 * w + 5) / 4) * 4;

/** Writes (row, col, off) of positions first..first+count−1 to ints[at..] (3 ints each). */
export function fillAxis(axis: Axis, first: number, count: number, ints: Int32Array, at: number): void {
  if (axis.kind === 'linear') {
    for (let i = 0; i < count; i++, at += 3) {
      ints[at] = 0;
      ints[at + 1] = 0;
      ints[at + 2] = axis.base + (first + i) * axis.step;
    }
  } else if (axis.kind === 'window') {
    const { gridH, gridW } = axis;
    let n = Math.floor(first / (gridH * gridW));
    let y = Math.floor((first - n * gridH * gridW) / gridW);
    let x = first - n * gridH * gridW - y * gridW;
    for (let i = 0; i < count; i++, at += 3) {
      const row = y * axis.sy - axis.py;
      const col = x * axis.sx - axis.px;
      ints[at] = row;
      ints[at + 1] = col;
      ints[at + 2] = axis.base + n * axis.imageSize + row * axis.rowLength + col;
      if (++x === gridW) {
        x = 0;
        if (++y === gridH) {
          y = 0;
          n++;
        }
      }
    }
  } else {
    const { kh, kw, sign } = axis;
    let c = Math.floor(first / (kh * kw));
    let y = Math.floor((first - c * kh * kw) / kw);
    let x = first - c * kh * kw - y * kw;
    for (let i = 0; i < count; i++, at += 3) {
      ints[at] = sign * y;
      ints[at + 1] = sign * x;
      ints[at + 2] = c * axis.planeSize + sign * (y * axis.rowLength + x);
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

const triples = new Int32Array(3 * 16);

/**
 * Writes one record per panel of w outer positions, first..first+count−1
 * (positions ≥ total are outside the matrix and read as 0). `run` is 1 when
 * the w offsets are consecutive, so an all-inside row of the panel is one
 * contiguous load.
 */
export function fillPanels(
  axis: Axis,
  total: number,
  first: number,
  count: number,
  w: number,
  ints: Int32Array,
  at: number,
): void {
  const size = recordInts(w);
  for (let p = 0; p < count; p += w, at += size) {
    const valid = Math.max(0, Math.min(w, total - (first + p)));
    fillAxis(axis, first + p, valid, triples, 0);
    let run = valid === w ? 1 : 0;
    let [rowMin, rowMax, colMin, colMax] = [OUTSIDE, OUTSIDE, OUTSIDE, OUTSIDE];
    for (let j = 0; j < w; j++) {
      const [row, col, off] =
        j < valid ? [triples[3 * j]!, triples[3 * j + 1]!, triples[3 * j + 2]!] : [OUTSIDE, OUTSIDE, 0];
      ints[at + j] = row;
      ints[at + w + j] = col;
      ints[at + 2 * w + j] = off;
      if (j > 0 && off !== ints[at + 2 * w]! + j) run = 0;
      if (j === 0 || row < rowMin) rowMin = row;
      if (j === 0 || row > rowMax) rowMax = row;
      if (j === 0 || col < colMin) colMin = col;
      if (j === 0 || col > colMax) colMax = col;
    }
    ints.set([run, rowMin, rowMax, colMin, colMax], at + 3 * w);
  }
}

/**
 * The packing loop (the WebAssembly one in wasm-pack.ts does the same):
 * for each panel record at jTab, for each of the kc triples at kTab,
 *   dst[d++] = X(k, j) for the w positions j of the panel.
 * A row whose w elements are all inside skips the bounds tests.
 */
export function packPanels(
  data: FloatArray,
  d: number,
  ints: Int32Array,
  kTab: number,
  kc: number,
  jTab: number,
  panels: number,
  w: number,
  height: number,
  width: number,
): void {
  const size = recordInts(w);
  for (let p = 0, rec = jTab; p < panels; p++, rec += size) {
    const rowMin = ints[rec + 3 * w + 1]!;
    const rowMax = ints[rec + 3 * w + 2]!;
    const colMin = ints[rec + 3 * w + 3]!;
    const colMax = ints[rec + 3 * w + 4]!;
    for (let k = 0, t = kTab; k < kc; k++, t += 3, d += w) {
      const kRow = ints[t]!;
      const kCol = ints[t + 1]!;
      const kOff = ints[t + 2]!;
      // >>> 0 turns a negative into a huge number: one unsigned test checks 0 ≤ r < height
      const allInside =
        (kRow + rowMin) >>> 0 < height &&
        (kRow + rowMax) >>> 0 < height &&
        (kCol + colMin) >>> 0 < width &&
        (kCol + colMax) >>> 0 < width;
      for (let j = 0; j < w; j++) {
        const inside =
          allInside || ((kRow + ints[rec + j]!) >>> 0 < height && (kCol + ints[rec + w + j]!) >>> 0 < width);
        data[d + j] = inside ? data[kOff + ints[rec + 2 * w + j]!]! : 0;
      }
    }
  }
}
