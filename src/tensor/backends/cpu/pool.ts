/**
 * A pool of worker threads that run GEMM jobs together with the main thread.
 *
 * The Backend interface is synchronous, so the main thread cannot await: it
 * writes the job into a shared control block, bumps SEQ and wakes the workers
 * (Atomics.notify), runs share 0 itself, then sleeps in Atomics.wait until
 * every worker has counted itself in DONE. Workers are started once, get the
 * compiled wasm module and the shared memory, and are unref'd so that they
 * never keep a process alive; `dispose()` stops them. Workers are started
 * through the platform seam (src/platform): worker threads in Node, module
 * Web Workers in a browser.
 */
import { platform, type PlatformWorker } from '#platform';
import {
  CONTROL_BYTES,
  DONE,
  FAILED,
  JOB,
  NEXT,
  READY,
  readMessage,
  SEQ,
  SHUTDOWN,
  type WorkerSetup,
} from './control.js';
import { encodeJob, type GemmJob } from './job.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

/** A worker that has not started, or not finished a job, after this long is taken to be lost. */
const START_TIMEOUT_MS = 120_000;
const JOB_TIMEOUT_MS = 10 * 60_000;

export class WorkerPool {
  /** Threads that run a job, the main thread included. */
  readonly threads: number;
  private readonly buffer = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly control = new Int32Array(this.buffer);
  private readonly workers: PlatformWorker[] = [];
  private lost: Error | null = null;
  /** Whether every worker has been seen ready. */
  private isStarted = false;

  constructor(threads: number, memory: WasmMemory, module: WasmModule) {
    this.threads = threads;
    for (let index = 1; index < threads; index++) {
      const setup: WorkerSetup = { control: this.buffer, memory, module, index };
      const worker = platform.startWorker('gemm', setup);
      worker.unref();
      worker.on('error', (error) => (this.lost ??= error));
      this.workers.push(worker);
    }
  }

  /**
   * Runs `job` (whose `threads` must equal this.threads) on every thread: the
   * workers as threads 1.., `mainShare` as thread 0, all taking chunks from
   * the counter that `mainShare` is given.
   */
  run(job: GemmJob, mainShare: (nextChunk: () => number) => void): void {
    if (this.lost) throw new Error(`cpu backend: a worker thread failed: ${this.lost.message}`);
    const c = this.control;
    if (!this.isStarted) {
      this.waitFor(READY, START_TIMEOUT_MS, 'start');
      this.isStarted = true;
    }
    encodeJob(job, c, JOB);
    Atomics.store(c, DONE, 0);
    Atomics.store(c, FAILED, 0);
    Atomics.store(c, NEXT, 0);
    Atomics.add(c, SEQ, 1);
    Atomics.notify(c, SEQ);
    let mainError: unknown = null;
    try {
      mainShare(() => Atomics.add(c, NEXT, 1));
    } catch (error) {
      mainError = error;
    }
    this.waitFor(DONE, JOB_TIMEOUT_MS, 'finish its share');
    if (mainError) throw mainError;
    if (Atomics.load(c, FAILED) !== 0) throw new Error(`cpu backend: ${readMessage(this.buffer)}`);
  }

  /** Resolves once every worker has started (without blocking the thread, as a browser needs). */
  async started(): Promise<void> {
    const deadline = Date.now() + START_TIMEOUT_MS;
    while (Atomics.load(this.control, READY) < this.workers.length) {
      if (this.lost) throw new Error(`cpu backend: a worker thread failed: ${this.lost.message}`);
      if (Date.now() > deadline)
        throw new Error(`cpu backend: the worker threads did not start within ${START_TIMEOUT_MS / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    this.isStarted = true;
  }

  /** Sleeps until control[slot] counts every worker. */
  private waitFor(slot: number, timeoutMs: number, what: string): void {
    const c = this.control;
    const deadline = Date.now() + timeoutMs;
    for (let count = Atomics.load(c, slot); count < this.workers.length; count = Atomics.load(c, slot)) {
      Atomics.wait(c, slot, count, 1000);
      if (Date.now() > deadline) {
        this.lost = new Error(`a worker thread did not ${what} within ${timeoutMs / 1000} s`);
        throw new Error(`cpu backend: ${this.lost.message}`);
      }
    }
  }

  /** Stops the workers; the pool cannot run jobs afterwards. */
  dispose(): void {
    Atomics.store(this.control, SHUTDOWN, 1);
    Atomics.add(this.control, SEQ, 1);
    Atomics.notify(this.control, SEQ);
    for (const worker of this.workers) void worker.terminate();
    this.workers.length = 0;
    this.lost ??= new Error('the pool was disposed');
  }
}
