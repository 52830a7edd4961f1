/**
 * The training loader: batches of two augmented views of each image.
 *
 *   for await (const batch of loader.batchesForEpoch(epoch)) {
 *     // batch.x1, batch.x2: Float32Array [B, C, S, S], the views at t − Δt and t
 *   }
 *
 * Reproducibility: the order of epoch e is epochRng(seed, e).permutation(N),
 * and view v of image i in epoch e is augmented with viewRng(seed, e, i, v).
 * So any batch is a pure function of (seed, epoch, step, batch size): training
 * can resume at any step (`batchesForEpoch(epoch, startStep)`), and the bytes
 * do not depend on the number of workers.
 *
 * Speed: with `workers > 0` a pool of worker threads augments the next
 * `prefetch` batches while the current one trains. With `workers: 0` everything
 * runs in the calling thread (simpler, and what happens if workers cannot start).
 */
import { platform } from '#platform';
import type { AugmentOptions } from './augment.js';
import { AugmentPool } from './augment-pool.js';
import type { ImageDataset } from './dataset.js';
import { epochRng } from './seed.js';
import { augmentTwoViews } from './two-view.js';

export interface TwoViewBatch {
  /** [B, C, S, S] view at t − Δt, normalised. */
  x1: Float32Array;
  /** [B, C, S, S] view at t, normalised. */
  x2: Float32Array;
  /** [B, C, S, S] */
  shape: [number, number, number, number];
  /** [B] labels of the images (−1 when unlabeled); for monitoring only. */
  labels: Int32Array;
  /** [B] indices of the images in the data set. */
  indices: Int32Array;
  epoch: number;
  step: number;
}

export interface TwoViewLoaderOptions {
  batchSize: number;
  seed: number;
  augment: AugmentOptions;
  /** Drop the last, smaller batch of an epoch (default true: LPL's statistics want full batches). */
  dropLast?: boolean;
  /** Worker threads for augmentation; 0 = in the calling thread. Default: defaultWorkerCount(). */
  workers?: number;
  /** Batches prepared ahead while the current one is used (worker mode only; default 1). */
  prefetch?: number;
  /** Called with a message when workers cannot start and the loader falls back to in-thread. */
  onWarning?: (message: string) => void;
}

/** One worker per spare core, at most 4: min(4, cores − 1), at least 1. */
export function defaultWorkerCount(): number {
  return Math.max(1, Math.min(4, platform.cores() - 1));
}

export class TwoViewLoader {
  readonly dataset: ImageDataset;
  readonly batchSize: number;
  readonly seed: number;
  readonly dropLast: boolean;
  readonly augment: AugmentOptions;
  readonly prefetch: number;
  private requestedWorkers: number;
  private pool: Promise<AugmentPool | null> | null = null;
  private onWarning: (message: string) => void;

  constructor(dataset: ImageDataset, options: TwoViewLoaderOptions) {
    const { batchSize, augment } = options;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
    if (augment.mean.length !== dataset.channels || augment.std.length !== dataset.channels) {
      throw new RangeError(`augment mean/std have ${augment.mean.length} entries, the data set has ${dataset.channels} channels`);
    }
    this.dataset = dataset;
    this.batchSize = batchSize;
    this.seed = options.seed;
    this.dropLast = options.dropLast ?? true;
    this.augment = augment;
    this.prefetch = Math.max(0, options.prefetch ?? 1);
    this.requestedWorkers = options.workers ?? defaultWorkerCount();
    this.onWarning = options.onWarning ?? ((message) => console.warn(message));
    if (this.stepsPerEpoch === 0) {
      throw new RangeError(
        `batch size ${batchSize} with dropLast leaves no batch: the data set has only ${dataset.n} images`,
      );
    }
  }

  /** Batches per epoch: ⌊N / B⌋ with dropLast, ⌈N / B⌉ without. */
  get stepsPerEpoch(): number {
    const n = this.dataset.n;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** [C, S, S] of one view. */
  get viewShape(): [number, number, number] {
    return [this.dataset.channels, this.augment.size, this.augment.size];
  }

  /** The order of the images in epoch `epoch`: a permutation of 0..N−1, a pure function of (seed, epoch). */
  epochOrder(epoch: number): Int32Array {
    return epochRng(this.seed, epoch).permutation(this.dataset.n);
  }

  /** The data set indices of batch `step` of `epoch`. */
  batchIndices(epoch: number, step: number, order = this.epochOrder(epoch)): Int32Array {
    if (!Number.isInteger(step) || step < 0 || step >= this.stepsPerEpoch) {
      throw new RangeError(`step ${step} is outside 0..${this.stepsPerEpoch - 1}`);
    }
    return order.slice(step * this.batchSize, Math.min((step + 1) * this.batchSize, order.length));
  }

  /** The worker pool, started on first use; null for in-thread mode (also after a failed start). */
  private getPool(): Promise<AugmentPool | null> {
    if (this.requestedWorkers <= 0) return Promise.resolve(null);
    const { images, channels, height, width } = this.dataset;
    const shape = { channels, height, width }; // only the shape: workerData is copied to each worker
    this.pool ??= AugmentPool.start(images, shape, this.augment, this.seed, this.requestedWorkers).catch(
      (error: unknown) => {
        this.onWarning(`TwoViewLoader: worker threads failed to start (${String(error)}); augmenting in-thread`);
        return null;
      },
    );
    return this.pool;
  }

  /** How many workers actually run (0 = in-thread); starts them if needed. */
  async workerCount(): Promise<number> {
    return (await this.getPool())?.size ?? 0;
  }

  /** Builds batch `step` of `epoch`. */
  async batch(epoch: number, step: number, order?: Int32Array): Promise<TwoViewBatch> {
    const indices = this.batchIndices(epoch, step, order);
    const [channels, size] = this.viewShape;
    const viewFloats = channels * size * size;
    const pool = await this.getPool();
    let x1: Float32Array;
    let x2: Float32Array;
    if (pool) {
      ({ x1, x2 } = await pool.run(indices, epoch, viewFloats));
    } else {
      x1 = new Float32Array(indices.length * viewFloats);
      x2 = new Float32Array(indices.length * viewFloats);
      augmentTwoViews(this.dataset.images, this.dataset, indices, epoch, this.seed, this.augment, x1, x2, 0);
    }
    const labels = Int32Array.from(indices, (i) => this.dataset.labels[i]!);
    return { x1, x2, shape: [indices.length, channels, size, size], labels, indices, epoch, step };
  }

  /**
   * The batches of `epoch` from `startStep` on, in order. In worker mode the
   * next `prefetch` batches are being built while the caller uses the current one.
   */
  async *batchesForEpoch(epoch: number, startStep = 0): AsyncGenerator<TwoViewBatch> {
    const order = this.epochOrder(epoch);
    const ahead = (await this.getPool()) ? this.prefetch : 0;
    const queue: Array<Promise<TwoViewBatch>> = [];
    let next = startStep;
    /** Starts batches until `target` are queued (or the epoch is over). */
    const fill = (target: number) => {
      while (queue.length < target && next < this.stepsPerEpoch) {
        const promise = this.batch(epoch, next++, order);
        promise.catch(() => {}); // a batch abandoned by an early `break` must not become an unhandled rejection
        queue.push(promise);
      }
    };
    fill(1);
    while (queue.length > 0) {
      const batch = await queue.shift()!;
      fill(ahead); // workers build the next `ahead` batches while the caller trains on this one
      yield batch;
      fill(1);
    }
  }

  /** Stops the worker threads (the loader can be used again; workers restart on demand). */
  async close(): Promise<void> {
    const pool = this.pool ? await this.pool : null;
    this.pool = null;
    await pool?.close();
  }
}
