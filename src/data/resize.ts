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

/** Triangle-filter taps reading input pixels start..start+inLength-1 into outLength pixels. */
function triangleTaps(start: number, inLength: number, outLength: number): Taps {
  const scale = inLength / outLength;
  const filterScale = Math.max(scale, 1);
  const support = filterScale; // the triangle's half-width, in input pixels
  const maxTaps = Math.ceil(support) * 2 + 1;
  const first = new Int32Array(outLength);
  const count = new Int32Array(outLength);
  const weights = new Float64Array(outLength * maxTaps);
  const end = start + inLength;
  for (let i = 0; i < outLength; i++) {
    const center = start + (i + 0.5) * scale;
    const lo = Math.max(Math.floor(center - support), start);
    const hi = Math.min(Math.ceil(center + support), end);
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
  const cols = triangleTaps(box.left, box.width, outW);
  const rows = triangleTaps(box.top, box.height, outH);
  // Pass 1, along rows: tmp[c, y - top, ox] = Σ_k wx[ox, k] · src[c, y, firstX[ox] + k] · valueScale
  const tmp = new Float64Array(channels * box.height * outW);
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < box.height; y++) {
      const srcRow = (c * height + box.top + y) * width;
      const tmpRow = (c * box.height + y) * outW;
      for (let ox = 0; ox < outW; ox++) {
        const x0 = cols.first[ox]!;
        const taps = cols.count[ox]!;
        const wBase = ox * cols.maxTaps;
        let sum = 0;
        for (let k = 0; k < taps; k++) sum += cols.weights[wBase + k]! * src[srcRow + x0 + k]!;
        tmp[tmpRow + ox] = sum * valueScale;
      }
    }
  }
  // Pass 2, along columns: out[c, oy, ox] = Σ_k wy[oy, k] · tmp[c, firstY[oy] + k - top, ox]
  for (let c = 0; c < channels; c++) {
    for (let oy = 0; oy < outH; oy++) {
      const y0 = rows.first[oy]! - box.top;
      const taps = rows.count[oy]!;
      const wBase = oy * rows.maxTaps;
      const outRow = (c * outH + oy) * outW;
      for (let ox = 0; ox < outW; ox++) {
        let sum = 0;
        for (let k = 0; k < taps; k++) sum += rows.weights[wBase + k]! * tmp[(c * box.height + y0 + k) * outW + ox]!;
        out[outRow + ox] = sum;
      }
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
