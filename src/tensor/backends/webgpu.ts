/**
 * The webgpu backend: every kernel a training step, Adam, the probe and the
 * metrics need, as WGSL compute shaders on a WebGPU device, with tensors that
 * stay on the device. Kernels dispatch synchronously; only reading a tensor
 * (`await t.data()`) waits for the device.
 *
 *   await initWebGpu()            acquire the device (browser, or Node through the `webgpu` package)
 *   setBackend('webgpu')          then every op runs there
 *
 * float32 only: WGSL has no float64. Files, one concept each:
 *   webgpu/runtime.ts      device, buffers, pipelines, dispatch, reads
 *   webgpu/device.ts       acquiring the device
 *   webgpu/elementwise.ts  unary, binary (broadcast), relu's gradient, fill, copies, assign
 *   webgpu/reduce.ts       sum and max over axes
 *   webgpu/matmul.ts       batched matmul
 *   webgpu/conv.ts         conv2d (+ fused ReLU), both gradients, the fused parameter gradients
 *   webgpu/pool.ts         max and average pooling and their gradients
 *   webgpu/optim.ts        the Adam and SGD updates, in place
 */
import ndarray from 'ndarray';
import type {
  AdamStep,
  Backend,
  BinaryOp,
  Conv2dParams,
  DType,
  FloatArray,
  Pool2dParams,
  PoolIndices,
  ReduceOp,
  SgdStep,
  UnaryOp,
} from '../backend.js';
import { formatShape, type Shape } from '../shape.js';
import { acquireDevice } from './webgpu/device.js';
import * as E from './webgpu/elementwise.js';
import type { GpuView } from './webgpu/elementwise.js';
import * as C from './webgpu/conv.js';
import { matmul } from './webgpu/matmul.js';
import { adamUpdate, sgdUpdate } from './webgpu/optim.js';
import * as P from './webgpu/pool.js';
import { reduce } from './webgpu/reduce.js';
import type { GpuStorage, WebGpuRuntime } from './webgpu/runtime.js';

export type { GpuView } from './webgpu/elementwise.js';

export class WebGpuBackend implements Backend {
  readonly name = 'webgpu';
  readonly device = 'webgpu';

  constructor(readonly runtime: WebGpuRuntime) {
    runtime.contiguousCopy = (s, shape, stride, offset) =>
      E.copy(runtime, ndarray(s, [...shape], [...stride], offset)).data;
  }

  /** The adapter's name, and whether it is a software one (lavapipe, SwiftShader). */
  get adapter(): { name: string; software: boolean } {
    return { name: this.runtime.adapterName, software: this.runtime.isSoftware };
  }

  upload(values: FloatArray, shape: Shape): GpuView {
    if (values instanceof Float64Array) {
      throw new Error(
        `webgpu: a float64 ${formatShape(shape)} tensor cannot live on the device (WGSL has no float64); use float32`,
      );
    }
    return ndarray(this.runtime.upload(values), [...shape]);
  }
  read(x: GpuView): Promise<FloatArray> {
    return x.data.read(x.shape, x.stride, x.offset);
  }
  copy(x: GpuView): GpuView {
    return E.copy(this.runtime, x);
  }

  unary(op: UnaryOp, x: GpuView, param?: number): GpuView {
    return E.unary(this.runtime, op, x, param);
  }
  binary(op: BinaryOp, a: GpuView, b: GpuView): GpuView {
    return E.binary(this.runtime, op, a, b);
  }
  reluBackward(g: GpuView, x: GpuView): GpuView {
    return E.reluBackward(this.runtime, g, x);
  }
  reduce(op: ReduceOp, x: GpuView, axes: readonly number[]): GpuView {
    return reduce(this.runtime, op, x, axes);
  }
  matmul(a: GpuView, b: GpuView): GpuView {
    return matmul(this.runtime, a, b);
  }
  conv2d(x: GpuView, w: GpuView, bias: GpuView | null, p: Conv2dParams, relu = false): GpuView {
    return C.conv2d(this.runtime, x, w, bias, p, relu);
  }
  conv2dBackwardInput(gy: GpuView, w: GpuView, xShape: Shape, p: Conv2dParams): GpuView {
    return C.conv2dBackwardInput(this.runtime, gy, w, xShape, p);
  }
  conv2dBackwardWeight(x: GpuView, gy: GpuView, wShape: Shape, p: Conv2dParams): GpuView {
    return C.conv2dBackwardWeight(this.runtime, x, gy, wShape, p);
  }
  conv2dReluBackwardParams(x: GpuView, gy: GpuView, y: GpuView, wShape: Shape, p: Conv2dParams): GpuView {
    return C.conv2dReluBackwardParams(this.runtime, x, gy, y, wShape, p);
  }
  maxPool2d(x: GpuView, p: Pool2dParams): { out: GpuView; argmax: PoolIndices } {
    return P.maxPool2d(this.runtime, x, p);
  }
  maxPool2dBackward(gy: GpuView, argmax: GpuStorage, xShape: Shape): GpuView {
    return P.maxPool2dBackward(this.runtime, gy, argmax, xShape);
  }
  avgPool2d(x: GpuView, p: Pool2dParams): GpuView {
    return P.avgPool2d(this.runtime, x, p);
  }
  avgPool2dBackward(gy: GpuView, xShape: Shape, p: Pool2dParams): GpuView {
    return P.avgPool2dBackward(this.runtime, gy, xShape, p);
  }
  contiguous(x: GpuView): GpuView {
    return E.contiguous(this.runtime, x);
  }
  fill(shape: Shape, dtype: DType, value: number): GpuView {
    if (dtype === 'float64')
      throw new Error('webgpu: float64 tensors are not supported (WGSL has no float64)');
    return E.fill(this.runtime, shape, value);
  }
  assign(dst: GpuView, src: GpuView): void {
    E.assign(this.runtime, dst, src);
  }
  adamUpdate(theta: GpuView, g: GpuView, m: GpuView, v: GpuView, h: AdamStep): void {
    adamUpdate(this.runtime, theta, g, m, v, h);
  }
  sgdUpdate(theta: GpuView, g: GpuView, buf: GpuView | null, h: SgdStep): void {
    sgdUpdate(this.runtime, theta, g, buf, h);
  }

  mark(): number {
    return this.runtime.mark();
  }
  release(mark: number, keep: readonly GpuView[]): void {
    this.runtime.release(mark, new Set(keep.map((v) => v.data)));
  }

  dispose(views: readonly GpuView[]): void {
    for (const v of views) v.data.dispose();
  }

  /** Submits every recorded kernel and frees the device. */
  destroy(): void {
    this.runtime.destroy();
  }
}

let ready: WebGpuBackend | null = null;
let why = 'the WebGPU device has not been requested: call await initWebGpu() first';

/**
 * Acquires the device (once) and returns the backend, or null with the reason
 * in `webGpuUnavailableReason()` when this machine has no WebGPU adapter.
 */
export async function initWebGpu(): Promise<WebGpuBackend | null> {
  if (ready) return ready;
  const acquired = await acquireDevice();
  if (!acquired.runtime) {
    why = acquired.reason;
    return null;
  }
  ready = new WebGpuBackend(acquired.runtime);
  return ready;
}

/** The backend once initWebGpu() has succeeded, else null. */
export function webGpuIfReady(): WebGpuBackend | null {
  return ready;
}

/** Why the webgpu backend cannot be used (yet). */
export function webGpuUnavailableReason(): string {
  return why;
}

/** Frees the device, so that Node can exit; initWebGpu() may be called again. */
export function closeWebGpu(): void {
  ready?.destroy();
  ready = null;
  why = 'the WebGPU device was closed: call await initWebGpu() again';
}
