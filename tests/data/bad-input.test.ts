/**
 * Bad data must fail loudly and helpfully: a DataError whose message names the
 * file and says what is wrong. Never a deep decoder crash, never wrong data.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCifar10Batch } from '../../src/data/cifar.js';
import { loadDataset } from '../../src/data/detect.js';
import { DataError } from '../../src/data/errors.js';
import { encodeIdx, loadIdx, readIdxFile } from '../../src/data/idx.js';
import { decodeImageFile } from '../../src/data/image-decode.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { loadStl10 } from '../../src/data/stl10.js';
import {
  cifarRecords,
  encodeJpeg,
  encodePng,
  makeTempDir,
  patternBytes,
  removeDir,
  smoothImage,
  writeIdxFixture,
} from './fixtures.js';
import { gzipSync } from 'node:zlib';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** Runs `read` and returns the DataError it must throw, checking the message names `file` and matches `problem`. */
function expectDataError(read: () => unknown, file: string, problem: RegExp): DataError {
  let thrown: unknown = undefined;
  try {
    read();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, 'expected a DataError').toBeInstanceOf(DataError);
  const error = thrown as DataError;
  expect(error.message).toContain(file);
  expect(error.message).toMatch(problem);
  return error;
}

function write(name: string, bytes: Uint8Array | string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}

describe('IDX errors', () => {
  const valid = encodeIdx([2, 3, 3], patternBytes(18));

  it('wrong magic number', () => {
    const bytes = valid.slice();
    bytes[1] = 8;
    expectDataError(() => readIdxFile(write('magic.idx', bytes)), 'magic.idx', /wrong magic number 0x00080803/);
    bytes[1] = 0;
    bytes[2] = 0x0d;
    expectDataError(() => readIdxFile(write('float.idx', bytes)), 'float.idx', /float32.*not supported/);
  });

  it('truncated data and header, extra bytes, broken gzip', () => {
    expectDataError(() => readIdxFile(write('cut.idx', valid.subarray(0, 20))), 'cut.idx', /truncated: header says 2×3×3 = 18/);
    expectDataError(() => readIdxFile(write('hdr.idx', valid.subarray(0, 9))), 'hdr.idx', /truncated header/);
    expectDataError(() => readIdxFile(write('long.idx', Uint8Array.from([...valid, 1]))), 'long.idx', /1 unexpected bytes/);
    const gz = gzipSync(valid);
    expectDataError(() => readIdxFile(write('cut.idx.gz', gz.subarray(0, gz.length - 6))), 'cut.idx.gz', /gzip/);
    expectDataError(() => readIdxFile(write('plain.gz', valid)), 'plain.gz', /named \.gz/);
  });

  it('label out of range and count mismatch', () => {
    const sub = path.join(dir, 'idx-labels');
    fs.mkdirSync(sub);
    const { imagesFile, labelsFile } = writeIdxFixture(sub, 'train', patternBytes(2 * 4), Uint8Array.from([0, 3]), [2, 2]);
    fs.writeFileSync(path.join(sub, 'classes.txt'), 'a\nb\nc\n');
    expectDataError(() => loadIdx(imagesFile, labelsFile), labelsFile, /label 3 of item 1 is out of range 0\.\.2/);
    const other = write('idx-labels/three-labels.gz', gzipSync(encodeIdx([3], Uint8Array.from([0, 1, 2]))));
    expectDataError(() => loadIdx(imagesFile, other), other, /has 3 labels but .* has 2 images/);
  });
});

describe('CIFAR-10 errors', () => {
  const valid = cifarRecords(patternBytes(2 * 3072), [1, 2]);

  it('truncated record, empty file, label out of range', () => {
    const cut = write('cut_batch.bin', valid.subarray(0, 5000));
    expectDataError(() => readCifar10Batch(cut), cut, /truncated record: size 5000 is not a multiple of the 3073-byte/);
    const empty = write('empty_batch.bin', new Uint8Array(0));
    expectDataError(() => readCifar10Batch(empty), empty, /empty file/);
    const bad = valid.slice();
    bad[3073] = 10;
    const badFile = write('label_batch.bin', bad);
    expectDataError(() => readCifar10Batch(badFile), badFile, /label 10 of record 1 is out of range 0\.\.9/);
  });
});

describe('STL-10 errors', () => {
  it('truncated image, label count and range', () => {
    const sub = path.join(dir, 'stl-bad');
    fs.mkdirSync(sub);
    const images = path.join(sub, 'train_X.bin');
    fs.writeFileSync(images, patternBytes(27648 + 100));
    expectDataError(() => loadStl10(sub, { split: 'train' }), images, /truncated record/);
    fs.writeFileSync(images, patternBytes(2 * 27648));
    const labels = path.join(sub, 'train_y.bin');
    fs.writeFileSync(labels, Uint8Array.from([1]));
    expectDataError(() => loadStl10(sub, { split: 'train' }), labels, /has 1 labels but the images file has 2/);
    fs.writeFileSync(labels, Uint8Array.from([1, 0]));
    expectDataError(() => loadStl10(sub, { split: 'train' }), labels, /label 0 of image 1 is out of range 1\.\.10/);
    expectDataError(() => loadStl10(sub, { split: 'test' }), path.join(sub, 'test_X.bin'), /missing/);
  });
});

describe('image folder errors', () => {
  it('undecodable and truncated JPEG, undecodable PNG', () => {
    const junk = write('junk.jpg', patternBytes(300));
    expectDataError(() => decodeImageFile(junk), junk, /undecodable JPEG/);
    const jpeg = encodeJpeg(smoothImage(16, 16), 16, 16);
    const cut = write('cut.jpg', jpeg.subarray(0, jpeg.length - 40));
    expectDataError(() => decodeImageFile(cut), cut, /undecodable JPEG/);
    const png = encodePng(smoothImage(8, 8), 8, 8);
    const cutPng = write('cut.png', png.subarray(0, png.length - 20));
    expectDataError(() => decodeImageFile(cutPng), cutPng, /undecodable PNG/);
  });

  it('empty class folder, no class folders, bad file inside a folder', () => {
    const root = path.join(dir, 'folder-bad');
    fs.mkdirSync(path.join(root, 'cat'), { recursive: true });
    fs.mkdirSync(path.join(root, 'dog'), { recursive: true });
    fs.writeFileSync(path.join(root, 'cat', '0.png'), encodePng(smoothImage(4, 4), 4, 4));
    fs.writeFileSync(path.join(root, 'dog', 'readme.txt'), 'not an image');
    expectDataError(() => loadImageFolder(root), path.join(root, 'dog'), /empty class folder/);
    fs.writeFileSync(path.join(root, 'dog', '0.jpg'), 'not a jpeg');
    expectDataError(() => loadImageFolder(root), path.join(root, 'dog', '0.jpg'), /undecodable JPEG/);
    const flat = path.join(dir, 'flat');
    fs.mkdirSync(flat);
    expectDataError(() => loadImageFolder(flat), flat, /no class folders/);
  });

  it('loadDataset passes the reader errors through', () => {
    const sub = path.join(dir, 'det-bad');
    fs.mkdirSync(sub);
    const file = path.join(sub, 'test_batch.bin');
    fs.writeFileSync(file, patternBytes(100));
    expectDataError(() => loadDataset(sub, { split: 'test' }), file, /truncated record/);
  });
});
