/**
 * The Backend interface: every numeric kernel the library needs, and nothing
 * about autograd. A kernel reads strided views and returns a new row-major
 * view of the same dtype; it never modifies its inputs (the optimizer updates,
 * which work in place, say so).
 *
 * Who owns the data. Every view's `data` belongs to the backend that made it:
 * host backends (reference, cpu, gpujs) keep it in a typed array in JS memory,
 * a device backend (webgpu) in a buffer on the device, behind a handle
 * (`DeviceStorage`). Kernels dispatch synchronously and never read device data
 * back; reading is explicit and asynchronous (`read`), and uploading goes
 * through the backend (`upload`, `fill`).
 *
 * `reference` (backends/reference.ts) is the specification of every kernel.
 * A faster backend implements the same interface (usually by extending the
 * reference and overriding the heavy kernels); registry.ts makes it selectable.
 */
import type ndarray from 'ndarray';
import type { Shape } from './shape.js';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;

/** Where a backend keeps its data: 'host' for JS memory, otherwise the device backend's name. */
export type Device = string;
export const HOST: Device = 'host';

/**
 * Data a device backend owns (a GPU buffer, for example): a handle, never host
 * memory. `get` and `set` exist only because strided views (ndarray) expect
 * them of non-typed-array data; they throw, naming the device.
 */
export interface DeviceStorage {
  readonly device: Device;
  readonly dtype: DType;
  /** Number of elements the storage holds. */
  readonly length: number;
  /** A row-major copy of the elements that (shape, stride, offset) select. */
  read(shape: readonly number[], stride: readonly number[], offset: number): Promise<FloatArray>;
  get(index: number): number;
  set(index: number, value: number): void;
}

/** A tensor's data: host memory, or a device backend's storage. */
export type Storage = FloatArray | DeviceStorage;

/** A strided view (shape, stride, offset) over any backend's storage. */
export type View = ndarray.NdArray<Storage>;
/** A strided view over host memory: what the host backends' kernels read and write. */
export type HostView = ndarray.NdArray<FloatArray>;

/** Max-pool's argmax, kept by the backend that computed it: flat indices into row-major x. */
export type PoolIndices = Int32Array | DeviceStorage;

/** True for data in host memory (a typed array), false for a device backend's storage. */
export function isHostStorage(data: Storage): data is FloatArray {
  return data instanceof Float32Array || data instanceof Float64Array;
}

/** The device that holds `data`. */
export function deviceOf(data: Storage): Device {
  return isHostStorage(data) ? HOST : data.device;
}

/** Adam's constants for one update (see src/nn/optim/adam.ts for the equations). */
export interface AdamStep {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** lr / (1 − β1ᵗ) */
  stepSize: number;
  /** √(1 − β2ᵗ) */
  sqrtBias2: number;
}

/** SGD's constants for one update (see src/nn/optim/sgd.ts). */
export interface SgdStep {
  lr: number;
  weightDecay: number;
  momentum: number;
  nesterov: boolean;
  /** True on a parameter's first step: the momentum buffer starts at g. */
  first: boolean;
}

/** Elementwise functions of one argument. `pow` takes its exponent as `param`. */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'abs'
  | 'relu'
  | 'square'
  | 'pow'
  | 'sign' // −1, 0 or 1
  | 'step'; // 1 where x > 0, else 0 (the derivative of relu)

/** Elementwise functions of two broadcast arguments. `eq` gives 1 or 0. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'eq';

/** Reductions over a set of axes. */
export type ReduceOp = 'sum' | 'max';

export interface Conv2dParams {
  stride: readonly [number, number];
  padding: readonly [number, number];
}

export interface Pool2dParams {
  kernel: readonly [number, number];
  stride: readonly [number, number];
}

export interface Backend {
  readonly name: string;
  /** Where this backend's views keep their data: HOST, or its own device. */
  readonly device: Device;

  /**
   * A row-major view of this backend's over `values` (which fill `shape`). A host
   * backend uses the array as it is (no copy); a device backend copies it over.
   */
  upload(values: FloatArray, shape: Shape): View;
  /** A row-major host copy of x's elements; waits for the device where there is one. */
  read(x: View): Promise<FloatArray>;
  /** A new row-major copy of x that shares no data with it. */
  copy(x: View): View;

  /** y = f(x), elementwise; same shape as x. */
  unary(op: UnaryOp, x: View, param?: number): View;
  /** y = f(a, b) with NumPy broadcasting; shape = broadcast(a.shape, b.shape). */
  binary(op: BinaryOp, a: View, b: View): View;
  /** ∂L/∂x of relu: g · [x > 0] elementwise; g and x have the same shape (either may be strided). */
  reluBackward(g: View, x: View): View;
  /** Reduces `axes` (sorted, unique); the result keeps them as size 1. */
  reduce(op: ReduceOp, x: View, axes: readonly number[]): View;

  /** [..., M, K] @ [..., K, N] -> [..., M, N]; batch axes broadcast. */
  matmul(a: View, b: View): View;

  /**
   * x [N,C,H,W] ⋆ w [O,C,KH,KW] (+ bias [O]) -> [N,O,OH,OW] (cross-correlation, as in PyTorch).
   * With `relu`, max(0, ·) of that, applied as the output is written: the same values as
   * unary('relu', conv2d(...)) without a second pass over the output.
   */
  conv2d(x: View, w: View, bias: View | null, p: Conv2dParams, relu?: boolean): View;
  /** ∂L/∂x of conv2d given ∂L/∂y [N,O,OH,OW] -> [N,C,H,W]. */
  conv2dBackwardInput(gy: View, w: View, xShape: Shape, p: Conv2dParams): View;
  /** ∂L/∂w of conv2d given ∂L/∂y -> [O,C,KH,KW]. */
  conv2dBackwardWeight(x: View, gy: View, wShape: Shape, p: Conv2dParams): View;
  /**
   * ∂L/∂w and ∂L/∂b of y = relu(conv2d(x, w) + b), given ∂L/∂y and y itself, as one flat
   * array [O·C·KH·KW + O]: ∂L/∂w in row-major order, then ∂L/∂b. Both come from the masked
   * gradient gm = ∂L/∂y · [y > 0]:  ∂L/∂w = conv2dBackwardWeight(x, gm),  ∂L/∂b = Σ_{n,oh,ow} gm,
   * the same values as those three kernels (reluBackward, conv2dBackwardWeight, reduce);
   * a backend may form gm as it reads ∂L/∂y, without writing it out.
   */
  conv2dReluBackwardParams(x: View, gy: View, y: View, wShape: Shape, p: Conv2dParams): View;

  /** Max over windows of x [N,C,H,W]; argmax holds flat indices into row-major x. */
  maxPool2d(x: View, p: Pool2dParams): { out: View; argmax: PoolIndices };
  /** Routes gy to the argmax positions (summing where windows overlap). */
  maxPool2dBackward(gy: View, argmax: PoolIndices, xShape: Shape): View;
  /** Mean over windows of x [N,C,H,W]. */
  avgPool2d(x: View, p: Pool2dParams): View;
  avgPool2dBackward(gy: View, xShape: Shape, p: Pool2dParams): View;

  /** A row-major copy of x, or x itself when it is already row-major. */
  contiguous(x: View): View;
  /** A new row-major view filled with `value`. */
  fill(shape: Shape, dtype: DType, value: number): View;
  /** dst[...] = src elementwise (same shapes); dst may be a strided view. */
  assign(dst: View, src: View): void;

  /**
   * One Adam step, in place on theta, m and v (all row-major, same size as the
   * row-major gradient g): g ← g + wd·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
   * θ ← θ − stepSize · m / (√v / sqrtBias2 + eps).
   */
  adamUpdate(theta: View, g: View, m: View, v: View, h: AdamStep): void;
  /**
   * One SGD step, in place on theta and the momentum buffer (null without momentum):
   * g ← g + wd·θ; buf ← g (first step) or μ·buf + g; θ ← θ − lr·(nesterov ? g + μ·buf : buf).
   */
  sgdUpdate(theta: View, g: View, buf: View | null, h: SgdStep): void;

  /**
   * Device backends only (host memory is left to the garbage collector): a mark
   * before a unit of work such as a training step, and `release(mark, keep)`
   * after it, which frees every buffer made since the mark except keep's.
   */
  mark?(): number | undefined;
  release?(mark: number, keep: readonly View[]): void;
  /** Device backends only: frees the buffers of these views now (they must not be used again). */
  dispose?(views: readonly View[]): void;
}
