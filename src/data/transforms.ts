/**
 * The geometric transforms and normalisation, each a small pure function.
 *
 * - randomResizedCropBox: torchvision RandomResizedCrop.get_params, exactly,
 *   including its 10 tries and the centre-crop fallback.
 * - resizedCrop: cut the box out and resample it to the output size (bilinear).
 * - horizontalFlip, normalize, denormalize.
 *
 * Colour operations live in color.ts, the blur in blur.ts, and their
 * composition into the SimCLR pipeline in augment.ts.
 */
import type { Rng } from '../tensor/random.js';
import { emptyImage, emptyLike, type FloatImage } from './image.js';
import { resizeCrop, type CropBox } from './resize.js';

/** Python's round(): halves go to the even neighbour (round(2.5) = 2, round(3.5) = 4). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * The crop box of RandomResizedCrop for an H × W image (torchvision's algorithm):
 *
 *   up to 10 times:
 *     area   = H·W · U(scale)                       the crop's share of the image
 *     aspect = exp(U(log ratio))                    log-uniform width/height ratio
 *     w = round(√(area·aspect)),  h = round(√(area / aspect))
 *     if 0 < w ≤ W and 0 < h ≤ H: top ~ U{0..H−h}, left ~ U{0..W−w}, done
 *   otherwise the centre crop, with the aspect ratio clamped into `ratio`.
 */
export function randomResizedCropBox(
  rng: Rng,
  height: number,
  width: number,
  scale: readonly [number, number] = [0.08, 1],
  ratio: readonly [number, number] = [3 / 4, 4 / 3],
): CropBox {
  const area = height * width;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])] as const;
  for (let attempt = 0; attempt < 10; attempt++) {
    const targetArea = area * rng.uniform(scale[0], scale[1]);
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const w = roundHalfEven(Math.sqrt(targetArea * aspect));
    const h = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (w > 0 && w <= width && h > 0 && h <= height) {
      const top = rng.int(height - h + 1);
      const left = rng.int(width - w + 1);
      return { top, left, height: h, width: w };
    }
  }
  // Fallback: the central crop, as wide as the ratio range allows.
  const inRatio = width / height;
  let w = width;
  let h = height;
  if (inRatio < Math.min(...ratio)) {
    h = roundHalfEven(w / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    w = roundHalfEven(h * Math.max(...ratio));
  }
  return { top: Math.floor((height - h) / 2), left: Math.floor((width - w) / 2), height: h, width: w };
}

/** The central square crop of side min(H, W), used by the evaluation transform. */
export function centerSquareBox(height: number, width: number): CropBox {
  const side = Math.min(height, width);
  return { top: Math.floor((height - side) / 2), left: Math.floor((width - side) / 2), height: side, width: side };
}

/**
 * Crops `box` out of a planar image and resamples it to outH × outW (bilinear,
 * anti-aliased when shrinking; see resize.ts). The source may be uint8 pixels,
 * scaled by `valueScale` (1/255 gives [0, 1]) on the way. Writes into `out` when given.
 */
export function resizedCrop(
  src: ArrayLike<number>,
  channels: number,
  height: number,
  width: number,
  box: CropBox,
  outH: number,
  outW: number,
  valueScale = 1,
  out: FloatImage = emptyImage(channels, outH, outW),
): FloatImage {
  resizeCrop(src, channels, height, width, box, outH, outW, valueScale, out.data);
  return out;
}

/** Mirror left-right: out[c, y, x] = img[c, y, W − 1 − x]. `out` may be `img` itself. */
export function horizontalFlip(img: FloatImage, out: FloatImage = emptyLike(img)): FloatImage {
  const W = img.width;
  const src = img.data;
  const dst = out.data;
  for (let row = 0; row < img.channels * img.height; row++) {
    const base = row * W;
    // swap the pixel pairs (x, W − 1 − x); the middle pixel of an odd row stays
    for (let x = 0; x < W - 1 - x; x++) {
      const left = src[base + x]!;
      const right = src[base + W - 1 - x]!;
      dst[base + x] = right;
      dst[base + W - 1 - x] = left;
    }
    if (W % 2 === 1) dst[base + (W - 1) / 2] = src[base + (W - 1) / 2]!;
  }
  return out;
}

function checkStats(img: FloatImage, mean: readonly number[], std: readonly number[]): void {
  if (mean.length !== img.channels || std.length !== img.channels) {
    throw new RangeError(`normalize: ${img.channels} channels but mean/std have ${mean.length}/${std.length} entries`);
  }
  if (std.some((s) => !(s > 0))) throw new RangeError(`normalize: std must be positive, got [${std.join(', ')}]`);
}

/** Per channel: x' = (x − mean[c]) / std[c]. `out` may be `img` itself. */
export function normalize(
  img: FloatImage,
  mean: readonly number[],
  std: readonly number[],
  out: FloatImage = emptyLike(img),
): FloatImage {
  checkStats(img, mean, std);
  const plane = img.height * img.width;
  for (let c = 0; c < img.channels; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    for (let p = c * plane; p < (c + 1) * plane; p++) out.data[p] = (img.data[p]! - m) / s;
  }
  return out;
}

/** The inverse of normalize: x = x'·std[c] + mean[c]. */
export function denormalize(
  img: FloatImage,
  mean: readonly number[],
  std: readonly number[],
  out: FloatImage = emptyLike(img),
): FloatImage {
  checkStats(img, mean, std);
  const plane = img.height * img.width;
  for (let c = 0; c < img.channels; c++) {
    const m = mean[c]!;
    const s = std[c]!;
    for (let p = c * plane; p < (c + 1) * plane; p++) out.data[p] = img.data[p]! * s + m;
  }
  return out;
}
