/**
 * Decoding one JPEG or PNG file into a planar uint8 image [C, H, W].
 *
 * jpeg-js and pngjs do the decoding; anything they throw (or a TypeError from
 * inside them on malformed input) is re-thrown as a DataError naming the file.
 * jpeg-js runs with `tolerantDecoding: false`, so a truncated JPEG is an error
 * and not a silently half-grey picture.
 */
import * as path from 'node:path';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { readFileBytes } from './binary-file.js';
import { DataError, describeError } from './errors.js';

/** File extensions the image-folder reader understands (lower case). */
export const IMAGE_EXTENSIONS = ['.jpg', '.jpeg', '.png'];

/** A decoded image: planar pixels [channels, height, width]. */
export interface DecodedImage {
  pixels: Uint8Array;
  channels: number;
  height: number;
  width: number;
}

/** True when the file name has one of IMAGE_EXTENSIONS (any letter case). */
export function isImageFile(name: string): boolean {
  return IMAGE_EXTENSIONS.includes(path.extname(name).toLowerCase());
}

/**
 * Reads and decodes `file` into `channels` planes: 3 gives R, G, B; 1 gives the
 * ITU-R 601-2 luma L = 0.299 R + 0.587 G + 0.114 B, rounded. Alpha is dropped.
 */
export function decodeImageFile(file: string, channels: 1 | 3 = 3): DecodedImage {
  const bytes = readFileBytes(file);
  let rgba: { data: Uint8Array; width: number; height: number; stride: number };
  try {
    if (path.extname(file).toLowerCase() === '.png') {
      const png = pngjs.PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      rgba = { data: png.data, width: png.width, height: png.height, stride: 4 };
    } else {
      const image = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: false,
        tolerantDecoding: false,
        maxResolutionInMP: 100,
        maxMemoryUsageInMB: 1024,
      });
      rgba = { data: image.data, width: image.width, height: image.height, stride: 3 };
    }
  } catch (error) {
    const kind = path.extname(file).toLowerCase() === '.png' ? 'PNG' : 'JPEG';
    throw new DataError(file, `undecodable ${kind} (${describeError(error)})`, { cause: error });
  }
  const { data, width, height, stride } = rgba;
  if (!(width > 0 && height > 0) || data.length < width * height * stride) {
    throw new DataError(file, `decoder returned an invalid ${width}×${height} image`);
  }
  const plane = width * height;
  const pixels = new Uint8Array(channels * plane);
  for (let p = 0; p < plane; p++) {
    const r = data[p * stride]!;
    const g = data[p * stride + 1]!;
    const b = data[p * stride + 2]!;
    if (channels === 3) {
      pixels[p] = r;
      pixels[plane + p] = g;
      pixels[2 * plane + p] = b;
    } else {
      pixels[p] = Math.round(0.299 * r + 0.587 * g + 0.114 * b); // ITU-R 601-2 luma
    }
  }
  return { pixels, channels, height, width };
}
