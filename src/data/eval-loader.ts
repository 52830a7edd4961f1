/**
 * The evaluation loader for the linear probe: one view per image, the
 * deterministic evaluation transform (centre square resized to `size`,
 * normalised), in data set order, the last partial batch kept.
 */
import { evalTransform, type EvalTransformOptions } from './augment.js';
import type { ImageDataset } from './dataset.js';
import { imageAt } from './dataset.js';

export interface EvalBatch {
  /** [B, C, S, S] normalised images. */
  x: Float32Array;
  /** [B, C, S, S] */
  shape: [number, number, number, number];
  /** [B] labels. */
  labels: Int32Array;
  /** [B] indices into the data set. */
  indices: Int32Array;
}

/** Yields the whole data set in order, in batches of `batchSize` (the last may be smaller). */
export function* evalBatches(
  dataset: ImageDataset,
  batchSize: number,
  transform: EvalTransformOptions,
): Generator<EvalBatch> {
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const { channels, height, width } = dataset;
  const viewFloats = channels * transform.size * transform.size;
  for (let start = 0; start < dataset.n; start += batchSize) {
    const count = Math.min(batchSize, dataset.n - start);
    const x = new Float32Array(count * viewFloats);
    const indices = new Int32Array(count);
    const labels = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      const index = start + j;
      const slot = { data: x.subarray(j * viewFloats, (j + 1) * viewFloats), channels, height: transform.size, width: transform.size };
      evalTransform(imageAt(dataset, index), channels, height, width, transform, slot);
      indices[j] = index;
      labels[j] = dataset.labels[index]!;
    }
    yield { x, shape: [count, channels, transform.size, transform.size], labels, indices };
  }
}
