/**
 * The images a run trains on, read from its data set's files (Node: the
 * readers of src/data open files): the split named by the config, the bundled
 * data when `data` is null, without the last `holdout` images, which
 * `loadHoldout` returns for the probe. A page builds its ImageDataset from
 * fetched bytes instead and hands it to LplRun directly.
 */
import { loadBundledDataset, loadDataset, subsetDataset, type ImageDataset } from '../data/index.js';
import type { TrainConfig } from './config.js';
import { ConfigError } from './train.js';

/**
 * Loads the split named by the config (the bundled data when `data` is null).
 * The training split is the one self-supervised training sees: its first
 * `limit` images, without the last `holdout` of them (see `loadHoldout`).
 */
export function loadTrainingData(config: TrainConfig, split: 'train' | 'test' = 'train'): ImageDataset {
  if (split === 'test') return loadSplit(config, 'test');
  const all = loadSplit(config, 'train');
  if (config.holdout === 0) return all;
  return subsetDataset(all, range(0, holdoutStart(config, all)), all.source);
}

/** The last `holdout` images of the training split, which self-supervised training never saw. */
export function loadHoldout(config: TrainConfig): ImageDataset {
  if (config.holdout === 0)
    throw new ConfigError('the run holds no images out (it was trained without --holdout)');
  const all = loadSplit(config, 'train');
  return subsetDataset(all, range(holdoutStart(config, all), all.n), `${all.source} (held out)`);
}

function loadSplit(config: TrainConfig, split: 'train' | 'test'): ImageDataset {
  const limit = split === 'train' ? (config.limit ?? undefined) : undefined;
  if (config.data === null) return loadBundledDataset(split, limit);
  return loadDataset(config.data, {
    split,
    format: config.format ?? undefined,
    limit,
    imageSize: config.imageSize ?? undefined,
  });
}

function holdoutStart(config: TrainConfig, all: ImageDataset): number {
  if (config.holdout >= all.n) {
    throw new ConfigError(
      `holdout ${config.holdout} leaves none of the ${all.n} training images (${all.source})`,
    );
  }
  return all.n - config.holdout;
}

const range = (start: number, end: number): Int32Array =>
  Int32Array.from({ length: end - start }, (_, i) => start + i);
