/**
 * Data pipeline benchmark: loading and augmenting one 1024-image two-view
 * batch of CIFAR-sized images (3×32×32).
 *
 *   npx tsx benchmarks/data.bench.ts
 *
 * Uses the CIFAR-10 JPEG folders at ../shared/data/cifar10 when they exist
 * (or LPL_CIFAR10_DIR), else synthetic random images. Reports
 *   - load: decoding 1024 JPEGs into memory (done once per run in training),
 *   - augment: building one two-view batch (x1, x2) from memory, in-thread and
 *     with worker threads (done every step; what must not bottleneck training).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { add, complete, cycle, suite } from 'benny';
import { simclrAugmentOptions } from '../src/data/augment.js';
import type { ImageDataset } from '../src/data/dataset.js';
import { loadDataset } from '../src/data/detect.js';
import { defaultWorkerCount, TwoViewLoader } from '../src/data/loader.js';
import { CIFAR10_STATS } from '../src/data/stats.js';
import { Rng } from '../src/tensor/random.js';

const BATCH = 1024;

/** The CIFAR-10 folder if present: $LPL_CIFAR10_DIR, else ../shared/data/cifar10 beside the repository. */
export function cifarFolder(): string | null {
  const candidates = [
    process.env.LPL_CIFAR10_DIR,
    fileURLToPath(new URL('../../shared/data/cifar10', import.meta.url)),
  ];
  return candidates.find((dir): dir is string => !!dir && fs.existsSync(path.join(dir, 'train'))) ?? null;
}

/** 1024 random 3×32×32 images with 10 labels. */
function syntheticDataset(n = BATCH): ImageDataset {
  const rng = new Rng(1);
  return {
    images: Uint8Array.from({ length: n * 3072 }, () => rng.int(256)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    n,
    channels: 3,
    height: 32,
    width: 32,
    classes: Array.from({ length: 10 }, (_, k) => String(k)),
    source: 'synthetic',
  };
}

/** Loads 1024 CIFAR-10 training images (balanced over classes) or makes synthetic ones; times the load. */
export function loadBenchImages(): { dataset: ImageDataset; msLoad: number } {
  const folder = cifarFolder();
  const start = performance.now();
  const dataset = folder ? loadDataset(folder, { split: 'train', limit: BATCH }) : syntheticDataset();
  return { dataset, msLoad: folder ? performance.now() - start : 0 };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

export interface DataBenchResult {
  /** Median ms to build one 1024-image two-view batch from memory, with `workers` worker threads. */
  msPerBatch: number;
  workers: number;
  /** The same in the calling thread (workers = 0). */
  msPerBatchInThread: number;
  /** ms to decode the 1024 JPEGs (0 for synthetic images). */
  msLoad: number;
  source: string;
}

/** Median time of `repeats` two-view batches of a loader (after one warm-up batch). */
async function timeBatches(loader: TwoViewLoader, repeats: number): Promise<number> {
  await loader.batch(0, 0); // warm-up: starts workers, compiles the hot loops
  const times: number[] = [];
  for (let epoch = 1; epoch <= repeats; epoch++) {
    const start = performance.now();
    await loader.batch(epoch, 0);
    times.push(performance.now() - start);
  }
  return median(times);
}

/** Measures load + augmentation of one 1024-image two-view batch; for the main bench runner. */
export async function benchDataBatch(
  options: { workers?: number; repeats?: number } = {},
): Promise<DataBenchResult> {
  const workers = options.workers ?? defaultWorkerCount();
  const repeats = options.repeats ?? 5;
  const { dataset, msLoad } = loadBenchImages();
  const augment = simclrAugmentOptions(32, CIFAR10_STATS);
  const inThread = new TwoViewLoader(dataset, { batchSize: BATCH, seed: 24, augment, workers: 0 });
  const msPerBatchInThread = await timeBatches(inThread, repeats);
  const pooled = new TwoViewLoader(dataset, { batchSize: BATCH, seed: 24, augment, workers });
  try {
    const msPerBatch = await timeBatches(pooled, repeats);
    return {
      msPerBatch,
      workers: await pooled.workerCount(),
      msPerBatchInThread,
      msLoad,
      source: dataset.source,
    };
  } finally {
    await pooled.close();
  }
}

/** The benny suite: load, augment in-thread, augment with workers. */
async function main(): Promise<void> {
  const workers = defaultWorkerCount();
  const { dataset } = loadBenchImages();
  const augment = simclrAugmentOptions(32, CIFAR10_STATS);
  const inThread = new TwoViewLoader(dataset, { batchSize: BATCH, seed: 24, augment, workers: 0 });
  const pooled = new TwoViewLoader(dataset, { batchSize: BATCH, seed: 24, augment, workers });
  await pooled.batch(0, 0);
  let epoch = 1;
  const options = { maxTime: 3, minSamples: 3 };
  console.log(`data: ${dataset.source}, ${os.availableParallelism()} cores`);
  await suite(
    'data: one 1024-image two-view batch (3×32×32)',
    ...(cifarFolder() ? [add('load 1024 CIFAR-10 JPEGs', () => void loadBenchImages(), options)] : []),
    add('augment, in-thread', async () => void (await inThread.batch(epoch++, 0)), options),
    add(`augment, ${workers} worker(s)`, async () => void (await pooled.batch(epoch++, 0)), options),
    cycle(),
    complete((summary) => {
      for (const result of summary.results) {
        console.log(`${result.name}: ${(result.details.mean * 1000).toFixed(0)} ms per batch (mean)`);
      }
    }),
  );
  await pooled.close();
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  await main();
}
