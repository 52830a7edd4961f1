import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCifar10, readCifar10Batch } from '../../src/data/cifar.js';
import { checkDataset, classCounts, imageAt, subsetDataset } from '../../src/data/dataset.js';
import { encodeIdx, loadIdx, parseIdx } from '../../src/data/idx.js';
import { loadStl10 } from '../../src/data/stl10.js';
import { cifarRecords, makeTempDir, patternBytes, removeDir, stl10Bytes, writeIdxFixture } from './fixtures.js';

let dir: string;
beforeAll(() => {
  dir = makeTempDir();
});
afterAll(() => removeDir(dir));

describe('IDX', () => {
  it('encodes and parses a header with big-endian dimensions', () => {
    const data = patternBytes(2 * 3 * 4);
    const bytes = encodeIdx([2, 3, 4], data);
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0, 0, 8, 3, 0, 0, 0, 2]);
    const parsed = parseIdx(bytes, 'x.idx');
    expect(parsed.dims).toEqual([2, 3, 4]);
    expect(parsed.data).toEqual(data);
  });

  it.each([true, false])('reads images and labels back exactly (gzip %s)', (gzip) => {
    const sub = path.join(dir, `idx-${gzip}`);
    fs.mkdirSync(sub);
    const images = patternBytes(5 * 7 * 6, 3);
    const labels = Uint8Array.from([3, 0, 9, 1, 2]);
    const { imagesFile, labelsFile } = writeIdxFixture(sub, 'train', images, labels, [7, 6], gzip);
    const ds = loadIdx(imagesFile, labelsFile);
    checkDataset(ds);
    expect([ds.n, ds.channels, ds.height, ds.width]).toEqual([5, 1, 7, 6]);
    expect(ds.images).toEqual(images);
    expect(Array.from(ds.labels)).toEqual([3, 0, 9, 1, 2]);
    expect(ds.classes).toHaveLength(10);
    const limited = loadIdx(imagesFile, labelsFile, { limit: 2 });
    expect(limited.n).toBe(2);
    expect(limited.images).toEqual(images.subarray(0, 2 * 42));
  });

  it('takes class names from classes.txt beside the images', () => {
    const sub = path.join(dir, 'idx-names');
    fs.mkdirSync(sub);
    const { imagesFile, labelsFile } = writeIdxFixture(sub, 'train', patternBytes(2 * 4), Uint8Array.from([0, 2]), [2, 2]);
    fs.writeFileSync(path.join(sub, 'classes.txt'), 'a\nb\nc\n');
    expect(loadIdx(imagesFile, labelsFile).classes).toEqual(['a', 'b', 'c']);
  });
});

describe('CIFAR-10 binary', () => {
  const n = 3;
  const images = patternBytes(n * 3072, 5);
  const labels = [7, 0, 9];

  it('drops the label byte and keeps the R, G, B planes in order', () => {
    const file = path.join(dir, 'one_batch.bin');
    fs.writeFileSync(file, cifarRecords(images, labels));
    const batch = readCifar10Batch(file);
    expect(batch.n).toBe(3);
    expect(Array.from(batch.labels)).toEqual(labels);
    expect(batch.images).toEqual(images);
    // pixel (c=1 green, y=2, x=5) of image 1 sits at record byte 1 + 1024 + 2·32 + 5
    const record1 = cifarRecords(images, labels).subarray(3073, 2 * 3073);
    expect(batch.images[3072 + 1024 + 2 * 32 + 5]).toBe(record1[1 + 1024 + 2 * 32 + 5]);
  });

  it('loads train (5 batches) and test splits from a folder, with a limit', () => {
    const sub = path.join(dir, 'cifar');
    fs.mkdirSync(sub);
    for (let k = 1; k <= 5; k++) {
      const batchImages = patternBytes(2 * 3072, 10 + k);
      fs.writeFileSync(path.join(sub, `data_batch_${k}.bin`), cifarRecords(batchImages, [k, k + 1]));
    }
    fs.writeFileSync(path.join(sub, 'test_batch.bin'), cifarRecords(images, labels));
    const train = loadCifar10(sub, { split: 'train' });
    checkDataset(train);
    expect(train.n).toBe(10);
    expect(Array.from(train.labels)).toEqual([1, 2, 2, 3, 3, 4, 4, 5, 5, 6]);
    expect(imageAt(train, 2)).toEqual(patternBytes(2 * 3072, 12).subarray(0, 3072));
    expect(train.classes[0]).toBe('airplane');
    const test = loadCifar10(sub, { split: 'test' });
    expect(test.images).toEqual(images);
    expect(loadCifar10(sub, { split: 'train', limit: 3 }).n).toBe(3);
  });
});

describe('STL-10 binary', () => {
  const n = 2;
  const rowMajor = patternBytes(n * 3 * 96 * 96, 9);

  it('transposes the column-major planes and shifts labels 1..10 to 0..9', () => {
    const sub = path.join(dir, 'stl');
    fs.mkdirSync(sub);
    fs.writeFileSync(path.join(sub, 'train_X.bin'), stl10Bytes(rowMajor, n));
    fs.writeFileSync(path.join(sub, 'train_y.bin'), Uint8Array.from([1, 10]));
    fs.writeFileSync(path.join(sub, 'unlabeled_X.bin'), stl10Bytes(rowMajor, n));
    const ds = loadStl10(sub, { split: 'train' });
    checkDataset(ds);
    expect([ds.n, ds.channels, ds.height, ds.width]).toEqual([2, 3, 96, 96]);
    expect(ds.images).toEqual(rowMajor);
    expect(Array.from(ds.labels)).toEqual([0, 9]);
    // on disk, (c=2, x=3, y=40) of image 1 is at 27648 + 2·9216 + 3·96 + 40; in memory at row 40, column 3
    const onDisk = stl10Bytes(rowMajor, n);
    expect(ds.images[27648 + 2 * 9216 + 40 * 96 + 3]).toBe(onDisk[27648 + 2 * 9216 + 3 * 96 + 40]);

    const unlabeled = loadStl10(sub, { split: 'unlabeled', limit: 1 });
    expect(unlabeled.n).toBe(1);
    expect(Array.from(unlabeled.labels)).toEqual([-1]);
    expect(unlabeled.images).toEqual(rowMajor.subarray(0, 27648));
  });
});

describe('dataset helpers', () => {
  it('subsets and counts classes', () => {
    const ds = {
      images: Uint8Array.from([1, 2, 3, 4, 5, 6]),
      labels: Int32Array.from([0, 1, 1]),
      n: 3,
      channels: 1,
      height: 1,
      width: 2,
      classes: ['a', 'b'],
      source: 'test',
    };
    expect(classCounts(ds)).toEqual([1, 2]);
    const sub = subsetDataset(ds, [2, 0]);
    expect(Array.from(sub.images)).toEqual([5, 6, 1, 2]);
    expect(Array.from(sub.labels)).toEqual([1, 0]);
    expect(() => checkDataset({ ...ds, labels: Int32Array.from([0, 2, 1]) })).toThrow(/label 2/);
  });
});
