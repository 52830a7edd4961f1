/**
 * IDX files, the format of MNIST, Fashion-MNIST, KMNIST and friends.
 *
 * Layout (all integers big-endian):
 *
 *   byte 0, 1   0x00 0x00                      (part of the magic number)
 *   byte 2      data type: 0x08 = unsigned byte (the only one these data sets use)
 *   byte 3      number of dimensions d
 *   then        d × uint32: the size of each dimension
 *   then        the data, row-major, product(dims) elements
 *
 * Images are [N, H, W] (idx3), labels [N] (idx1). Files may be gzipped (`.gz`).
 */
import * as path from 'node:path';
import { gunzipIfNeeded, readFileBytes, readNameList } from './binary-file.js';
import type { ImageDataset } from './dataset.js';
import { idxDataset, parseIdx, type IdxArray } from './idx-format.js';

export { encodeIdx, idxDataset, parseIdx, type IdxArray } from './idx-format.js';

/** Reads and parses one IDX file, gzipped or raw. */
export function readIdxFile(file: string): IdxArray {
  return parseIdx(gunzipIfNeeded(readFileBytes(file), file), file);
}

export interface IdxLoadOptions {
  /** Read only the first `limit` images. */
  limit?: number;
  /** Class names; default: `classes.txt` beside the images file, else '0', '1', ... */
  classes?: string[];
}

/**
 * Loads an images file ([N, H, W]) and its labels file ([N]) into an
 * ImageDataset with C = 1.
 */
export function loadIdx(imagesFile: string, labelsFile: string, options: IdxLoadOptions = {}): ImageDataset {
  return idxDataset(readIdxFile(imagesFile), readIdxFile(labelsFile), { images: imagesFile, labels: labelsFile }, {
    limit: options.limit,
    classes: options.classes ?? readNameList(path.join(path.dirname(imagesFile), 'classes.txt')),
  });
}
