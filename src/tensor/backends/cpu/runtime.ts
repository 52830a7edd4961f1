/**
 * Runs GEMM jobs: float32 on the shared wasm heap with the SIMD kernels,
 * split over the worker pool when a job is large; float64 on an ordinary heap
 * with the plain-TypeScript kernels, on the main thread.
 */
import { platform } from '#platform';
import type { DType } from '../../backend.js';
import { SCRATCH_PER_THREAD } from './blocking.js';
import { TABLES_PER_THREAD } from './gemm.js';
import { Float64Heap, MAX_PAGES, SharedFloat32Heap, type Heap } from './heap.js';
import { countChunks, runShare, type GemmJob } from './job.js';
import {
  fmaByDefault,
  kernelModule,
  relaxedSimdSupported,
  typeScriptKernels,
  wasmKernels,
  wasmPasses,
  type Kernels,
  type Passes,
} from './kernels.js';
import type { WasmModule } from './wasm-api.js';
import { WorkerPool } from './pool.js';

export interface CpuOptions {
  /** Threads for large kernels, the main thread included (default: every core; one where threads cannot share memory). */
  threads?: number;
  /** Jobs below this many floating-point operations run on the main thread alone. */
  parallelThreshold?: number;
  /** Fused multiply-add in the float32 GEMM (relaxed SIMD); default: where the engine has it and LPL_NO_FMA is unset. */
  fma?: boolean;
}

/** How a job will run: its thread count and the packing space of its threads. */
export interface JobPlan {
  threads: number;
  scratch: number;
  tables: number;
}

export class GemmRuntime {
  readonly threads: number;
  readonly parallelThreshold: number;
  readonly heap32 = new SharedFloat32Heap();
  readonly heap64 = new Float64Heap();
  /** Whether the float32 GEMM uses fused multiply-add (kernels.ts). */
  readonly fma: boolean;
  private readonly module: WasmModule;
  private readonly kernels32: Kernels;
  private readonly kernels64: Kernels;
  private pool: WorkerPool | null = null;
  private wasmPasses: Passes | null = null;

  constructor(opts: CpuOptions = {}) {
    this.threads = Math.max(1, Math.floor(opts.threads ?? (platform.sharedMemory() ? platform.cores() : 1)));
    this.parallelThreshold = opts.parallelThreshold ?? 4e6;
    if (opts.fma && !relaxedSimdSupported()) {
      throw new Error(
        'cpu backend: fma needs WebAssembly relaxed SIMD, which this engine lacks (Node 20: --experimental-wasm-relaxed-simd)',
      );
    }
    this.fma = opts.fma ?? fmaByDefault();
    this.module = kernelModule(MAX_PAGES, this.fma);
    this.kernels32 = wasmKernels(this.module, this.heap32.memory);
    this.kernels64 = typeScriptKernels(() => this.heap64);
  }

  /** The SIMD passes over the float32 heap (wasm-passes.ts), for the main thread. */
  get passes(): Passes {
    this.wasmPasses ??= wasmPasses(this.heap32.memory, MAX_PAGES);
    return this.wasmPasses;
  }

  heap(dtype: DType): Heap {
    return dtype === 'float64' ? this.heap64 : this.heap32;
  }

  /** Picks the thread count for a job of `flops` operations and reserves its packing space. */
  plan(dtype: DType, flops: number): JobPlan {
    const threads = dtype === 'float32' && flops >= this.parallelThreshold ? this.threads : 1;
    const heap = this.heap(dtype);
    const scratch = heap.alloc(threads * SCRATCH_PER_THREAD);
    const tables = heap.allocInts(threads * TABLES_PER_THREAD);
    return { threads, scratch, tables };
  }

  run(job: GemmJob, dtype: DType): void {
    if (dtype === 'float64') {
      runShare({ ...job, threads: 1 }, 0, this.heap64.data, this.heap64.ints, this.kernels64, countChunks());
      return;
    }
    const heap = this.heap32;
    const mainShare = (nextChunk: () => number) =>
      runShare(job, 0, heap.data, heap.ints, this.kernels32, nextChunk);
    if (job.threads === 1) return mainShare(countChunks());
    if (job.threads !== this.threads) throw new Error(`cpu backend: a job asks for ${job.threads} threads`);
    this.pool ??= new WorkerPool(this.threads, heap.memory, this.module);
    this.pool.run(job, mainShare);
  }

  /**
   * Starts the worker threads now and resolves once every one is running.
   * Node needs no call (the first large job starts them and waits); a
   * browser does: its workers start only while the starting thread is free
   * to return to its event loop, which a waiting kernel call never is.
   */
  async startThreads(): Promise<void> {
    if (this.threads === 1) return;
    this.pool ??= new WorkerPool(this.threads, this.heap32.memory, this.module);
    await this.pool.started();
  }

  /** Stops the worker threads (a later large job starts new ones). */
  dispose(): void {
    this.pool?.dispose();
    this.pool = null;
  }
}
