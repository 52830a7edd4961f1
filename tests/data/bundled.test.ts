import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLED_DATA_DIR, FASHION_MNIST_CLASSES, loadBundledDataset } from '../../src/data/bundled.js';
import { checkDataset, classCounts } from '../../src/data/dataset.js';
import { loadDataset } from '../../src/data/detect.js';
import { balancedSubsetIndices } from '../../src/data/make-subset.js';
import { Rng } from '../../src/tensor/random.js';

describe('bundled Fashion-MNIST subset', () => {
  it('ships its files, licence and readme', () => {
    for (const name of ['train-images-idx3-ubyte.gz', 't10k-labels-idx1-ubyte.gz', 'LICENSE', 'README.md', 'classes.txt']) {
      expect(fs.existsSync(path.join(BUNDLED_DATA_DIR, name)), name).toBe(true);
    }
  });

  it('loads 10 balanced classes of 1×28×28 images', () => {
    const train = loadBundledDataset('train');
    checkDataset(train);
    expect([train.n, train.channels, train.height, train.width]).toEqual([10000, 1, 28, 28]);
    expect(train.classes).toEqual(FASHION_MNIST_CLASSES);
    expect(classCounts(train)).toEqual(new Array(10).fill(1000));
    const test = loadDataset(BUNDLED_DATA_DIR, { split: 'test' });
    expect(test.n).toBe(2000);
    expect(classCounts(test)).toEqual(new Array(10).fill(200));
  });
});

describe('balancedSubsetIndices', () => {
  it('takes perClass of each class, sorted, deterministic in the seed', () => {
    const labels = Int32Array.from({ length: 100 }, (_, i) => (i * 7) % 3);
    const a = balancedSubsetIndices(labels, 5, 3, new Rng(1));
    expect(a).toHaveLength(15);
    expect(Array.from(a)).toEqual(Array.from(a).sort((x, y) => x - y));
    expect([0, 1, 2].map((k) => Array.from(a).filter((i) => labels[i] === k).length)).toEqual([5, 5, 5]);
    expect(balancedSubsetIndices(labels, 5, 3, new Rng(1))).toEqual(a);
    expect(() => balancedSubsetIndices(labels, 50, 3, new Rng(1))).toThrow(/class 0 has only/);
  });
});
