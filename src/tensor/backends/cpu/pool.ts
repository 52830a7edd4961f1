/**
 * A pool of worker threads that run GEMM jobs together with the main thread.
 *
 * The Backend interface is synchronous, so the main thread cannot await: it
 * writes the job into a shared control block, bumps SEQ and wakes the workers
 * (Atomics.notify), runs share 0 itself, then sleeps in Atomics.wait until
 * every worker has counted itself in DONE. Workers are started once, get the
 * compiled wasm module and the shared memory, and are unref'd so that they
 * never keep a process alive; `dispose()` stops them.
 */
import { Worker } from 'node:worker_threads';
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

function startWorker(setup: WorkerSetup): Worker {
  const fromTypeScript = import.meta.url.endsWith('.ts');
  if (fromTypeScript) {
    // Node 20 does not give workers the parent's TypeScript loader: a small .mjs registers tsx first.
    const entry = new URL('./worker.ts', import.meta.url).href;
    return new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { ...setup, entry } });
  }
  return new Worker(new URL('./worker.js', import.meta.url), { workerData: setup });
}

export class WorkerPool {
  /** Threads that run a job, the main thread included. */
  readonly threads: number;
  private readonly buffer = new SharedArrayBuffer(CONTROL_BYTES);
  private readonly control = new Int32Array(this.buffer);
  private readonly workers: Worker[] = [];
  private lost: Error | null = null;
  private started = false;

  constructor(threads: number, memory: WasmMemory, module: WasmModule) {
    this.threads = threads;
    for (let index = 1; index < threads; index++) {
      const worker = startWorker({ control: this.buffer, memory, module, index });
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
    if (!this.started) {
      this.waitFor(READY, START_TIMEOUT_MS, 'start');
      this.started = true;
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
