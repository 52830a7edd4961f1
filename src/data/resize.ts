/**
 * Bilinear resampling of planar images, used by the random resized crop, the
 * evaluation transform and the image-folder reader.
 *
 * The filter is the "triangle" (bilinear) filter as PIL and torchvision
 * (antialias=True) apply it: output pixel i of an axis has its centre at input
 * coordinate
 *
 *   center_i = start + (i + 0.5) · scale,      scale = inLength / outLength
 *
 * and reads the input pixels j whose centres lie within `support` of it, with
 * weight  w_ij ∝ max(0, 1 − |j + 0.5 − center_i| / s),  s = max(scale, 1),
 * normalised to sum to 1. When enlarging (scale ≤ 1) that is exactly ordinary
 * bilinear interpolation with half-pixel centres and clamped edges
 * (F.interpolate(align_corners=False)); when shrinking the triangle widens, so
 * every input pixel contributes (anti-aliasing). Resizing to the same size
 * gives weights 1 and 0: the identity, exactly.
 *
 * The 2-D resize is separable: rows first into a temporary [C, h, outW], then
 * columns into [C, outH, outW].
 */
import type { ImageDataset } from './dataset.js';
import { Float64Scratch, Int32Scratch } from './scratch.js';

/** A rectangle of an image, in whole pixels. */
export interface CropBox {
  top: number;
  left: number;
  height: number;
  width: number;
}

/** The taps of a 1-D resampling: output i = Σ_k weights[i·maxTaps + k] · input[first[i] + k]. */
interface Taps {
  first: Int32Array; // [outLength]
  count: Int32Array; // [outLength]
  weights: Float64Array; // [outLength · maxTaps]
  maxTaps: number;
}

/** Scratch memory for the taps of the two axes and the intermediate image (see scratch.ts). */
const scratch = {
  first: [new Int32Scratch(), new Int32Scratch()],
  count: [new Int32Scratch(), new Int32Scratch()],
  weights: [new Float64Scratch(), new Float64Scratch()],
  rowPass: new Float64Scratch(),
  columnSum: new Float64Scratch(),
};

/**
 * Triangle-filter taps reading input pixels start..start+inLength-1 into
 * outLength pixels. `axis` (0 or 1) picks the scratch slot.
 */
function triangleTaps(start: number, inLength: number, outLength: number, axis: 0 | 1): Taps {
  const scale = inLength / outLength;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's half-width, in input pixels
  const maxTaps = Math.ceil(2 * support) + 1;
  const first = scratch.first[axis]!.get(outLength);
  const count = scratch.count[axis]!.get(outLength);
  const weights = scratch.weights[axis]!.get(outLength * maxTaps);
  const end = start + inLength;
  for (let i = 0; i < outLength; i++) {
    const center = start + (i + 0.5) * scale;
    // the pixels j with a non-zero weight: |j + 0.5 − center| < support
    const lo = Math.max(Math.floor(center - 0.5 - support) + 1, start);
    const hi = Math.min(Math.ceil(center - 0.5 + support), end);
    let total = 0;
    for (let j = lo; j < hi; j++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - center) / filterScale)); // triangle
      weights[i * maxTaps + (j - lo)] = w;
      total += w;
    }
    for (let k = 0; k < hi - lo; k++) weights[i * maxTaps + k]! /= total;
    first[i] = lo;
    count[i] = hi - lo;
  }
  return { first, count, weights, maxTaps };
}

/**
 * Crops `box` out of the planar image `src` ([C, H, W]) and resizes it to
 * [C, outH, outW], multiplying values by `valueScale` (1/255 turns bytes into
 * [0, 1]). Writes into `out` when given.
 */
export function resizeCrop(
  src: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  box: CropBox,
  outH: number,
  outW: number,
  valueScale = 1,
  out: Float32Array = new Float32Array(channels * outH * outW),
): Float32Array {
  if (box.top < 0 || box.left < 0 || box.height < 1 || box.width < 1) {
    throw new RangeError(`resizeCrop: bad box ${JSON.stringify(box)}`);
  }
  if (box.top + box.height > height || box.left + box.width > width) {
    throw new RangeError(`resizeCrop: box ${JSON.stringify(box)} leaves the ${height}×${width} image`);
  }
  const cols = triangleTaps(box.left, box.width, outW, 0);
  const rows = triangleTaps(box.top, box.height, outH, 1);
  const boxH = box.height;
  // Pass 1, along rows: tmp[c, y − top, ox] = valueScale · Σ_k wx[ox, k] · src[c, y, firstX[ox] + k]
  const tmp = scratch.rowPass.get(channels * boxH * outW);
  const colFirst = cols.first;
  const colCount = cols.count;
  const colWeights = cols.weights;
  const colTaps = cols.maxTaps;
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < boxH; y++) {
      const srcRow = (c * height + box.top + y) * width;
      const tmpRow = (c * boxH + y) * outW;
      for (let ox = 0; ox < outW; ox++) {
        const start = srcRow + colFirst[ox]!;
        const taps = colCount[ox]!;
        const wBase = ox * colTaps;
        let sum = 0;
        for (let k = 0; k < taps; k++) sum += colWeights[wBase + k]! * src[start + k]!;
        tmp[tmpRow + ox] = sum * valueScale;
      }
    }
  }
  // Pass 2, along columns: out[c, oy, :] = Σ_k wy[oy, k] · tmp[c, firstY[oy] + k − top, :]
  const rowFirst = rows.first;
  const rowCount = rows.count;
  const rowWeights = rows.weights;
  const rowTaps = rows.maxTaps;
  const acc = scratch.columnSum.get(outW);
  for (let c = 0; c < channels; c++) {
    for (let oy = 0; oy < outH; oy++) {
      acc.fill(0);
      for (let k = 0; k < rowCount[oy]!; k++) {
        const w = rowWeights[oy * rowTaps + k]!;
        const tmpRow = (c * boxH + rowFirst[oy]! - box.top + k) * outW;
        for (let ox = 0; ox < outW; ox++) acc[ox] = acc[ox]! + w * tmp[tmpRow + ox]!;
      }
      out.set(acc, (c * outH + oy) * outW);
    }
  }
  return out;
}

/** Resizes a whole planar uint8 image [C, H, W] to [C, outH, outW] (rounded, clamped to 0..255). */
export function resizeUint8(
  src: Uint8Array,
  channels: number,
  height: number,
  width: number,
  outH: number,
  outW: number,
): Uint8Array {
  if (height === outH && width === outW) return src.slice();
  const box = { top: 0, left: 0, height, width };
  const resized = resizeCrop(src, channels, height, width, box, outH, outW);
  const out = new Uint8Array(resized.length);
  for (let i = 0; i < resized.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(resized[i]!)));
  return out;
}

/** A copy of the data set with every image resized to outH × outW (or the data set itself if it already is). */
export function resizeDataset(ds: ImageDataset, outH: number, outW = outH): ImageDataset {
  if (ds.height === outH && ds.width === outW) return ds;
  const inSize = ds.channels * ds.height * ds.width;
  const outSize = ds.channels * outH * outW;
  const images = new Uint8Array(ds.n * outSize);
  for (let i = 0; i < ds.n; i++) {
    const image = ds.images.subarray(i * inSize, (i + 1) * inSize);
    images.set(resizeUint8(image, ds.channels, ds.height, ds.width, outH, outW), i * outSize);
  }
  return { ...ds, images, height: outH, width: outW, source: `${ds.source} resized to ${outH}×${outW}` };
}
