/**
 * CIFAR-10 binary batches ("CIFAR-10 binary version" from the Toronto site).
 *
 * Each file is a sequence of 3073-byte records:
 *
 *   byte 0            label 0..9
 *   bytes 1..1024     red plane,   32×32, row-major
 *   bytes 1025..2048  green plane
 *   bytes 2049..3072  blue plane
 *
 * so after dropping the label byte a record is already a planar [3, 32, 32]
 * image. Training data is data_batch_1.bin .. data_batch_5.bin (10,000 records
 * each), test data is test_batch.bin. batches.meta.txt, when present, lists the
 * class names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkedFile, readNameList } from './binary-file.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';
import { DataError } from './errors.js';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];
export const CIFAR_SIDE = 32;
/** Bytes in one image: 3 × 32 × 32. */
export const CIFAR_IMAGE_BYTES = 3 * CIFAR_SIDE * CIFAR_SIDE;
/** Bytes in one record: the label byte plus the image. */
export const CIFAR_RECORD_BYTES = 1 + CIFAR_IMAGE_BYTES;

export const CIFAR10_TRAIN_FILES = [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`);
export const CIFAR10_TEST_FILES = ['test_batch.bin'];

/** The images and labels of one batch file. */
export interface CifarBatch {
  images: Uint8Array; // [n, 3, 32, 32]
  labels: Int32Array; // [n]
  n: number;
}

/**
 * Reads at most `limit` records of one batch file. The file size must be a
 * whole number of records and every label must be below `numClasses`.
 */
export function readCifar10Batch(file: string, limit = Infinity, numClasses = 10): CifarBatch {
  const input = new ChunkedFile(file);
  try {
    if (input.size === 0) throw new DataError(file, 'empty file, expected 3073-byte CIFAR-10 records');
    if (input.size % CIFAR_RECORD_BYTES !== 0) {
      const whole = Math.floor(input.size / CIFAR_RECORD_BYTES);
      throw new DataError(
        file,
        `truncated record: size ${input.size} is not a multiple of the ${CIFAR_RECORD_BYTES}-byte ` +
          `record (${whole} whole records and ${input.size % CIFAR_RECORD_BYTES} bytes left over)`,
      );
    }
    const n = Math.min(input.size / CIFAR_RECORD_BYTES, limit);
    const raw = input.read(0, n * CIFAR_RECORD_BYTES);
    const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const record = i * CIFAR_RECORD_BYTES;
      const label = raw[record]!;
      if (label >= numClasses) {
        throw new DataError(file, `label ${label} of record ${i} is out of range 0..${numClasses - 1}`);
      }
      labels[i] = label;
      images.set(raw.subarray(record + 1, record + CIFAR_RECORD_BYTES), i * CIFAR_IMAGE_BYTES);
    }
    return { images, labels, n };
  } finally {
    input.close();
  }
}

export interface CifarLoadOptions {
  split: DatasetSplit;
  /** Read only the first `limit` images (in file order). */
  limit?: number;
}

/** Loads the train (5 batches) or test split from a folder of CIFAR-10 binary batches. */
export function loadCifar10(dir: string, options: CifarLoadOptions): ImageDataset {
  if (options.split === 'unlabeled') throw new DataError(dir, 'CIFAR-10 has no unlabeled split');
  const names = options.split === 'train' ? CIFAR10_TRAIN_FILES : CIFAR10_TEST_FILES;
  const files = names.map((name) => path.join(dir, name));
  const missing = files.filter((file) => !fs.existsSync(file));
  if (missing.length > 0) {
    throw new DataError(dir, `missing CIFAR-10 ${options.split} batch file(s): ${missing.map((f) => path.basename(f)).join(', ')}`);
  }
  const classes = readNameList(path.join(dir, 'batches.meta.txt')) ?? CIFAR10_CLASSES;
  let remaining = options.limit ?? Infinity;
  const batches: CifarBatch[] = [];
  for (const file of files) {
    if (remaining <= 0) break;
    const batch = readCifar10Batch(file, remaining, classes.length);
    batches.push(batch);
    remaining -= batch.n;
  }
  const n = batches.reduce((sum, b) => sum + b.n, 0);
  const images = new Uint8Array(n * CIFAR_IMAGE_BYTES);
  const labels = new Int32Array(n);
  let offset = 0;
  for (const batch of batches) {
    images.set(batch.images, offset * CIFAR_IMAGE_BYTES);
    labels.set(batch.labels, offset);
    offset += batch.n;
  }
  return {
    images,
    labels,
    n,
    channels: 3,
    height: CIFAR_SIDE,
    width: CIFAR_SIDE,
    classes,
    source: `cifar10 ${options.split} ${dir}`,
  };
}
