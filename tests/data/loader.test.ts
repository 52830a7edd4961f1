import { afterAll, describe, expect, it } from 'vitest';
import { simclrAugmentOptions } from '../../src/data/augment.js';
import type { ImageDataset } from '../../src/data/dataset.js';
import { evalBatches } from '../../src/data/eval-loader.js';
import { TwoViewLoader, type TwoViewBatch } from '../../src/data/loader.js';
import { epochRng, viewRng } from '../../src/data/seed.js';
import { Rng } from '../../src/tensor/random.js';

/** A small random RGB data set: n images of 3×12×12, labels i mod 4. */
function syntheticDataset(n: number, side = 12): ImageDataset {
  const rng = new Rng(99);
  return {
    images: Uint8Array.from({ length: n * 3 * side * side }, () => rng.int(256)),
    labels: Int32Array.from({ length: n }, (_, i) => i % 4),
    n,
    channels: 3,
    height: side,
    width: side,
    classes: ['a', 'b', 'c', 'd'],
    source: 'synthetic',
  };
}

const dataset = syntheticDataset(21);
const augment = simclrAugmentOptions(8, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] });
const loaders: TwoViewLoader[] = [];
function makeLoader(options: Partial<ConstructorParameters<typeof TwoViewLoader>[1]> = {}): TwoViewLoader {
  const loader = new TwoViewLoader(dataset, { batchSize: 5, seed: 3, augment, workers: 0, ...options });
  loaders.push(loader);
  return loader;
}
afterAll(async () => {
  await Promise.all(loaders.map((loader) => loader.close()));
});

async function collect(loader: TwoViewLoader, epoch = 0, startStep = 0): Promise<TwoViewBatch[]> {
  const batches: TwoViewBatch[] = [];
  for await (const batch of loader.batchesForEpoch(epoch, startStep)) batches.push(batch);
  return batches;
}

/** The floats of view `view` of dataset image `index` inside a batch. */
function viewOf(batch: TwoViewBatch, index: number, view: 0 | 1): Float32Array {
  const j = batch.indices.indexOf(index);
  const size = batch.shape[1] * batch.shape[2] * batch.shape[3];
  return (view === 0 ? batch.x1 : batch.x2).slice(j * size, (j + 1) * size);
}

describe('TwoViewLoader', () => {
  it('yields batches of shape [B, C, S, S]; drops or keeps the last partial batch', async () => {
    const dropped = await collect(makeLoader());
    expect(dropped).toHaveLength(4);
    for (const batch of dropped) {
      expect(batch.shape).toEqual([5, 3, 8, 8]);
      expect(batch.x1).toHaveLength(5 * 3 * 8 * 8);
      expect(batch.x2).toHaveLength(5 * 3 * 8 * 8);
      expect(Array.from(batch.labels)).toEqual(Array.from(batch.indices, (i) => i % 4));
      expect(batch.x1.every((v) => Number.isFinite(v))).toBe(true);
    }
    const kept = await collect(makeLoader({ dropLast: false }));
    expect(kept.map((b) => b.shape[0])).toEqual([5, 5, 5, 5, 1]);
    const seen = kept.flatMap((b) => Array.from(b.indices)).sort((a, b) => a - b);
    expect(seen).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(() => makeLoader({ batchSize: 50 })).toThrow(/no batch/);
  });

  it('shuffles each epoch deterministically from (seed, epoch)', () => {
    const loader = makeLoader();
    const order0 = loader.epochOrder(0);
    expect(Array.from(order0).sort((a, b) => a - b)).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(loader.epochOrder(0)).toEqual(order0);
    expect(makeLoader().epochOrder(0)).toEqual(order0);
    expect(loader.epochOrder(1)).not.toEqual(order0);
    expect(makeLoader({ seed: 4 }).epochOrder(0)).not.toEqual(order0);
    expect(order0).toEqual(epochRng(3, 0).permutation(21));
  });

  it('two views differ; same seed gives the same bytes; resuming mid-epoch gives the same batches', async () => {
    const a = await collect(makeLoader(), 2);
    const b = await collect(makeLoader(), 2);
    expect(a[0]!.x1).not.toEqual(a[0]!.x2);
    a.forEach((batch, k) => {
      expect(batch.x1).toEqual(b[k]!.x1);
      expect(batch.x2).toEqual(b[k]!.x2);
    });
    const resumed = await collect(makeLoader(), 2, 2);
    expect(resumed.map((r) => r.step)).toEqual([2, 3]);
    expect(resumed[0]!.x1).toEqual(a[2]!.x1);
    expect(resumed[1]!.indices).toEqual(a[3]!.indices);
    const otherSeed = await collect(makeLoader({ seed: 4 }), 2);
    expect(otherSeed[0]!.x1).not.toEqual(a[0]!.x1);
  });

  it("an image's views do not depend on the batch size", async () => {
    const small = await collect(makeLoader({ batchSize: 3, dropLast: false }), 1);
    const large = await collect(makeLoader({ batchSize: 7, dropLast: false }), 1);
    const index = 11;
    const inSmall = small.find((b) => b.indices.includes(index))!;
    const inLarge = large.find((b) => b.indices.includes(index))!;
    expect(viewOf(inSmall, index, 0)).toEqual(viewOf(inLarge, index, 0));
    expect(viewOf(inSmall, index, 1)).toEqual(viewOf(inLarge, index, 1));
    expect(viewRng(3, 1, index, 0).state()).not.toEqual(viewRng(3, 1, index, 1).state());
  });

  it('worker threads give exactly the in-thread bytes', async () => {
    const inThread = await collect(makeLoader(), 5);
    const pooled = makeLoader({ workers: 2, onWarning: (message) => expect.fail(message) });
    const withWorkers = await collect(pooled, 5);
    expect(await pooled.workerCount()).toBe(2);
    expect(withWorkers).toHaveLength(inThread.length);
    withWorkers.forEach((batch, k) => {
      expect(batch.indices).toEqual(inThread[k]!.indices);
      expect(batch.x1).toEqual(inThread[k]!.x1);
      expect(batch.x2).toEqual(inThread[k]!.x2);
    });
    await pooled.close();
  });
});

describe('TwoViewLoader with workers, stopped early', () => {
  it('a loop left after one batch and a close() leave nothing dangling', async () => {
    const loader = makeLoader({ workers: 1, prefetch: 2, onWarning: (message) => expect.fail(message) });
    let seen = 0;
    for await (const batch of loader.batchesForEpoch(0)) {
      expect(batch.step).toBe(0);
      seen++;
      break;
    }
    await loader.close();
    expect(seen).toBe(1);
    // the loader restarts its workers on demand after close()
    const again = await loader.batch(0, 1);
    expect(again.x1).toEqual((await makeLoader().batch(0, 1)).x1);
    await loader.close();
  });
});

describe('evalBatches', () => {
  it('covers the data set in order, keeps the last batch, is deterministic', () => {
    const options = { size: 8, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    const batches = [...evalBatches(dataset, 8, options)];
    expect(batches.map((b) => b.shape)).toEqual([
      [8, 3, 8, 8],
      [8, 3, 8, 8],
      [5, 3, 8, 8],
    ]);
    expect(batches.flatMap((b) => Array.from(b.indices))).toEqual(Array.from({ length: 21 }, (_, i) => i));
    expect(batches[2]!.labels[4]).toBe(20 % 4);
    expect([...evalBatches(dataset, 8, options)][1]!.x).toEqual(batches[1]!.x);
  });
});
