/**
 * STL-10 binary files (stl10_binary.tar.gz from Stanford).
 *
 *   train_X.bin, test_X.bin, unlabeled_X.bin   images, 3 × 96 × 96 bytes each
 *   train_y.bin, test_y.bin                    one byte per image, labels 1..10
 *   class_names.txt                            optional, one class name a line
 *
 * Inside an image the three planes R, G, B follow each other, but each plane is
 * stored COLUMN-major (MATLAB order): the byte for column x, row y of channel c
 * is at c·96·96 + x·96 + y. We transpose to our row-major [C, H, W].
 * Labels on disk are 1..10 and become 0..9. The unlabeled file is 2.7 GB, so all
 * files are read in chunks and `limit` bounds how many images are read at all.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ChunkedFile, readNameList } from './binary-file.js';
import type { DatasetSplit, ImageDataset } from './dataset.js';
import { DataError } from './errors.js';

export const STL10_CLASSES = ['airplane', 'bird', 'car', 'cat', 'deer', 'dog', 'horse', 'monkey', 'ship', 'truck'];
export const STL10_SIDE = 96;
/** Bytes in one image: 3 × 96 × 96. */
export const STL10_IMAGE_BYTES = 3 * STL10_SIDE * STL10_SIDE;
/** Images per readSync call: 1024 × 27,648 B ≈ 28 MB. */
const IMAGES_PER_CHUNK = 1024;

/** The file names of one split; `labels` is null for the unlabeled split. */
export function stl10Files(split: DatasetSplit): { images: string; labels: string | null } {
  if (split === 'unlabeled') return { images: 'unlabeled_X.bin', labels: null };
  return { images: `${split}_X.bin`, labels: `${split}_y.bin` };
}

/**
 * Transposes one column-major image [C, W, H] (as stored on disk) into the
 * row-major image [C, H, W] at `out[outOffset..]`.
 */
export function stl10ColumnMajorToRowMajor(
  src: Uint8Array,
  srcOffset: number,
  out: Uint8Array,
  outOffset: number,
  side = STL10_SIDE,
): void {
  const plane = side * side;
  for (let c = 0; c < 3; c++) {
    const planeBase = c * plane;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        out[outOffset + planeBase + y * side + x] = src[srcOffset + planeBase + x * side + y]!;
      }
    }
  }
}

export interface Stl10LoadOptions {
  split: DatasetSplit;
  /** Read only the first `limit` images (in file order). */
  limit?: number;
}

/** Loads one split of STL-10 from the folder holding the .bin files. */
export function loadStl10(dir: string, options: Stl10LoadOptions): ImageDataset {
  const names = stl10Files(options.split);
  const imagesFile = path.join(dir, names.images);
  const classes = readNameList(path.join(dir, 'class_names.txt')) ?? STL10_CLASSES;
  if (!fs.existsSync(imagesFile)) throw new DataError(imagesFile, `missing STL-10 ${options.split} images file`);

  const input = new ChunkedFile(imagesFile);
  try {
    if (input.size === 0) throw new DataError(imagesFile, 'empty file, expected 96×96×3 STL-10 images');
    if (input.size % STL10_IMAGE_BYTES !== 0) {
      throw new DataError(
        imagesFile,
        `truncated record: size ${input.size} is not a multiple of the ${STL10_IMAGE_BYTES}-byte image ` +
          `(${input.size % STL10_IMAGE_BYTES} bytes left over)`,
      );
    }
    const total = input.size / STL10_IMAGE_BYTES;
    const n = Math.min(total, options.limit ?? total);
    const labels = names.labels
      ? readStl10Labels(path.join(dir, names.labels), total, n, classes.length)
      : new Int32Array(n).fill(-1);

    // Shared memory, so the loader's worker threads can read up to 2.7 GB of pixels without a copy.
    const images = new Uint8Array(new SharedArrayBuffer(n * STL10_IMAGE_BYTES));
    const chunk = new Uint8Array(Math.min(n, IMAGES_PER_CHUNK) * STL10_IMAGE_BYTES);
    for (let first = 0; first < n; first += IMAGES_PER_CHUNK) {
      const count = Math.min(IMAGES_PER_CHUNK, n - first);
      const bytes = input.read(first * STL10_IMAGE_BYTES, count * STL10_IMAGE_BYTES, chunk.subarray(0, count * STL10_IMAGE_BYTES));
      for (let i = 0; i < count; i++) {
        stl10ColumnMajorToRowMajor(bytes, i * STL10_IMAGE_BYTES, images, (first + i) * STL10_IMAGE_BYTES);
      }
    }
    return {
      images,
      labels,
      n,
      channels: 3,
      height: STL10_SIDE,
      width: STL10_SIDE,
      classes,
      source: `stl10 ${options.split} ${dir}`,
    };
  } finally {
    input.close();
  }
}

/** Reads the first `n` labels of a labels file that must hold exactly `total` bytes 1..numClasses. */
function readStl10Labels(file: string, total: number, n: number, numClasses: number): Int32Array {
  if (!fs.existsSync(file)) throw new DataError(file, 'missing STL-10 labels file');
  const input = new ChunkedFile(file);
  try {
    if (input.size !== total) {
      throw new DataError(file, `has ${input.size} labels but the images file has ${total} images`);
    }
    const raw = input.read(0, n);
    const labels = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const label = raw[i]!;
      if (label < 1 || label > numClasses) {
        throw new DataError(file, `label ${label} of image ${i} is out of range 1..${numClasses}`);
      }
      labels[i] = label - 1; // 1-based on disk, 0-based in memory
    }
    return labels;
  } finally {
    input.close();
  }
}
