/**
 * Image folders in the torchvision `ImageFolder` layout:
 *
 *   root/<class name>/<anything>.jpg|.jpeg|.png
 *
 * Classes are the sub-folders sorted by name (code-point order, like Python's
 * sorted()), so label k is the k-th folder. Files inside a class are read in
 * sorted order. Images of another size are resized (bilinear, anti-aliased when
 * shrinking) to the requested size; by default, to the size of the first image.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ImageDataset } from './dataset.js';
import { DataError, describeError } from './errors.js';
import { decodeImageFile, isImageFile } from './image-decode.js';
import { resizeUint8 } from './resize.js';

export interface ImageFolderOptions {
  /** Output size: a number for square images, or [height, width]. Default: the first image's size. */
  imageSize?: number | [number, number];
  /** 3 (RGB, default) or 1 (grayscale luma). */
  channels?: 1 | 3;
  /** At most this many images in all, taken round-robin over classes so the classes stay balanced. */
  limit?: number;
  /** At most this many images from each class (the first ones in sorted order). */
  limitPerClass?: number;
}

/** The entries of a folder; an unreadable folder becomes a DataError naming it. */
function readFolder(dir: string): fs.Dirent[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true });
  } catch (error) {
    throw new DataError(dir, `cannot list folder (${describeError(error)})`, { cause: error });
  }
}

/** Sorted names of the sub-folders of `dir` (hidden ones skipped). */
export function listSubfolders(dir: string): string[] {
  return readFolder(dir)
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name)
    .sort(compareCodePoints);
}

/** Sorted image file names (.jpg, .jpeg, .png) inside `dir`. */
export function listImageFiles(dir: string): string[] {
  return readFolder(dir)
    .filter((entry) => entry.isFile() && !entry.name.startsWith('.') && isImageFile(entry.name))
    .map((entry) => entry.name)
    .sort(compareCodePoints);
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The files to read, per class, after applying `limitPerClass` and a balanced `limit`. */
function chooseFiles(perClass: string[][], limit: number, limitPerClass: number): string[][] {
  const capped = perClass.map((files) => files.slice(0, limitPerClass));
  if (!Number.isFinite(limit)) return capped;
  // Round-robin: take file 0 of every class, then file 1 of every class, ... until `limit`.
  const chosen = capped.map(() => [] as string[]);
  let taken = 0;
  for (let round = 0; taken < limit; round++) {
    let tookAny = false;
    for (let k = 0; k < capped.length && taken < limit; k++) {
      const file = capped[k]![round];
      if (file === undefined) continue;
      chosen[k]!.push(file);
      taken++;
      tookAny = true;
    }
    if (!tookAny) break;
  }
  return chosen;
}

/** Reads a whole image folder into memory. */
export function loadImageFolder(root: string, options: ImageFolderOptions = {}): ImageDataset {
  const channels = options.channels ?? 3;
  const classes = listSubfolders(root);
  if (classes.length === 0) {
    throw new DataError(root, 'no class folders: expected root/<class>/*.jpg|*.jpeg|*.png');
  }
  const perClass = classes.map((name) => {
    const dir = path.join(root, name);
    const files = listImageFiles(dir);
    if (files.length === 0) throw new DataError(dir, 'empty class folder: no .jpg, .jpeg or .png files');
    return files.map((file) => path.join(dir, file));
  });
  const chosen = chooseFiles(perClass, options.limit ?? Infinity, options.limitPerClass ?? Infinity);
  const n = chosen.reduce((sum, files) => sum + files.length, 0);

  let height = 0;
  let width = 0;
  if (typeof options.imageSize === 'number') [height, width] = [options.imageSize, options.imageSize];
  else if (options.imageSize) [height, width] = options.imageSize;

  let images = new Uint8Array(0);
  const labels = new Int32Array(n);
  let index = 0;
  for (let k = 0; k < chosen.length; k++) {
    for (const file of chosen[k]!) {
      const decoded = decodeImageFile(file, channels);
      if (height === 0) [height, width] = [decoded.height, decoded.width];
      if (images.length === 0) images = new Uint8Array(n * channels * height * width);
      const sameSize = decoded.height === height && decoded.width === width;
      const pixels = sameSize
        ? decoded.pixels
        : resizeUint8(decoded.pixels, channels, decoded.height, decoded.width, height, width);
      images.set(pixels, index * channels * height * width);
      labels[index] = k;
      index++;
    }
  }
  return { images, labels, n, channels, height, width, classes, source: `image-folder ${root}` };
}
