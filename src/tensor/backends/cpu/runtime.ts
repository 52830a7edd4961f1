/**
 * Runs GEMM jobs: float32 on the shared wasm heap with the SIMD kernel, split
 * over the worker pool when a job is large; float64 on an ordinary heap with
 * the plain-TypeScript kernel, on the main thread.
 */
import { availableParallelism } from 'node:os';
import type { DType } from '../../backend.js';
import { macroKernel, type MacroKernel } from './gemm.js';
import { Float64Heap, MAX_PAGES, SharedFloat32Heap, type Heap } from './heap.js';
import { runShare, type GemmJob } from './job.js';
import { WorkerPool } from './pool.js';
import { gemmModule, wasmMacroKernel } from './wasm-gemm.js';
import { wasm } from './wasm-api.js';

export interface CpuOptions {
  /** Threads for large kernels, the main thread included (default: os.availableParallelism()). */
  threads?: number;
  /** Jobs below this many floating-point operations run on the main thread alone. */
  parallelThreshold?: number;
}

export class GemmRuntime {
  readonly threads: number;
  readonly parallelThreshold: number;
  readonly heap32 = new SharedFloat32Heap();
  readonly heap64 = new Float64Heap();
  private readonly module = gemmModule(MAX_PAGES);
  private readonly macro32: MacroKernel;
  private readonly macro64: MacroKernel;
  private pool: WorkerPool | null = null;

  constructor(opts: CpuOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
    this.parallelThreshold = opts.parallelThreshold ?? 4e6;
    const instance = new wasm.Instance(this.module, { env: { memory: this.heap32.memory } });
    this.macro32 = wasmMacroKernel(instance);
    const heap64 = this.heap64;
    this.macro64 = (a, b, c, mc, nc, kc, ldc, accumulate) =>
      macroKernel(heap64.data, heap64.data, a, b, c, mc, nc, kc, ldc, accumulate);
  }

  heap(dtype: DType): Heap {
    return dtype === 'float64' ? this.heap64 : this.heap32;
  }

  /** How many threads a job of `flops` operations gets. */
  threadsFor(flops: number, dtype: DType): number {
    return dtype === 'float32' && flops >= this.parallelThreshold ? this.threads : 1;
  }

  run(job: GemmJob, dtype: DType): void {
    if (dtype === 'float64') {
      runShare({ ...job, threads: 1 }, 0, this.heap64.data, this.heap64.ints, this.macro64);
      return;
    }
    const heap = this.heap32;
    const mainShare = () => runShare(job, 0, heap.data, heap.ints, this.macro32);
    if (job.threads === 1) return mainShare();
    if (job.threads !== this.threads) throw new Error(`cpu backend: a job asks for ${job.threads} threads`);
    this.pool ??= new WorkerPool(this.threads, heap.memory, this.module);
    this.pool.run(job, mainShare);
  }

  /** Stops the worker threads (a later large job starts new ones). */
  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }
}
