/**
 * Fuzzing every reader with random and truncated bytes: each call either
 * returns consistent data or throws a DataError naming the file. Never a hang,
 * a crash deep in a decoder, or a thrown non-Error.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifar10Batch } from '../../src/data/cifar.js';
import { checkDataset } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/detect.js';
import { DataError } from '../../src/data/errors.js';
import { encodeIdx, readIdxFile } from '../../src/data/idx.js';
import { decodeImageFile } from '../../src/data/image-decode.js';
import { loadStl10 } from '../../src/data/stl10.js';
import { cifarRecords, encodeJpeg, encodePng, makeTempDir, patternBytes, removeDir, smoothImage } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir('lpl-fuzz-');
});
afterAll(() => removeDir(dir));

const RUNS = 60;

/**
 * Runs `read` on `file` holding `bytes`. Returns 'ok' or 'error'; fails the test
 * on anything thrown that is not a DataError naming the file.
 */
function outcome(file: string, bytes: Uint8Array, read: (file: string) => unknown): 'ok' | 'error' {
  fs.writeFileSync(file, bytes);
  try {
    read(file);
    return 'ok';
  } catch (error) {
    if (!(error instanceof DataError)) {
      throw new Error(`non-DataError thrown for ${file}: ${String(error)}`, { cause: error });
    }
    expect(error.message.startsWith(file)).toBe(true);
    return 'error';
  }
}

/** Random bytes, mostly short, sometimes starting with a plausible header. */
const randomBytes = (prefix: number[] = []) =>
  fc
    .tuple(fc.boolean(), fc.uint8Array({ maxLength: 4000 }))
    .map(([withPrefix, rest]) => (withPrefix ? Uint8Array.from([...prefix, ...rest]) : rest));

/** All the prefixes of `bytes` at `count` cut points spread over its length. */
function cutPoints(length: number, count: number): number[] {
  return Array.from({ length: count }, (_, k) => Math.floor((k * length) / count));
}

describe('fuzz', () => {
  it('IDX: random bytes (raw and .gz) and every truncation', () => {
    const file = path.join(dir, 'fuzz-idx3-ubyte');
    fc.assert(
      fc.property(randomBytes([0, 0, 8, 3]), (bytes) => {
        if (outcome(file, bytes, readIdxFile) === 'ok') {
          const parsed = readIdxFile(file);
          expect(parsed.data.length).toBe(parsed.dims.reduce((a, b) => a * b, 1));
        }
        outcome(`${file}.gz`, bytes, readIdxFile);
      }),
      { numRuns: RUNS },
    );
    const valid = encodeIdx([3, 5, 5], patternBytes(75));
    const gz = gzipSync(valid);
    for (const cut of cutPoints(valid.length, 40)) expect(outcome(file, valid.subarray(0, cut), readIdxFile)).toBe('error');
    for (const cut of cutPoints(gz.length, 40)) expect(outcome(`${file}.gz`, gz.subarray(0, cut), readIdxFile)).toBe('error');
  });

  it('CIFAR-10: random bytes and truncations that are not whole records', () => {
    const file = path.join(dir, 'fuzz_batch.bin');
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 7000 }), (bytes) => {
        if (outcome(file, bytes, readCifar10Batch) === 'ok') expect(bytes.length % 3073).toBe(0);
      }),
      { numRuns: RUNS },
    );
    const valid = cifarRecords(patternBytes(2 * 3072), [3, 4]);
    for (const cut of cutPoints(valid.length, 50)) {
      if (cut % 3073 !== 0 || cut === 0) expect(outcome(file, valid.subarray(0, cut), readCifar10Batch)).toBe('error');
    }
  });

  it('STL-10: random and truncated images and labels files', () => {
    const sub = path.join(dir, 'stl');
    fs.mkdirSync(sub, { recursive: true });
    const imagesFile = path.join(sub, 'train_X.bin');
    const labelsFile = path.join(sub, 'train_y.bin');
    const read = () => loadStl10(sub, { split: 'train' });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 30000 }), fc.uint8Array({ maxLength: 4 }), (images, labels) => {
        fs.writeFileSync(labelsFile, labels);
        fs.writeFileSync(imagesFile, images);
        try {
          checkDataset(read());
        } catch (error) {
          expect(error).toBeInstanceOf(DataError);
          const message = (error as DataError).message;
          expect(message.startsWith(imagesFile) || message.startsWith(labelsFile)).toBe(true);
        }
      }),
      { numRuns: 30 },
    );
    fs.writeFileSync(labelsFile, Uint8Array.from([1, 2]));
    const valid = patternBytes(2 * 27648);
    for (const cut of cutPoints(valid.length, 12)) {
      if (cut !== 27648) expect(outcome(imagesFile, valid.subarray(0, cut), read)).toBe('error');
    }
  });

  it('JPEG and PNG: random bytes, corrupted and truncated files', () => {
    const jpegFile = path.join(dir, 'fuzz.jpg');
    const pngFile = path.join(dir, 'fuzz.png');
    const jpeg = encodeJpeg(smoothImage(16, 16), 16, 16);
    const png = encodePng(smoothImage(16, 16), 16, 16);
    const corrupt = (bytes: Uint8Array) =>
      fc
        .array(fc.tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 })
        .map((edits) => {
          const copy = Uint8Array.from(bytes);
          for (const [at, value] of edits) copy[at] = value;
          return copy;
        });
    fc.assert(
      fc.property(randomBytes([0xff, 0xd8, 0xff]), corrupt(jpeg), (random, corrupted) => {
        outcome(jpegFile, random, decodeImageFile);
        outcome(jpegFile, corrupted, decodeImageFile);
      }),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(randomBytes([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), corrupt(png), (random, corrupted) => {
        outcome(pngFile, random, decodeImageFile);
        outcome(pngFile, corrupted, decodeImageFile);
      }),
      { numRuns: RUNS },
    );
    for (const cut of cutPoints(jpeg.length, 40)) expect(outcome(jpegFile, jpeg.subarray(0, cut), decodeImageFile)).toBe('error');
    for (const cut of cutPoints(png.length, 40)) expect(outcome(pngFile, png.subarray(0, cut), decodeImageFile)).toBe('error');
  });

  it('loadDataset: random bytes under every recognised name', () => {
    const names = ['train-images-idx3-ubyte.gz', 'data_batch_1.bin', 'train_X.bin'];
    names.forEach((name, k) => {
      const sub = path.join(dir, `detect-${k}`);
      fs.mkdirSync(sub, { recursive: true });
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 5000 }), (bytes) => {
          fs.writeFileSync(path.join(sub, name), bytes);
          try {
            checkDataset(loadDataset(sub, { split: 'train' }));
          } catch (error) {
            expect(error).toBeInstanceOf(DataError);
            expect((error as DataError).message.startsWith(sub)).toBe(true);
          }
        }),
        { numRuns: 20 },
      );
    });
  });
});
