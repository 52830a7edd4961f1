/**
 * Small fixture files of every format, written into a temporary folder by the
 * tests themselves (no downloads, nothing from the shared data folder beside the repository).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import pngjs from 'pngjs';
import { encodeIdx } from '../../src/data/idx.js';

/** A fresh temporary folder; remove it with `removeDir`. */
export function makeTempDir(prefix = 'lpl-data-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Deterministic pseudo-random bytes (a linear congruential generator), so fixtures are reproducible. */
export function patternBytes(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed >>> 0;
  for (let i = 0; i < length; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Writes an IDX images/labels pair (gzipped or raw) with the MNIST names for `prefix` (train or t10k). */
export function writeIdxFixture(
  dir: string,
  prefix: string,
  images: Uint8Array,
  labels: Uint8Array,
  side: [number, number],
  gzip = true,
): { imagesFile: string; labelsFile: string } {
  const n = labels.length;
  const imageBytes = encodeIdx([n, side[0], side[1]], images);
  const labelBytes = encodeIdx([n], labels);
  const ext = gzip ? '.gz' : '';
  const imagesFile = path.join(dir, `${prefix}-images-idx3-ubyte${ext}`);
  const labelsFile = path.join(dir, `${prefix}-labels-idx1-ubyte${ext}`);
  fs.writeFileSync(imagesFile, gzip ? gzipSync(imageBytes) : imageBytes);
  fs.writeFileSync(labelsFile, gzip ? gzipSync(labelBytes) : labelBytes);
  return { imagesFile, labelsFile };
}

/** CIFAR-10 records: label byte then the planar [3, 32, 32] image. */
export function cifarRecords(images: Uint8Array, labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  labels.forEach((label, i) => {
    out[i * 3073] = label;
    out.set(images.subarray(i * 3072, (i + 1) * 3072), i * 3073 + 1);
  });
  return out;
}

/** An STL-10 images file: each row-major [3, 96, 96] image stored with column-major planes. */
export function stl10Bytes(rowMajorImages: Uint8Array, n: number): Uint8Array {
  const side = 96;
  const out = new Uint8Array(n * 3 * side * side);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const base = (i * 3 + c) * side * side;
          out[base + x * side + y] = rowMajorImages[base + y * side + x]!;
        }
      }
    }
  }
  return out;
}

/** Interleaved RGBA pixels of a planar RGB image [3, H, W] (alpha 255). */
function toRgba(planar: Uint8Array, height: number, width: number): Buffer {
  const plane = height * width;
  const rgba = Buffer.alloc(plane * 4);
  for (let p = 0; p < plane; p++) {
    rgba[4 * p] = planar[p]!;
    rgba[4 * p + 1] = planar[plane + p]!;
    rgba[4 * p + 2] = planar[2 * plane + p]!;
    rgba[4 * p + 3] = 255;
  }
  return rgba;
}

/** PNG bytes of a planar RGB image (lossless). */
export function encodePng(planar: Uint8Array, height: number, width: number): Buffer {
  const png = new pngjs.PNG({ width, height });
  png.data = toRgba(planar, height, width);
  return pngjs.PNG.sync.write(png);
}

/** JPEG bytes of a planar RGB image (lossy). */
export function encodeJpeg(planar: Uint8Array, height: number, width: number, quality = 95): Buffer {
  return jpeg.encode({ data: toRgba(planar, height, width), width, height }, quality).data;
}

/** A smooth planar RGB test image (smooth so JPEG keeps it close). */
export function smoothImage(height: number, width: number, phase = 0): Uint8Array {
  const out = new Uint8Array(3 * height * width);
  for (let c = 0; c < 3; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = 128 + 100 * Math.sin((x + 2 * y) / 9 + c + phase);
        out[(c * height + y) * width + x] = Math.round(v);
      }
    }
  }
  return out;
}
