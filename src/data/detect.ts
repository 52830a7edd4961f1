/**
 * `loadDataset(path, options)`: one entry point that recognises a data set by
 * what is on disk, so the command line can take any of
 *
 *   idx           train-images-idx3-ubyte[.gz] + train-labels-idx1-ubyte[.gz]   (t10k-* for test)
 *   cifar10       data_batch_1.bin .. data_batch_5.bin, test_batch.bin
 *   stl10         train_X.bin + train_y.bin, test_X.bin + test_y.bin, unlabeled_X.bin
 *   image-folder  root/<class>/*.jpg|*.jpeg|*.png, or root/{train,test}/<class>/...
 *
 * The files may sit in the folder itself or in the sub-folder their archive
 * unpacks to (cifar-10-batches-bin/, stl10_binary/, raw/). An explicit `format`
 * skips the guessing. An IDX images file or a single CIFAR batch file may also
 * be given directly.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CIFAR10_TEST_FILES, CIFAR10_TRAIN_FILES, loadCifar10, readCifar10Batch, CIFAR10_CLASSES } from './cifar.js';
import { checkDataset, type DatasetSplit, type ImageDataset } from './dataset.js';
import { DataError } from './errors.js';
import { loadIdx } from './idx.js';
import { listImageFiles, listSubfolders, loadImageFolder } from './image-folder.js';
import { resizeDataset } from './resize.js';
import { loadStl10, stl10Files } from './stl10.js';

export type DatasetFormat = 'idx' | 'cifar10' | 'stl10' | 'image-folder';

export interface LoadDatasetOptions {
  /** Skip detection and read this format. */
  format?: DatasetFormat;
  split: DatasetSplit;
  /** Read at most this many images (file order; balanced over classes for image folders). */
  limit?: number;
  /** Resize every image to imageSize × imageSize. */
  imageSize?: number;
  /** Image folders only: 3 (RGB, default) or 1 (grayscale). */
  channels?: 1 | 3;
}

/** Sub-folders that the usual archives unpack to; searched after the folder itself. */
const KNOWN_SUBFOLDERS = ['cifar-10-batches-bin', 'stl10_binary', 'raw'];

/** IDX file names for a split, without the optional `.gz`: [images, labels] pairs. */
function idxNames(split: DatasetSplit): Array<[string, string]> {
  const prefixes = split === 'train' ? ['train'] : split === 'test' ? ['t10k', 'test'] : [];
  return prefixes.flatMap((p): Array<[string, string]> => [
    [`${p}-images-idx3-ubyte`, `${p}-labels-idx1-ubyte`],
    [`${p}-images.idx3-ubyte`, `${p}-labels.idx1-ubyte`],
  ]);
}

/** The first existing of `name` and `name.gz` in `dir`, or null. */
function findWithGz(dir: string, name: string): string | null {
  for (const candidate of [name, `${name}.gz`]) {
    if (fs.existsSync(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  return null;
}

const has = (dir: string, name: string) => fs.existsSync(path.join(dir, name));

/** Does `dir` hold files of `format` (any split)? */
function looksLike(dir: string, format: DatasetFormat): boolean {
  switch (format) {
    case 'idx':
      return (['train', 'test'] as const).some((split) =>
        idxNames(split).some(([images]) => findWithGz(dir, images) !== null),
      );
    case 'cifar10':
      return [...CIFAR10_TRAIN_FILES, ...CIFAR10_TEST_FILES].some((name) => has(dir, name));
    case 'stl10':
      return (['train', 'test', 'unlabeled'] as const).some((split) => has(dir, stl10Files(split).images));
    case 'image-folder':
      return isClassRoot(dir) || ['train', 'test'].some((s) => isClassRoot(path.join(dir, s)));
  }
}

/** A folder whose sub-folders hold image files. */
function isClassRoot(dir: string): boolean {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return false;
  return listSubfolders(dir).some((name) => listImageFiles(path.join(dir, name)).length > 0);
}

/** Where a data set was found: its format and the folder holding its files. */
export interface Detection {
  format: DatasetFormat;
  dir: string;
}

/** Finds the format and folder of the data set at `root` (or checks the given `format`). */
export function detectDataset(root: string, format?: DatasetFormat): Detection {
  const formats: DatasetFormat[] = format ? [format] : ['idx', 'cifar10', 'stl10', 'image-folder'];
  const dirs = [root, ...KNOWN_SUBFOLDERS.map((sub) => path.join(root, sub)).filter((d) => fs.existsSync(d))];
  for (const dir of dirs) {
    for (const candidate of formats) if (looksLike(dir, candidate)) return { format: candidate, dir };
  }
  const lookedFor = format
    ? `${format} files`
    : 'IDX files (train-images-idx3-ubyte[.gz], t10k-images-idx3-ubyte[.gz]), CIFAR-10 batches ' +
      '(data_batch_1.bin .. data_batch_5.bin, test_batch.bin), STL-10 files (train_X.bin, test_X.bin, ' +
      'unlabeled_X.bin) or class folders of .jpg/.jpeg/.png images (optionally under train/ and test/)';
  throw new DataError(root, `no data set recognised: looked for ${lookedFor} here and in ${KNOWN_SUBFOLDERS.join('/, ')}/`);
}

/** Loads one split of the data set at `dataPath` (a folder, an IDX images file or a CIFAR batch file). */
export function loadDataset(dataPath: string, options: LoadDatasetOptions): ImageDataset {
  if (!fs.existsSync(dataPath)) throw new DataError(dataPath, 'no such file or folder');
  let dataset = fs.statSync(dataPath).isFile() ? loadSingleFile(dataPath, options) : loadFolder(dataPath, options);
  if (options.imageSize !== undefined) dataset = resizeDataset(dataset, options.imageSize);
  checkDataset(dataset);
  return dataset;
}

function loadFolder(root: string, options: LoadDatasetOptions): ImageDataset {
  const { format, dir } = detectDataset(root, options.format);
  const { split, limit } = options;
  switch (format) {
    case 'idx': {
      for (const [imagesName, labelsName] of idxNames(split)) {
        const images = findWithGz(dir, imagesName);
        if (!images) continue;
        const labels = findWithGz(dir, labelsName);
        if (!labels) throw new DataError(dir, `found ${path.basename(images)} but no ${labelsName}[.gz] beside it`);
        return loadIdx(images, labels, { limit });
      }
      const wanted = idxNames(split).map(([images]) => `${images}[.gz]`);
      throw new DataError(dir, `no IDX ${split} split: looked for ${wanted.join(', ') || '(IDX has no unlabeled split)'}`);
    }
    case 'cifar10':
      return loadCifar10(dir, { split, limit });
    case 'stl10':
      return loadStl10(dir, { split, limit });
    case 'image-folder': {
      if (split === 'unlabeled') throw new DataError(dir, 'an image folder has no unlabeled split');
      const hasSplits = ['train', 'test'].some((s) => fs.existsSync(path.join(dir, s)));
      const classRoot = hasSplits ? path.join(dir, split) : dir;
      if (hasSplits && !fs.existsSync(classRoot)) throw new DataError(classRoot, `missing ${split} folder`);
      return loadImageFolder(classRoot, { limit, imageSize: options.imageSize, channels: options.channels });
    }
  }
}

/** An IDX images file (its labels file is found by name) or one CIFAR-10 batch file. */
function loadSingleFile(file: string, options: LoadDatasetOptions): ImageDataset {
  const base = path.basename(file);
  if (options.format === 'idx' || (!options.format && /images[.-]idx3-ubyte(\.gz)?$/.test(base))) {
    const labels = path.join(path.dirname(file), base.replace('images', 'labels').replace('idx3', 'idx1'));
    if (!fs.existsSync(labels)) throw new DataError(file, `no labels file ${labels} beside this IDX images file`);
    return loadIdx(file, labels, { limit: options.limit });
  }
  if (options.format === 'cifar10' || (!options.format && base.endsWith('.bin') && base.includes('batch'))) {
    const batch = readCifar10Batch(file, options.limit);
    return { ...batch, channels: 3, height: 32, width: 32, classes: CIFAR10_CLASSES, source: `cifar10 ${file}` };
  }
  throw new DataError(
    file,
    'not a recognised data file: give a folder, an IDX images file (*-images-idx3-ubyte[.gz]) or a CIFAR-10 batch (*batch*.bin)',
  );
}
