/**
 * Gaussian blur as torchvision's GaussianBlur: a separable kernel
 *
 *   k[i] ∝ exp(−½ · (x_i / σ)²),   x_i = i − (K − 1)/2,   i = 0..K−1,   Σ k = 1
 *
 * applied along rows and then along columns, with "reflect" padding (the edge
 * pixel is not repeated: index −1 reads index 1, index W reads W − 2).
 */
import { emptyLike, type FloatImage } from './image.js';
import { Float32Scratch, Float64Scratch, Int32Scratch } from './scratch.js';

const scratch = {
  kernel: new Float64Scratch(),
  rowPass: new Float32Scratch(),
  paddedRow: new Float32Scratch(),
  ys: new Int32Scratch(),
};

/**
 * The odd kernel size for an image side, ≈10% of it as in SimCLR:
 * K = 2·⌊⌊0.1·side⌋ / 2⌋ + 1, at least 3 (32 → 3, 96 → 9, 224 → 23).
 */
export function blurKernelSize(side: number): number {
  const tenth = Math.floor(0.1 * side);
  return Math.max(3, 2 * Math.floor(tenth / 2) + 1);
}

/** The normalised 1-D Gaussian kernel of odd size K and width σ. */
export function gaussianKernel1d(size: number, sigma: number, kernel: Float64Array = new Float64Array(size)): Float64Array {
  if (!Number.isInteger(size) || size < 1 || size % 2 === 0) throw new RangeError(`kernel size must be odd, got ${size}`);
  if (!(sigma > 0)) throw new RangeError(`sigma must be positive, got ${sigma}`);
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

/**
 * Blurs every channel of `img` with a K×K Gaussian of width σ (separable,
 * reflect padding). `out` may be `img` itself.
 */
export function gaussianBlur(
  img: FloatImage,
  kernelSize: number,
  sigma: number,
  out: FloatImage = emptyLike(img),
): FloatImage {
  const kernel = gaussianKernel1d(kernelSize, sigma, scratch.kernel.get(kernelSize));
  const half = (kernelSize - 1) / 2;
  const { channels, height: H, width: W } = img;
  // Row index after reflection, per (row, tap): ys[y · K + t] = reflect(y + t − half)
  const ys = scratch.ys.get(H * kernelSize);
  for (let y = 0; y < H; y++) for (let t = 0; t < kernelSize; t++) ys[y * kernelSize + t] = reflectIndex(y + t - half, H);
  // One row with `half` reflected pixels on each side: padded[half + x] = row[x]
  const padded = scratch.paddedRow.get(W + 2 * half);
  const tmp = scratch.rowPass.get(H * W); // one channel after the row pass
  const src = img.data;
  const dst = out.data;
  for (let c = 0; c < channels; c++) {
    const base = c * H * W;
    // along rows: tmp[y, x] = Σ_t k[t] · img[c, y, reflect(x + t − half)] = Σ_t k[t] · padded[x + t]
    for (let y = 0; y < H; y++) {
      const row = base + y * W;
      for (let j = 0; j < W + 2 * half; j++) padded[j] = src[row + reflectIndex(j - half, W)]!;
      const tmpRow = y * W;
      for (let x = 0; x < W; x++) tmp[tmpRow + x] = 0;
      for (let t = 0; t < kernelSize; t++) {
        const w = kernel[t]!;
        for (let x = 0; x < W; x++) tmp[tmpRow + x] = tmp[tmpRow + x]! + w * padded[x + t]!;
      }
    }
    // along columns: out[c, y, :] = Σ_t k[t] · tmp[reflect(y + t − half), :]   (src[c] is no longer read)
    dst.fill(0, base, base + H * W);
    for (let y = 0; y < H; y++) {
      const outRow = base + y * W;
      for (let t = 0; t < kernelSize; t++) {
        const w = kernel[t]!;
        const inRow = ys[y * kernelSize + t]! * W;
        for (let x = 0; x < W; x++) dst[outRow + x] = dst[outRow + x]! + w * tmp[inRow + x]!;
      }
    }
  }
  return out;
}
