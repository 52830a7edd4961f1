/**
 * The control block shared by the main thread and the workers: a small
 * SharedArrayBuffer read as Int32Array, used with Atomics.
 *
 *   SEQ      job generation; the main thread increments it to start a job
 *   DONE     workers that finished the current job
 *   FAILED   non-zero when a worker threw; its message is at MESSAGE
 *   SHUTDOWN non-zero tells the workers to return
 *   READY    workers that have started
 *   NEXT     the next chunk of the current job to hand out (job.ts)
 *   JOB      the encoded GemmJob (job.ts)
 */
import { JOB_INTS } from './job.js';
import type { WasmMemory, WasmModule } from './wasm-api.js';

export const SEQ = 0;
export const DONE = 1;
export const FAILED = 2;
export const SHUTDOWN = 3;
export const READY = 4;
export const NEXT = 5;
export const JOB = 6;
export const MESSAGE = JOB + JOB_INTS;
const MESSAGE_BYTES = 1024;
export const CONTROL_BYTES = MESSAGE * 4 + MESSAGE_BYTES;

/** What a worker is started with. */
export interface WorkerSetup {
  control: SharedArrayBuffer;
  memory: WasmMemory;
  module: WasmModule;
  /** The worker's thread index t (the main thread is 0). */
  index: number;
}

export function writeMessage(control: SharedArrayBuffer, text: string): void {
  const bytes = new Uint8Array(control, MESSAGE * 4, MESSAGE_BYTES);
  bytes.fill(0);
  new TextEncoder().encodeInto(text.slice(0, MESSAGE_BYTES / 4), bytes);
}

export function readMessage(control: SharedArrayBuffer): string {
  const bytes = new Uint8Array(control, MESSAGE * 4, MESSAGE_BYTES).slice();
  const end = bytes.indexOf(0);
  return new TextDecoder().decode(end < 0 ? bytes : bytes.subarray(0, end));
}
