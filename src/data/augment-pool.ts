/**
 * A small pool of worker threads that produce two-view batches, so that the
 * augmentation runs beside training instead of before it.
 *
 * - The data set is placed in a SharedArrayBuffer once (copied unless it
 *   already is one); workers read it without copies.
 * - A batch's outputs x1, x2 are SharedArrayBuffers; each worker fills a
 *   contiguous slice of the batch and replies when done.
 * - The work is the same function as the in-thread path (two-view.ts), with
 *   the same per-view seeds, so the bytes do not depend on the worker count.
 * - Workers start through the platform seam (src/platform): worker threads
 *   in Node, module Web Workers in a browser.
 */
import { platform, type PlatformWorker } from '#platform';
import type { AugmentOptions } from './augment.js';
import type { AugmentJob, AugmentReply, AugmentWorkerData } from './augment-worker.js';
import type { StoredShape } from './two-view.js';

/** Copies `bytes` into shared memory (or returns its buffer if it already is shared). */
export function toSharedBytes(bytes: Uint8Array): SharedArrayBuffer {
  if (bytes.buffer instanceof SharedArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer;
  }
  const shared = new SharedArrayBuffer(bytes.byteLength);
  new Uint8Array(shared).set(bytes);
  return shared;
}

interface Pending {
  resolve: () => void;
  reject: (error: Error) => void;
}

export class AugmentPool {
  private workers: PlatformWorker[] = [];
  private pending = new Map<number, Pending>();
  private nextJobId = 0;
  private closed = false;
  /** Set when a worker died: the pool is broken and every later run() fails with it. */
  private failure: Error | null = null;

  private constructor() {}

  /** Starts `count` workers and waits until each has loaded; rejects if any fails to start. */
  static async start(
    images: Uint8Array,
    shape: StoredShape,
    options: AugmentOptions,
    seed: number,
    count: number,
  ): Promise<AugmentPool> {
    const pool = new AugmentPool();
    // Only plain numbers go into workerData (it is copied per worker); the pixels are shared, not copied.
    const { channels, height, width } = shape;
    const data: AugmentWorkerData = { images: toSharedBytes(images), shape: { channels, height, width }, options, seed };
    const ready = Array.from({ length: count }, () => {
      const worker = platform.startWorker('augment', data);
      pool.workers.push(worker);
      return new Promise<void>((resolve, reject) => {
        const onStartError = (error: Error) => reject(error);
        worker.once('error', onStartError);
        worker.once('message', (message) => {
          worker.off('error', onStartError);
          if (message === 'ready') resolve();
          else reject(new Error(`augment worker sent ${JSON.stringify(message)} instead of 'ready'`));
        });
      });
    });
    try {
      await Promise.all(ready);
    } catch (error) {
      await pool.close();
      throw error;
    }
    for (const worker of pool.workers) {
      pool.listen(worker);
      worker.unref(); // idle workers do not keep the process alive; run() refs them while busy
    }
    return pool;
  }

  get size(): number {
    return this.workers.length;
  }

  private listen(worker: PlatformWorker): void {
    worker.on('message', (message) => {
      const reply = message as AugmentReply;
      const job = this.pending.get(reply.id);
      if (!job) return;
      this.pending.delete(reply.id);
      if (this.pending.size === 0) for (const w of this.workers) w.unref();
      if (reply.error) job.reject(new Error(`augment worker failed: ${reply.error}`));
      else job.resolve();
    });
    const failAll = (error: Error) => {
      this.failure ??= error;
      for (const job of this.pending.values()) job.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error) => failAll(error));
    worker.on('exit', (code) => {
      if (!this.closed) failAll(new Error(`augment worker exited unexpectedly with code ${code}`));
    });
  }

  /**
   * Augments the images `indices` (a batch) into two new shared Float32Arrays of
   * indices.length · viewFloats each, splitting the batch evenly over the workers.
   */
  async run(indices: Int32Array, epoch: number, viewFloats: number): Promise<{ x1: Float32Array; x2: Float32Array }> {
    if (this.closed) throw new Error('AugmentPool: already closed');
    if (this.failure) throw new Error(`AugmentPool: a worker failed earlier (${this.failure.message})`);
    const bytes = indices.length * viewFloats * Float32Array.BYTES_PER_ELEMENT;
    for (const worker of this.workers) worker.ref();
    const x1 = new SharedArrayBuffer(bytes);
    const x2 = new SharedArrayBuffer(bytes);
    const perWorker = Math.ceil(indices.length / this.workers.length);
    const jobs: Promise<void>[] = [];
    for (let w = 0; w < this.workers.length; w++) {
      const start = w * perWorker;
      const end = Math.min(indices.length, start + perWorker);
      if (start >= end) break;
      const id = this.nextJobId++;
      const job: AugmentJob = { id, indices: indices.slice(start, end), epoch, offset: start, x1, x2 };
      jobs.push(new Promise<void>((resolve, reject) => this.pending.set(id, { resolve, reject })));
      this.workers[w]!.postMessage(job);
    }
    await Promise.all(jobs);
    return { x1: new Float32Array(x1), x2: new Float32Array(x2) };
  }

  /** Stops all workers; pending jobs are rejected. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const job of this.pending.values()) job.reject(new Error('AugmentPool: closed'));
    this.pending.clear();
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }
}
