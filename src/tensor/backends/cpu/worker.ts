/**
 * A GEMM worker thread: it waits on the control block for a job, runs its
 * share (job.ts) with the wasm kernel on the shared heap, and reports done.
 * It never returns to its event loop while running, so it needs no messages.
 */
import { platform } from '#platform';
import { DONE, FAILED, JOB, NEXT, READY, SEQ, SHUTDOWN, writeMessage, type WorkerSetup } from './control.js';
import { decodeJob, runShare } from './job.js';
import { wasmKernels } from './kernels.js';

const setup = (await platform.workerData()) as WorkerSetup;
const control = new Int32Array(setup.control);
const kernels = wasmKernels(setup.module, setup.memory);
let heap = new Float32Array(setup.memory.buffer);
let ints = new Int32Array(setup.memory.buffer);

const nextChunk = () => Atomics.add(control, NEXT, 1);
let seen = Atomics.load(control, SEQ);
Atomics.add(control, READY, 1);
Atomics.notify(control, READY);
for (;;) {
  Atomics.wait(control, SEQ, seen);
  seen = Atomics.load(control, SEQ);
  if (Atomics.load(control, SHUTDOWN) !== 0) break;
  try {
    if (heap.buffer.byteLength !== setup.memory.buffer.byteLength) {
      // The main thread grew the memory: view the new, larger buffer.
      heap = new Float32Array(setup.memory.buffer);
      ints = new Int32Array(setup.memory.buffer);
    }
    runShare(decodeJob(control, JOB), setup.index, heap, ints, kernels, nextChunk);
  } catch (error) {
    writeMessage(setup.control, `worker ${setup.index}: ${(error as Error).stack ?? String(error)}`);
    Atomics.store(control, FAILED, 1);
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}
