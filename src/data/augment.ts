/**
 * The SimCLR augmentation pipeline of LPL-SPEC.md ("Augmentations"), in order:
 *
 *   1. RandomResizedCrop(size, scale (0.08, 1), ratio (3/4, 4/3)), bilinear
 *   2. RandomHorizontalFlip(p = 0.5)
 *   3. RandomApply(ColorJitter(0.8, 0.8, 0.8, 0.2), p = 0.8)
 *   4. RandomGrayscale(p = 0.2)
 *   5. RandomApply(GaussianBlur(K ≈ 10% of the side, σ ~ U(0.1, 2)), p = 0.5)
 *   6. Normalize(mean, std)
 *
 * Random numbers are drawn from the given Rng in the order torchvision draws
 * them, so one Rng state fixes one view. The options are plain data so they
 * can be sent to worker threads.
 */
import type { Rng } from '../tensor/random.js';
import { gaussianBlur, blurKernelSize } from './blur.js';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation, toGrayscale } from './color.js';
import { emptyImage, emptyLike, type FloatImage } from './image.js';
import {
  centerSquareBox,
  horizontalFlip,
  normalize,
  randomResizedCropBox,
  resizedCrop,
  roundHalfEven,
} from './transforms.js';

export interface ColorJitterOptions {
  /** Brightness factor ~ U[max(0, 1 − b), 1 + b]. */
  brightness: number;
  /** Contrast factor ~ U[max(0, 1 − c), 1 + c]. */
  contrast: number;
  /** Saturation factor ~ U[max(0, 1 − s), 1 + s]. */
  saturation: number;
  /** Hue shift ~ U[−h, h] turns, h ≤ 0.5. */
  hue: number;
}

export interface AugmentOptions {
  /** Output side: every view is [C, size, size]. */
  size: number;
  cropScale: [number, number];
  cropRatio: [number, number];
  flipP: number;
  jitter: ColorJitterOptions;
  jitterP: number;
  grayscaleP: number;
  blurP: number;
  blurSigma: [number, number];
  /** Odd blur kernel size; default blurKernelSize(size). */
  blurKernel: number;
  /** Per-channel normalisation; one entry per channel. */
  mean: number[];
  std: number[];
}

/** The spec's SimCLR settings for images of side `size`, with the given normalisation. */
export function simclrAugmentOptions(
  size: number,
  stats: { mean: number[]; std: number[] },
  overrides: Partial<AugmentOptions> = {},
): AugmentOptions {
  return {
    size,
    cropScale: [0.08, 1],
    cropRatio: [3 / 4, 4 / 3],
    flipP: 0.5,
    jitter: { brightness: 0.8, contrast: 0.8, saturation: 0.8, hue: 0.2 },
    jitterP: 0.8,
    grayscaleP: 0.2,
    blurP: 0.5,
    blurSigma: [0.1, 2.0],
    blurKernel: blurKernelSize(size),
    mean: stats.mean,
    std: stats.std,
    ...overrides,
  };
}

/** `img` copied into `out` (nothing to do when they are the same image): the "not applied" branch. */
function unchanged(img: FloatImage, out: FloatImage): FloatImage {
  if (out !== img) out.data.set(img.data);
  return out;
}

/** RandomResizedCrop of a float image: a random box (see randomResizedCropBox) resampled to size × size. */
export function randomResizedCrop(
  img: FloatImage,
  rng: Rng,
  size: number,
  scale: [number, number] = [0.08, 1],
  ratio: [number, number] = [3 / 4, 4 / 3],
): FloatImage {
  const box = randomResizedCropBox(rng, img.height, img.width, scale, ratio);
  return resizedCrop(img.data, img.channels, img.height, img.width, box, size, size);
}

/** RandomHorizontalFlip: mirror with probability p. `out` may be `img`. */
export function randomHorizontalFlip(img: FloatImage, rng: Rng, p: number, out: FloatImage = emptyLike(img)): FloatImage {
  return rng.bernoulli(p) ? horizontalFlip(img, out) : unchanged(img, out);
}

/**
 * ColorJitter: a random order of the four operations and their four factors
 * (drawn as torchvision's get_params does: permutation, then b, c, s, h), then
 * the operations applied in that order. Saturation and hue skip 1-channel
 * images. `out` may be `img` itself.
 */
export function randomColorJitter(
  img: FloatImage,
  rng: Rng,
  jitter: ColorJitterOptions,
  out: FloatImage = emptyLike(img),
): FloatImage {
  const order = rng.permutation(4);
  const brightness = rng.uniform(Math.max(0, 1 - jitter.brightness), 1 + jitter.brightness);
  const contrast = rng.uniform(Math.max(0, 1 - jitter.contrast), 1 + jitter.contrast);
  const saturation = rng.uniform(Math.max(0, 1 - jitter.saturation), 1 + jitter.saturation);
  const hue = rng.uniform(-jitter.hue, jitter.hue);
  let current = img;
  for (const op of order) {
    if (op === 0) current = adjustBrightness(current, brightness, out);
    else if (op === 1) current = adjustContrast(current, contrast, out);
    else if (op === 2) current = adjustSaturation(current, saturation, out);
    else current = adjustHue(current, hue, out);
  }
  return unchanged(current, out);
}

/** RandomApply(ColorJitter, p): the jitter above with probability p. */
export function maybeColorJitter(
  img: FloatImage,
  rng: Rng,
  p: number,
  jitter: ColorJitterOptions,
  out: FloatImage = emptyLike(img),
): FloatImage {
  return rng.bernoulli(p) ? randomColorJitter(img, rng, jitter, out) : unchanged(img, out);
}

/** RandomGrayscale: luma replicated to every channel with probability p. */
export function randomGrayscale(img: FloatImage, rng: Rng, p: number, out: FloatImage = emptyLike(img)): FloatImage {
  return rng.bernoulli(p) ? toGrayscale(img, out) : unchanged(img, out);
}

/** RandomApply(GaussianBlur(kernelSize, sigma range), p): σ ~ U(sigma) drawn only when applied. */
export function randomGaussianBlur(
  img: FloatImage,
  rng: Rng,
  p: number,
  sigma: [number, number],
  kernelSize: number,
  out: FloatImage = emptyLike(img),
): FloatImage {
  if (!rng.bernoulli(p)) return unchanged(img, out);
  return gaussianBlur(img, kernelSize, rng.uniform(sigma[0], sigma[1]), out);
}

/**
 * One augmented view of a uint8 image [C, H, W]: the six steps above, giving a
 * normalised float image [C, size, size]. Uses only `rng` for randomness.
 * With `out` given (e.g. a slot of a batch) the view is written there and
 * every step works in place, so nothing is allocated.
 */
export function simclrAugment(
  pixels: Uint8Array,
  channels: number,
  height: number,
  width: number,
  options: AugmentOptions,
  rng: Rng,
  out: FloatImage = emptyImage(channels, options.size, options.size),
): FloatImage {
  // 1. random resized crop, reading the bytes directly (x / 255 on the way)
  const box = randomResizedCropBox(rng, height, width, options.cropScale, options.cropRatio);
  resizedCrop(pixels, channels, height, width, box, options.size, options.size, 1 / 255, out);
  randomHorizontalFlip(out, rng, options.flipP, out); // 2.
  maybeColorJitter(out, rng, options.jitterP, options.jitter, out); // 3.
  randomGrayscale(out, rng, options.grayscaleP, out); // 4.
  randomGaussianBlur(out, rng, options.blurP, options.blurSigma, options.blurKernel, out); // 5.
  return normalize(out, options.mean, options.std, out); // 6.
}

export interface EvalTransformOptions {
  size: number;
  mean: number[];
  std: number[];
  /**
   * Resize the shorter side to this first, then take the central size × size
   * crop: torchvision's Resize(resize) + CenterCrop(size), the authors' release
   * pipeline (Resize(35), CenterCrop(32) on CIFAR-10). Unset: the central
   * square resized to size × size (Resize(size) + CenterCrop(size)).
   */
  resize?: number;
}

/**
 * The evaluation transform: scaled to [0, 1] and normalised, written into
 * `out` when given. Without `resize`, the central square of the image resized
 * to size × size in one resampling step (for square images just a resize, the
 * identity when the size already matches): Resize(size) + CenterCrop(size).
 * With `resize` R, as torchvision does it: the whole image resized so that its
 * shorter side is R (the longer one ⌊R·long/short⌋), then the central
 * size × size crop, its top-left corner at round((R − size)/2) (half to even,
 * as Python rounds: 1.5 → 2 for 35 → 32).
 */
export function evalTransform(
  pixels: Uint8Array,
  channels: number,
  height: number,
  width: number,
  options: EvalTransformOptions,
  out: FloatImage = emptyImage(channels, options.size, options.size),
): FloatImage {
  const { size, resize } = options;
  if (resize === undefined) {
    const box = centerSquareBox(height, width);
    resizedCrop(pixels, channels, height, width, box, size, size, 1 / 255, out);
    return normalize(out, options.mean, options.std, out);
  }
  if (!Number.isInteger(resize) || resize < size) {
    throw new RangeError(`evalTransform: resize must be an integer ≥ the crop size ${size}, got ${resize}`);
  }
  const short = Math.min(height, width);
  const rh = height === short ? resize : Math.floor((resize * height) / short);
  const rw = width === short ? resize : Math.floor((resize * width) / short);
  const full = { top: 0, left: 0, height, width };
  const resized = resizedCrop(pixels, channels, height, width, full, rh, rw, 1 / 255);
  const top = roundHalfEven((rh - size) / 2);
  const left = roundHalfEven((rw - size) / 2);
  // out[c, y, x] = resized[c, top + y, left + x]
  for (let c = 0; c < channels; c++)
    for (let y = 0; y < size; y++) {
      const from = (c * rh + top + y) * rw + left;
      out.data.set(resized.data.subarray(from, from + size), (c * size + y) * size);
    }
  return normalize(out, options.mean, options.std, out);
}
