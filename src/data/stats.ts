/**
 * Per-channel mean and standard deviation of a data set, for normalisation,
 * and known values for common data sets.
 *
 *   mean_c = (1/P) Σ x/255,    std_c = √( (1/P) Σ (x/255)² − mean_c² )
 *
 * over all P = N·H·W pixels of channel c (population std, as torchvision's
 * usual constants are computed).
 */
import type { ImageDataset } from './dataset.js';

export interface ChannelStats {
  mean: number[];
  std: number[];
}

/** CIFAR-10 training set (the values solo-learn and most SimCLR code use). */
export const CIFAR10_STATS: ChannelStats = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
/** Fashion-MNIST training set (all 60,000 images; computed with channelStats). */
export const FASHION_MNIST_STATS: ChannelStats = { mean: [0.286], std: [0.353] };

/** Mean and std per channel of the images (scaled to [0, 1]), computed in float64. */
export function channelStats(ds: ImageDataset): ChannelStats {
  const plane = ds.height * ds.width;
  const sum = new Float64Array(ds.channels);
  const sumSquares = new Float64Array(ds.channels);
  for (let i = 0; i < ds.n; i++) {
    for (let c = 0; c < ds.channels; c++) {
      const start = (i * ds.channels + c) * plane;
      let s = 0;
      let s2 = 0;
      for (let p = start; p < start + plane; p++) {
        const v = ds.images[p]!;
        s += v;
        s2 += v * v;
      }
      sum[c] = sum[c]! + s;
      sumSquares[c] = sumSquares[c]! + s2;
    }
  }
  const count = ds.n * plane;
  const mean: number[] = [];
  const std: number[] = [];
  for (let c = 0; c < ds.channels; c++) {
    const m = sum[c]! / count / 255;
    const meanSquare = sumSquares[c]! / count / (255 * 255);
    mean.push(m);
    std.push(Math.sqrt(Math.max(0, meanSquare - m * m)));
  }
  return { mean, std };
}
