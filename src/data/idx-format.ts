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
 * Images are [N, H, W] (idx3), labels [N] (idx1). This module works on bytes
 * (a browser page parses fetched files with it); idx.ts reads the files,
 * gzipped or raw.
 */
import type { ImageDataset } from './dataset.js';
import { DataError } from './errors.js';

/** IDX data type codes (byte 2 of the magic number) and their names, for error messages. */
const IDX_TYPE_NAMES: Record<number, string> = {
  0x08: 'unsigned byte',
  0x09: 'signed byte',
  0x0b: 'int16',
  0x0c: 'int32',
  0x0d: 'float32',
  0x0e: 'float64',
};
const IDX_UBYTE = 0x08;

/** The parsed content of one IDX file. */
export interface IdxArray {
  /** Size of each dimension, e.g. [60000, 28, 28]. */
  dims: number[];
  /** product(dims) bytes, row-major. */
  data: Uint8Array;
}

/** Parses the bytes of an (already inflated) IDX file; `file` names it in errors. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  if (bytes.length < 4) throw new DataError(file, `too short for an IDX header (${bytes.length} bytes)`);
  const magic = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  const magicHex = `0x${magic.toString(16).padStart(8, '0')}`;
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataError(file, `wrong magic number ${magicHex}: an IDX file starts with two zero bytes`);
  }
  const typeCode = bytes[2]!;
  if (typeCode !== IDX_UBYTE) {
    const typeName = IDX_TYPE_NAMES[typeCode] ?? 'unknown';
    throw new DataError(
      file,
      `wrong magic number ${magicHex}: data type 0x${typeCode.toString(16)} (${typeName}) ` +
        `is not supported, only unsigned byte (0x08)`,
    );
  }
  const rank = bytes[3]!;
  if (rank === 0) throw new DataError(file, `wrong magic number ${magicHex}: zero dimensions`);
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < headerBytes) {
    throw new DataError(file, `truncated header: ${rank} dimensions need ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const expected = dims.reduce((a, b) => a * b, 1);
  const actual = bytes.length - headerBytes;
  if (actual < expected) {
    throw new DataError(
      file,
      `truncated: header says ${dims.join('×')} = ${expected} bytes of data, file has ${actual}`,
    );
  }
  if (actual > expected) {
    throw new DataError(file, `${actual - expected} unexpected bytes after the ${dims.join('×')} data`);
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Encodes an unsigned-byte IDX file (the inverse of `parseIdx`); used to write
 * the bundled subset and test fixtures.
 */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const expected = dims.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new Error(`encodeIdx: ${dims.join('×')} needs ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * dims.length + data.length);
  const view = new DataView(out.buffer);
  out[2] = IDX_UBYTE;
  out[3] = dims.length;
  dims.forEach((size, d) => view.setUint32(4 + 4 * d, size, false));
  out.set(data, 4 + 4 * dims.length);
  return out;
}

/**
 * An ImageDataset (C = 1) from a parsed images file ([N, H, W]) and its labels
 * file ([N]); `files` names them in errors, `classes` are the class names
 * (default '0', '1', ...), `limit` keeps the first images only.
 */
export function idxDataset(
  images: IdxArray,
  labels: IdxArray,
  files: { images: string; labels: string },
  options: { limit?: number; classes?: string[] | null } = {},
): ImageDataset {
  const imagesFile = files.images;
  const labelsFile = files.labels;
  if (images.dims.length !== 3) {
    throw new DataError(imagesFile, `expected images of shape [N, H, W], found ${images.dims.length} dimensions`);
  }
  if (labels.dims.length !== 1) {
    throw new DataError(labelsFile, `expected labels of shape [N], found ${labels.dims.length} dimensions`);
  }
  const [count, height, width] = images.dims as [number, number, number];
  if (labels.dims[0] !== count) {
    throw new DataError(labelsFile, `has ${labels.dims[0]} labels but ${imagesFile} has ${count} images`);
  }
  const n = Math.min(count, options.limit ?? count);
  const classes = options.classes ?? null;
  const labelArray = new Int32Array(n);
  let maxLabel = 0;
  for (let i = 0; i < n; i++) {
    const label = labels.data[i]!;
    if (classes && label >= classes.length) {
      throw new DataError(labelsFile, `label ${label} of item ${i} is out of range 0..${classes.length - 1}`);
    }
    labelArray[i] = label;
    maxLabel = Math.max(maxLabel, label);
  }
  const classNames = classes ?? Array.from({ length: Math.max(10, maxLabel + 1) }, (_, k) => String(k));
  return {
    images: images.data.slice(0, n * height * width),
    labels: labelArray,
    n,
    channels: 1,
    height,
    width,
    classes: classNames,
    source: `idx ${imagesFile}`,
  };
}
