/**
 * Makes the bundled data set: a balanced, seeded subset of Fashion-MNIST.
 *
 * Usage (the source folder holds the four original .gz IDX files, e.g. from
 * Debian's dataset-fashion-mnist package, see data/fashion-mnist/README.md):
 *
 *   npx tsx src/data/make-subset.ts /tmp/fm/usr/share/datasets/fashion-mnist [outDir]
 *
 * For each class, the indices of its images are shuffled with a seeded Rng
 * and the first `perClass` are kept; the kept indices are then sorted so the
 * subset keeps the original file order. Same source + same seed = same bytes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { Rng } from '../tensor/random.js';
import { BUNDLED_DATA_DIR, FASHION_MNIST_CLASSES } from './bundled.js';
import { subsetDataset, type ImageDataset } from './dataset.js';
import { encodeIdx, loadIdx } from './idx.js';

/** The seed the bundled subset was made with. */
export const SUBSET_SEED = 2023;

/**
 * Indices of a class-balanced subset: `perClass` images of every class in
 * 0..numClasses-1, chosen at random with `rng`, returned in ascending order.
 */
export function balancedSubsetIndices(labels: Int32Array, perClass: number, numClasses: number, rng: Rng): Int32Array {
  const chosen: number[] = [];
  for (let k = 0; k < numClasses; k++) {
    const members: number[] = [];
    labels.forEach((label, i) => {
      if (label === k) members.push(i);
    });
    if (members.length < perClass) throw new Error(`class ${k} has only ${members.length} images, need ${perClass}`);
    const order = rng.permutation(members.length);
    for (let j = 0; j < perClass; j++) chosen.push(members[order[j]!]!);
  }
  return Int32Array.from(chosen).sort();
}

/** Writes a data set as a gzipped IDX images + labels pair named `<prefix>-images-idx3-ubyte.gz` etc. */
export function writeIdxPair(ds: ImageDataset, outDir: string, prefix: string): void {
  const images = encodeIdx([ds.n, ds.height, ds.width], ds.images);
  const labels = encodeIdx([ds.n], Uint8Array.from(ds.labels));
  fs.writeFileSync(path.join(outDir, `${prefix}-images-idx3-ubyte.gz`), gzipSync(images, { level: 9 }));
  fs.writeFileSync(path.join(outDir, `${prefix}-labels-idx1-ubyte.gz`), gzipSync(labels, { level: 9 }));
}

/** Reads the full Fashion-MNIST from `sourceDir` and writes the balanced subset to `outDir`. */
export function makeFashionSubset(sourceDir: string, outDir: string, trainPerClass = 1000, testPerClass = 200): void {
  fs.mkdirSync(outDir, { recursive: true });
  const rng = new Rng(SUBSET_SEED);
  const splits: Array<[string, number]> = [
    ['train', trainPerClass],
    ['t10k', testPerClass],
  ];
  for (const [prefix, perClass] of splits) {
    const full = loadIdx(
      path.join(sourceDir, `${prefix}-images-idx3-ubyte.gz`),
      path.join(sourceDir, `${prefix}-labels-idx1-ubyte.gz`),
      { classes: FASHION_MNIST_CLASSES },
    );
    const indices = balancedSubsetIndices(full.labels, perClass, FASHION_MNIST_CLASSES.length, rng.fork());
    writeIdxPair(subsetDataset(full, indices), outDir, prefix);
    console.log(`${prefix}: kept ${indices.length} of ${full.n} images (${perClass} per class)`);
  }
  fs.writeFileSync(path.join(outDir, 'classes.txt'), FASHION_MNIST_CLASSES.join('\n') + '\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  const sourceDir = process.argv[2] ?? '/usr/share/datasets/fashion-mnist';
  makeFashionSubset(sourceDir, process.argv[3] ?? BUNDLED_DATA_DIR);
}
