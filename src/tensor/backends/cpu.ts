/**
 * The `cpu` backend (the default): the reference backend with its heavy
 * kernels replaced by fast ones.
 *
 * - matmul and conv2d (forward and both gradients) are one packed,
 *   cache-blocked GEMM each (cpu/gemm.ts), whose inner kernel is WebAssembly
 *   SIMD emitted by cpu/wasm-gemm.ts for float32 and its plain-TypeScript twin
 *   for float64. Large float32 GEMMs are split over a pool of worker threads
 *   (cpu/pool.ts) by columns or rows of the result, never along the summed
 *   axis, so results are identical for any number of threads.
 * - pooling and elementwise ops get loops over contiguous data
 *   (cpu/pooling.ts, cpu/elementwise.ts); other cases fall back to the reference.
 *
 * Call `dispose()` to stop the worker threads (they never keep a process alive).
 */
import type { Conv2dParams, View } from '../backend.js';
import type { Shape } from '../shape.js';
import { conv2dForward, conv2dInputGrad, conv2dWeightGrad } from './cpu/conv.js';
import { matmul } from './cpu/matmul.js';
import { GemmRuntime, type CpuOptions } from './cpu/runtime.js';
import { ReferenceBackend } from './reference.js';

export type { CpuOptions } from './cpu/runtime.js';

export class CpuBackend extends ReferenceBackend {
  override readonly name: string = 'cpu';
  private readonly runtime: GemmRuntime;

  constructor(opts: CpuOptions = {}) {
    super();
    this.runtime = new GemmRuntime(opts);
  }

  /** Threads used for large kernels, the main thread included. */
  get threads(): number {
    return this.runtime.threads;
  }

  override matmul(a: View, b: View): View {
    return matmul(this.runtime, a, b);
  }

  override conv2d(x: View, w: View, bias: View | null, p: Conv2dParams): View {
    return conv2dForward(this.runtime, x, w, bias, p);
  }

  override conv2dBackwardInput(gy: View, w: View, xShape: Shape, p: Conv2dParams): View {
    return conv2dInputGrad(this.runtime, gy, w, xShape, p);
  }

  override conv2dBackwardWeight(x: View, gy: View, wShape: Shape, p: Conv2dParams): View {
    return conv2dWeightGrad(this.runtime, x, gy, wShape, p);
  }

  /** Stops the worker threads; a later large kernel starts them again. */
  dispose(): void {
    this.runtime.dispose();
  }
}
