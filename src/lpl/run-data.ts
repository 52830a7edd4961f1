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
 * `limit` images, without the `holdout` images that `loadHoldout` returns.
 */
export function loadTrainingData(config: TrainConfig, split: 'train' | 'test' = 'train'): ImageDataset {
  if (split === 'test') return loadSplit(config, 'test');
  const all = loadSplit(config, 'train');
  if (config.holdout === 0) return all;
  return subsetDataset(all, holdoutSplit(all, config.holdout).train, all.source);
}

/** The images held out of the training split (see `holdoutSplit`), which self-supervised training never saw. */
export function loadHoldout(config: TrainConfig): ImageDataset {
  if (config.holdout === 0)
    throw new ConfigError('the run holds no images out (it was trained without --holdout)');
  const all = loadSplit(config, 'train');
  return subsetDataset(all, holdoutSplit(all, config.holdout).held, `${all.source} (held out)`);
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

/**
 * Splits a data set's images into those training sees and `holdout` held out,
 * balanced over the classes present: the last ⌊holdout/C⌋ images of each
 * class in the data's order, one more from each of the first holdout mod C
 * classes. Balanced, because a data set stored class by class (image folders)
 * would otherwise hold out whole classes, and training would never see them.
 * Both index lists are in ascending order.
 */
export function holdoutSplit(all: ImageDataset, holdout: number): { train: Int32Array; held: Int32Array } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < all.n; i++) {
    const label = all.labels[i]!;
    if (!byClass.has(label)) byClass.set(label, []);
    byClass.get(label)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const share = Math.floor(holdout / classes.length);
  const extra = holdout % classes.length;
  const isHeld = new Uint8Array(all.n);
  classes.forEach((label, k) => {
    const images = byClass.get(label)!;
    const count = share + (k < extra ? 1 : 0);
    if (count >= images.length) {
      throw new ConfigError(
        `holdout ${holdout} takes ${count} images of class '${all.classes[label] ?? label}', ` +
          `which has ${images.length}: none would be left for training (${all.source})`,
      );
    }
    for (const i of images.slice(images.length - count)) isHeld[i] = 1;
  });
  const train: number[] = [];
  const held: number[] = [];
  for (let i = 0; i < all.n; i++) (isHeld[i] ? held : train).push(i);
  return { train: Int32Array.from(train), held: Int32Array.from(held) };
}
