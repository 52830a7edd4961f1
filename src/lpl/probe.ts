/**
 * Linear readout ("linear probe") of what each layer learned: freeze the
 * network, take each block's output for labelled images — globally
 * average-pooled ([N, C]) or flattened ([N, C·H·W]) — and train one
 * logistic-regression classifier per layer on it. The authors' protocol
 * (LPL-SPEC.md): Adam lr 1e-3, batch 512, 20 epochs, on pooled block outputs.
 */
import { crossEntropy, flatten, globalAvgPool, noGrad } from '../autograd/index.js';
import type { ImageDataset } from '../data/dataset.js';
import { evalBatches } from '../data/eval-loader.js';
import { Adam, Linear, type VggEncoder } from '../nn/index.js';
import { Rng } from '../tensor/random.js';
import { hostBackend, withBackend } from '../tensor/registry.js';
import { fromArray, type Tensor } from '../tensor/tensor.js';
import { DEAD_VARIANCE_THRESHOLD, participationRatio } from './metrics.js';

/** Features of one layer: N rows of `dim` values. */
export interface LayerFeatures {
  values: Float32Array;
  n: number;
  dim: number;
}

export interface FeatureOptions {
  /** Global average pool each block output (true) or flatten it (false). */
  avgpool: boolean;
  inputSize: number;
  stats: { mean: number[]; std: number[] };
  /** Resize(resize) then CenterCrop(inputSize) as the evaluation transform (src/data/augment.ts); unset: Resize + CenterCrop to inputSize. */
  resize?: number;
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number, total: number) => void;
}

/**
 * Each block's output for every image of the data set (evaluation transform,
 * no gradient), on the backend in use; each batch's features are read back
 * to the host asynchronously.
 */
export async function extractFeatures(
  model: VggEncoder,
  dataset: ImageDataset,
  opts: FeatureOptions,
): Promise<LayerFeatures[]> {
  const features: LayerFeatures[] = [];
  let done = 0;
  for (const batch of evalBatches(dataset, opts.batchSize ?? 256, {
    size: opts.inputSize,
    ...opts.stats,
    resize: opts.resize,
  })) {
    const perBlock = noGrad(() => {
      let h: Tensor = fromArray(batch.x, batch.shape);
      return model.blocks.map((block) => {
        h = block.forward(h);
        return opts.avgpool ? globalAvgPool(h) : flatten(h); // [B, C] or [B, C·H·W]
      });
    });
    const values = await Promise.all(perBlock.map((f) => f.data()));
    perBlock.forEach((f, k) => {
      const dim = f.shape[1]!;
      features[k] ??= { values: new Float32Array(dataset.n * dim), n: dataset.n, dim };
      features[k]!.values.set(values[k]!, done * dim);
    });
    done += batch.shape[0];
    opts.onProgress?.(done, dataset.n);
  }
  return features;
}

/** The images themselves as features (the "pixels" baseline): normalised and flattened. */
export function pixelFeatures(
  dataset: ImageDataset,
  inputSize: number,
  stats: { mean: number[]; std: number[] },
  resize?: number,
): LayerFeatures {
  const dim = dataset.channels * inputSize * inputSize;
  const values = new Float32Array(dataset.n * dim);
  let done = 0;
  for (const batch of evalBatches(dataset, 512, { size: inputSize, ...stats, resize })) {
    values.set(batch.x, done * dim);
    done += batch.shape[0];
  }
  return { values, n: dataset.n, dim };
}

export interface ProbeOptions {
  classes: number;
  epochs?: number;
  batchSize?: number;
  lr?: number;
  seed?: number;
  /** Scale each feature to zero mean and unit variance (train statistics) first. Default false, as the authors. */
  standardize?: boolean;
}

export interface ProbeResult {
  trainAccuracy: number;
  testAccuracy: number;
}

/**
 * Trains logistic regression on (train, trainLabels) on the backend in use and
 * reports accuracy on both splits (the logits are read back asynchronously).
 */
export async function trainLinearProbe(
  train: LayerFeatures,
  trainLabels: Int32Array,
  test: LayerFeatures,
  testLabels: Int32Array,
  opts: ProbeOptions,
): Promise<ProbeResult> {
  const epochs = opts.epochs ?? 20;
  const batchSize = opts.batchSize ?? 512;
  const rng = new Rng(opts.seed ?? 0);
  let trainX = train.values;
  let testX = test.values;
  if (opts.standardize) [trainX, testX] = standardize(train, test);
  const dim = train.dim;
  const probe = new Linear(dim, opts.classes, { rng });
  const optimizer = new Adam(probe.parameters(), { lr: opts.lr ?? 1e-3 });

  const rows = (x: Float32Array, indices: ArrayLike<number>): Tensor => {
    const out = new Float32Array(indices.length * dim);
    for (let j = 0; j < indices.length; j++)
      out.set(x.subarray(indices[j]! * dim, (indices[j]! + 1) * dim), j * dim);
    return fromArray(out, [indices.length, dim]);
  };
  for (let epoch = 0; epoch < epochs; epoch++) {
    const order = rng.permutation(train.n);
    for (let start = 0; start < train.n; start += batchSize) {
      const indices = order.subarray(start, Math.min(start + batchSize, train.n));
      const labels = Array.from(indices, (i) => trainLabels[i]!);
      const loss = crossEntropy(probe.forward(rows(trainX, indices)), labels); // −(1/B) Σ log softmax(Wx + b)[y]
      loss.backward();
      optimizer.step();
      optimizer.zeroGrad();
    }
  }
  const accuracy = async (x: Float32Array, labels: Int32Array, n: number): Promise<number> => {
    let correct = 0;
    for (let start = 0; start < n; start += 1024) {
      const indices = Int32Array.from({ length: Math.min(1024, n - start) }, (_, j) => start + j);
      const logits = await noGrad(() => probe.forward(rows(x, indices))).data();
      for (let j = 0; j < indices.length; j++) {
        let best = 0;
        for (let k = 1; k < opts.classes; k++)
          if (logits[j * opts.classes + k]! > logits[j * opts.classes + best]!) best = k;
        if (best === labels[indices[j]!]) correct++;
      }
    }
    return correct / n;
  };
  return {
    trainAccuracy: await accuracy(trainX, trainLabels, train.n),
    testAccuracy: await accuracy(testX, testLabels, test.n),
  };
}

/** z-scores every feature with the training split's mean and std. */
function standardize(train: LayerFeatures, test: LayerFeatures): [Float32Array, Float32Array] {
  const { dim } = train;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let i = 0; i < train.n; i++)
    for (let d = 0; d < dim; d++) {
      const v = train.values[i * dim + d]!;
      mean[d]! += v;
      sq[d]! += v * v;
    }
  const std = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    mean[d]! /= train.n;
    std[d] = Math.sqrt(Math.max(sq[d]! / train.n - mean[d]! * mean[d]!, 0)) || 1;
  }
  const apply = (f: LayerFeatures) =>
    Float32Array.from(f.values, (v, i) => (v - mean[i % dim]!) / std[i % dim]!);
  return [apply(train), apply(test)];
}

/** The participation ratio of a layer's features (its dimensionality), computed on the host. */
export function featureParticipationRatio(f: LayerFeatures): number {
  return withBackend(hostBackend(), () => participationRatio(fromArray(f.values, [f.n, f.dim])));
}

/**
 * Fraction of a layer's features that are silent: variance below `threshold`
 * over the given images (by default the training log's "dead" threshold).
 * For pooled ReLU outputs these are units that never fire. A plain pass per
 * feature: flattened features are too wide for the covariance matrix.
 */
export function featureDeadFraction(f: LayerFeatures, threshold = DEAD_VARIANCE_THRESHOLD): number {
  let dead = 0;
  for (let d = 0; d < f.dim; d++) {
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < f.n; i++) {
      const v = f.values[i * f.dim + d]!;
      sum += v;
      sumSq += v * v;
    }
    const mean = sum / f.n;
    const variance = sumSq / f.n - mean * mean; // σ²_d = E[v²] − E[v]²
    if (variance < threshold) dead++;
  }
  return dead / f.dim;
}

/** A class-balanced subset: the first ⌈n/K⌉ images of each class in data set order, n in all. */
export function balancedFirst(labels: Int32Array, n: number, classes: number): Int32Array {
  if (n >= labels.length) return Int32Array.from(labels, (_, i) => i);
  const perClass = Math.ceil(n / classes);
  const taken = new Array<number>(classes).fill(0);
  const out: number[] = [];
  for (let i = 0; i < labels.length && out.length < n; i++) {
    const y = labels[i]!;
    if (y >= 0 && taken[y]! < perClass) {
      taken[y]!++;
      out.push(i);
    }
  }
  return Int32Array.from(out);
}
