/**
 * The `cpu` backend (the default): the reference backend with its heavy
 * kernels replaced by fast ones.
 *
 * - matmul and conv2d (forward and both gradients) are one packed,
 *   cache-blocked GEMM each (a ReLU after the convolution is applied as its
 *   output is written, and masks ∂L/∂y as the weight gradient packs it) (cpu/gemm.ts, cpu/conv.ts). Operands are packed
 *   straight from strided views, and for conv from the NCHW tensors read as
 *   im2col columns (cpu/sources.ts, cpu/gather.ts), into a working heap that
 *   is reused from call to call (cpu/heap.ts). For float32 the packer and the
 *   4×8 micro-kernel are WebAssembly SIMD emitted by TypeScript in this repo
 *   (cpu/wasm-pack.ts, cpu/wasm-gemm.ts); float64 runs their plain-TypeScript
 *   twins (cpu/gather.ts, cpu/macro-kernel.ts).
 * - Large float32 GEMMs are split over a pool of worker threads (cpu/pool.ts)
 *   by columns or rows of the result, never along the summed axis, so results
 *   are bit-identical for any number of threads.
 * - Elementwise ops, reductions and 2×2 pooling get plain loops over merged
 *   axes (cpu/elementwise.ts, cpu/pooling.ts), bit-identical to the
 *   reference; other cases fall back to the reference.
 *
 * Call `dispose()` to stop the worker threads (they never keep a process alive).
 */
import type { BinaryOp, Conv2dParams, Pool2dParams, ReduceOp, UnaryOp, HostView } from '../backend.js';
import { sizeOf, type Shape } from '../shape.js';
import { dtypeOf, isContiguous, zerosView } from '../view.js';
import { conv2dForward, conv2dInputGrad, conv2dReluParamGrads, conv2dWeightGrad } from './cpu/conv.js';
import * as elementwise from './cpu/elementwise.js';
import { avgPool2x2, avgPool2x2Backward, isPool2x2, maxPool2x2, maxPoolBackward } from './cpu/pooling.js';
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

  /** Whether the float32 GEMM (matmul, conv and its gradients) uses fused multiply-add (cpu/kernels.ts). */
  get fma(): boolean {
    return this.runtime.fma;
  }

  override matmul(a: HostView, b: HostView): HostView {
    return matmul(this.runtime, a, b);
  }

  override conv2d(x: HostView, w: HostView, bias: HostView | null, p: Conv2dParams, relu = false): HostView {
    return conv2dForward(this.runtime, x, w, bias, p, relu);
  }

  override conv2dBackwardInput(gy: HostView, w: HostView, xShape: Shape, p: Conv2dParams): HostView {
    return conv2dInputGrad(this.runtime, gy, w, xShape, p);
  }

  override conv2dBackwardWeight(x: HostView, gy: HostView, wShape: Shape, p: Conv2dParams): HostView {
    return conv2dWeightGrad(this.runtime, x, gy, wShape, p);
  }

  override conv2dReluBackwardParams(
    x: HostView,
    gy: HostView,
    y: HostView,
    wShape: Shape,
    p: Conv2dParams,
  ): HostView {
    return conv2dReluParamGrads(this.runtime, x, gy, y, wShape, p);
  }

  override unary(op: UnaryOp, x: HostView, param = 0): HostView {
    return elementwise.unary(op, x, param) ?? super.unary(op, x, param);
  }

  override binary(op: BinaryOp, a: HostView, b: HostView): HostView {
    return elementwise.binary(op, a, b) ?? super.binary(op, a, b);
  }

  override reluBackward(g: HostView, x: HostView): HostView {
    return elementwise.reluBackward(g, x) ?? super.reluBackward(g, x);
  }

  override reduce(op: ReduceOp, x: HostView, axes: readonly number[]): HostView {
    return elementwise.reduce(op, x, axes) ?? super.reduce(op, x, axes);
  }

  override contiguous(x: HostView): HostView {
    if (isContiguous(x) && x.offset === 0 && x.data.length === sizeOf(x.shape)) return x;
    const out = zerosView(dtypeOf(x.data), x.shape);
    return elementwise.copyStrided(out, x) ? out : super.contiguous(x);
  }

  override assign(dst: HostView, src: HostView): void {
    // Overlapping views of one array are copied through a temporary by the reference.
    const sameShape = dst.shape.length === src.shape.length && dst.shape.every((d, i) => d === src.shape[i]);
    if (!sameShape || dst.data === src.data || !elementwise.copyStrided(dst, src)) super.assign(dst, src);
  }

  override maxPool2d(x: HostView, p: Pool2dParams): { out: HostView; argmax: Int32Array } {
    return isPool2x2(x, p) ? maxPool2x2(x, this.runtime) : super.maxPool2d(x, p);
  }

  override maxPool2dBackward(gy: HostView, argmax: Int32Array, xShape: Shape): HostView {
    return maxPoolBackward(gy, argmax, xShape) ?? super.maxPool2dBackward(gy, argmax, xShape);
  }

  override avgPool2d(x: HostView, p: Pool2dParams): HostView {
    return isPool2x2(x, p) ? avgPool2x2(x) : super.avgPool2d(x, p);
  }

  override avgPool2dBackward(gy: HostView, xShape: Shape, p: Pool2dParams): HostView {
    return isPool2x2(gy, p) ? avgPool2x2Backward(gy, xShape) : super.avgPool2dBackward(gy, xShape, p);
  }

  /** Starts the worker threads and waits for them without blocking (a browser must; see GemmRuntime). */
  startThreads(): Promise<void> {
    return this.runtime.startThreads();
  }

  /** Stops the worker threads; a later large kernel starts them again. */
  dispose(): void {
    this.runtime.dispose();
  }
}
