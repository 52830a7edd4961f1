/**
 * Gaussian blur as torchvision's GaussianBlur: a separable kernel
 *
 *   k[i] ∝ exp(−½ · (x_i / σ)²),   x_i = i − (K − 1)/2,   i = 0..K−1,   Σ k = 1
 *
 * applied along rows and then along columns, with "reflect" padding (the edge
 * pixel is not repeated: index −1 reads index 1, index W reads W − 2).
 */
import { emptyLike, type FloatImage } from './image.js';

/**
 * The odd kernel size for an image side, ≈10% of it as in SimCLR:
 * K = 2·⌊⌊0.1·side⌋ / 2⌋ + 1, at least 3 (32 → 3, 96 → 9, 224 → 23).
 */
export function blurKernelSize(side: number): number {
  const tenth = Math.floor(0.1 * side);
  return Math.max(3, 2 * Math.floor(tenth / 2) + 1);
}

/** The normalised 1-D Gaussian kernel of odd size K and width σ. */
export function gaussianKernel1d(size: number, sigma: number): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`kernel size must be odd, got ${size}`);
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive, got ${sigma}`);
  const kernel = new Float64Array(size);
  const half = (size - 1) / 2;
  let total = 0;
  for (let i = 0; i < size; i++) {
    const x = i - half;
    kernel[i] = Math.exp(-0.5 * (x / sigma) ** 2);
    total += kernel[i]!;
  }
  for (let i = 0; i < size; i++) kernel[i]! /= total;
  return kernel;
}

/** Reflect an index into 0..n−1 without repeating the edge (…2 1 | 0 1 2 … n−1 | n−2 …). */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - j;
  return j;
}

/** Blurs every channel of `img` with a K×K Gaussian of width σ (separable, reflect padding). */
export function gaussianBlur(img: FloatImage, kernelSize: number, sigma: number): FloatImage {
  const kernel = gaussianKernel1d(kernelSize, sigma);
  const half = (kernelSize - 1) / 2;
  const { channels, height: H, width: W } = img;
  const tmp = new Float32Array(img.data.length);
  const out = emptyLike(img);
  // Column index after reflection, per (x, tap): xs[x · K + t] = reflect(x + t − half)
  const xs = new Int32Array(W * kernelSize);
  for (let x = 0; x < W; x++) for (let t = 0; t < kernelSize; t++) xs[x * kernelSize + t] = reflectIndex(x + t - half, W);
  const ys = new Int32Array(H * kernelSize);
  for (let y = 0; y < H; y++) for (let t = 0; t < kernelSize; t++) ys[y * kernelSize + t] = reflectIndex(y + t - half, H);

  for (let c = 0; c < channels; c++) {
    const base = c * H * W;
    // along rows: tmp[y, x] = Σ_t k[t] · img[y, reflect(x + t − half)]
    for (let y = 0; y < H; y++) {
      const row = base + y * W;
      for (let x = 0; x < W; x++) {
        let sum = 0;
        for (let t = 0; t < kernelSize; t++) sum += kernel[t]! * img.data[row + xs[x * kernelSize + t]!]!;
        tmp[row + x] = sum;
      }
    }
    // along columns: out[y, x] = Σ_t k[t] · tmp[reflect(y + t − half), x]
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        let sum = 0;
        for (let t = 0; t < kernelSize; t++) sum += kernel[t]! * tmp[base + ys[y * kernelSize + t]! * W + x]!;
        out.data[base + y * W + x] = sum;
      }
    }
  }
  return out;
}
