/**
 * The small data set bundled with the repository: a balanced subset of
 * Fashion-MNIST (1000 train + 200 test images per class, 28×28 grayscale),
 * see data/fashion-mnist/README.md. It is the default when no data is given.
 */
import { fileURLToPath } from 'node:url';
import type { DatasetSplit, ImageDataset } from './dataset.js';
import { loadDataset } from './detect.js';

/** Fashion-MNIST's class names, label 0..9 (also in data/fashion-mnist/classes.txt). */
export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

/** Absolute path of data/fashion-mnist, found relative to this module (works from any working directory). */
export const BUNDLED_DATA_DIR: string = fileURLToPath(new URL('../../data/fashion-mnist', import.meta.url));

/** Loads a split of the bundled Fashion-MNIST subset. */
export function loadBundledDataset(split: Exclude<DatasetSplit, 'unlabeled'>, limit?: number): ImageDataset {
  const ds = loadDataset(BUNDLED_DATA_DIR, { format: 'idx', split, limit });
  // named by its place in the repository, not by where this clone happens to live
  return { ...ds, source: `bundled Fashion-MNIST subset (data/fashion-mnist, ${split})` };
}
