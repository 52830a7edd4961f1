import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkDataset, classCounts } from '../../src/data/dataset.js';
import { loadDataset, detectDataset } from '../../src/data/detect.js';
import { decodeImageFile } from '../../src/data/image-decode.js';
import { loadImageFolder } from '../../src/data/image-folder.js';
import { encodeIdx } from '../../src/data/idx.js';
import {
  cifarRecords,
  encodeJpeg,
  encodePng,
  makeTempDir,
  patternBytes,
  removeDir,
  smoothImage,
  stl10Bytes,
  writeIdxFixture,
} from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

/** root/<class>/<k>.<ext> with smooth 8×8 images; returns the planar pixels written, per class. */
function writeFolder(root: string, classes: string[], perClass: number, ext: 'png' | 'jpg', side = 8): Uint8Array[][] {
  return classes.map((name, k) => {
    fs.mkdirSync(path.join(root, name), { recursive: true });
    return Array.from({ length: perClass }, (_, i) => {
      const pixels = smoothImage(side, side, k + i / 3);
      const bytes = ext === 'png' ? encodePng(pixels, side, side) : encodeJpeg(pixels, side, side);
      fs.writeFileSync(path.join(root, name, `${String(i).padStart(3, '0')}.${ext}`), bytes);
      return pixels;
    });
  });
}

describe('decodeImageFile', () => {
  it('decodes a PNG exactly into planar RGB, and to luma for 1 channel', () => {
    const pixels = patternBytes(3 * 5 * 4, 2);
    const file = path.join(dir, 'a.png');
    fs.writeFileSync(file, encodePng(pixels, 5, 4));
    const rgb = decodeImageFile(file);
    expect([rgb.channels, rgb.height, rgb.width]).toEqual([3, 5, 4]);
    expect(rgb.pixels).toEqual(pixels);
    const gray = decodeImageFile(file, 1);
    expect(gray.pixels[0]).toBe(Math.round(0.299 * pixels[0]! + 0.587 * pixels[20]! + 0.114 * pixels[40]!));
  });

  it('decodes a JPEG close to what was encoded', () => {
    const pixels = smoothImage(16, 16);
    const file = path.join(dir, 'a.jpg');
    fs.writeFileSync(file, encodeJpeg(pixels, 16, 16, 100));
    const decoded = decodeImageFile(file);
    let maxError = 0;
    for (let i = 0; i < pixels.length; i++) maxError = Math.max(maxError, Math.abs(decoded.pixels[i]! - pixels[i]!));
    expect(maxError).toBeLessThan(12);
  });
});

describe('loadImageFolder', () => {
  it('sorts classes by name, reads PNGs exactly and JPEGs closely', () => {
    const root = path.join(dir, 'png-root');
    const written = writeFolder(root, ['zebra', 'ant', 'mole'], 2, 'png');
    fs.writeFileSync(path.join(root, 'ant', 'notes.txt'), 'ignored');
    const ds = loadImageFolder(root);
    checkDataset(ds);
    expect(ds.classes).toEqual(['ant', 'mole', 'zebra']);
    expect([ds.n, ds.channels, ds.height, ds.width]).toEqual([6, 3, 8, 8]);
    expect(Array.from(ds.labels)).toEqual([0, 0, 1, 1, 2, 2]);
    expect(ds.images.subarray(0, 192)).toEqual(written[1]![0]); // 'ant' was written second
    expect(ds.images.subarray(5 * 192)).toEqual(written[0]![1]); // last image: zebra/001
  });

  it('resizes other sizes, and limits per class and in total (balanced)', () => {
    const root = path.join(dir, 'jpg-root');
    writeFolder(root, ['a', 'b'], 3, 'jpg', 12);
    const ds = loadImageFolder(root, { imageSize: 6 });
    expect([ds.n, ds.height, ds.width]).toEqual([6, 6, 6]);
    expect(loadImageFolder(root, { limitPerClass: 1 }).n).toBe(2);
    const limited = loadImageFolder(root, { limit: 3 });
    expect(classCounts(limited)).toEqual([2, 1]);
  });
});

describe('loadDataset detection', () => {
  it('recognises each format by its files, and an explicit format overrides', () => {
    const idx = path.join(dir, 'det-idx');
    fs.mkdirSync(idx);
    writeIdxFixture(idx, 'train', patternBytes(2 * 16), Uint8Array.from([1, 2]), [4, 4]);
    writeIdxFixture(idx, 't10k', patternBytes(16), Uint8Array.from([3]), [4, 4], false);
    expect(detectDataset(idx).format).toBe('idx');
    expect(loadDataset(idx, { split: 'train' }).n).toBe(2);
    expect(Array.from(loadDataset(idx, { split: 'test' }).labels)).toEqual([3]);
    expect(loadDataset(path.join(idx, 'train-images-idx3-ubyte.gz'), { split: 'train' }).n).toBe(2);

    const cifar = path.join(dir, 'det-cifar', 'cifar-10-batches-bin');
    fs.mkdirSync(cifar, { recursive: true });
    fs.writeFileSync(path.join(cifar, 'test_batch.bin'), cifarRecords(patternBytes(3072), [4]));
    expect(detectDataset(path.dirname(cifar))).toEqual({ format: 'cifar10', dir: cifar });
    const cifarTest = loadDataset(path.dirname(cifar), { split: 'test', imageSize: 16 });
    expect([cifarTest.n, cifarTest.height, cifarTest.labels[0]]).toEqual([1, 16, 4]);
    expect(() => loadDataset(path.dirname(cifar), { split: 'train' })).toThrow(/data_batch_1\.bin/);

    const stl = path.join(dir, 'det-stl');
    fs.mkdirSync(stl);
    fs.writeFileSync(path.join(stl, 'test_X.bin'), stl10Bytes(patternBytes(27648), 1));
    fs.writeFileSync(path.join(stl, 'test_y.bin'), Uint8Array.from([2]));
    expect(detectDataset(stl).format).toBe('stl10');
    expect(loadDataset(stl, { split: 'test' }).labels[0]).toBe(1);

    const folder = path.join(dir, 'det-folder');
    writeFolder(path.join(folder, 'train'), ['x', 'y'], 2, 'png');
    writeFolder(path.join(folder, 'test'), ['x', 'y'], 1, 'png');
    expect(detectDataset(folder).format).toBe('image-folder');
    expect(loadDataset(folder, { split: 'train' }).n).toBe(4);
    expect(loadDataset(folder, { split: 'test' }).n).toBe(2);
    expect(loadDataset(path.join(folder, 'train'), { split: 'test' }).n).toBe(4); // a class root is used as given
    expect(() => loadDataset(folder, { split: 'train', format: 'cifar10' })).toThrow(/no data set recognised/);
  });

  it('says what it looked for when nothing is recognised', () => {
    const empty = path.join(dir, 'nothing');
    fs.mkdirSync(empty);
    fs.writeFileSync(path.join(empty, 'readme.txt'), 'hello');
    expect(() => loadDataset(empty, { split: 'train' })).toThrow(
      new RegExp(`${empty}: no data set recognised: looked for IDX files .*CIFAR-10.*STL-10.*class folders`),
    );
    expect(() => loadDataset(path.join(dir, 'missing'), { split: 'train' })).toThrow(/missing: no such file or folder/);
    const stray = path.join(dir, 'stray.idx');
    fs.writeFileSync(stray, encodeIdx([1], Uint8Array.from([1])));
    expect(() => loadDataset(stray, { split: 'train' })).toThrow(/stray\.idx: not a recognised data file/);
  });
});
