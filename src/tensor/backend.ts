/**
 * The Backend interface: every numeric kernel the library needs, and nothing
 * about autograd. A kernel reads strided views (ndarray) and returns a new
 * row-major view of the same dtype; it never modifies its inputs.
 *
 * `reference` (backends/reference.ts) is the specification of every kernel.
 * A faster backend implements the same interface (usually by extending the
 * reference and overriding the heavy kernels) and registers itself here.
 */
import type ndarray from 'ndarray';
import type { Shape } from './shape.js';

export type DType = 'float32' | 'float64';
export type FloatArray = Float32Array | Float64Array;
/** A strided view over a typed array: data, shape, stride, offset. */
export type View = ndarray.NdArray<FloatArray>;

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
  maxPool2d(x: View, p: Pool2dParams): { out: View; argmax: Int32Array };
  /** Routes gy to the argmax positions (summing where windows overlap). */
  maxPool2dBackward(gy: View, argmax: Int32Array, xShape: Shape): View;
  /** Mean over windows of x [N,C,H,W]. */
  avgPool2d(x: View, p: Pool2dParams): View;
  avgPool2dBackward(gy: View, xShape: Shape, p: Pool2dParams): View;

  /** A row-major copy of x, or x itself when it is already row-major. */
  contiguous(x: View): View;
  /** A new row-major view filled with `value`. */
  fill(shape: Shape, dtype: DType, value: number): View;
  /** dst[...] = src elementwise (same shapes); dst may be a strided view. */
  assign(dst: View, src: View): void;
}

// ---------------------------------------------------------------------------
// The registry: backends by name, and the one in use.

type BackendFactory = () => Backend;
const factories = new Map<string, BackendFactory>();
const instances = new Map<string, Backend>();
let current: Backend | null = null;
let defaultName = 'reference';

/** Makes a backend selectable by name. The first call for a name wins unless `replace`. */
export function registerBackend(
  name: string,
  factory: BackendFactory,
  opts: { makeDefault?: boolean } = {},
): void {
  factories.set(name, factory);
  instances.delete(name);
  if (opts.makeDefault) defaultName = name;
}

export function availableBackends(): string[] {
  return [...factories.keys()];
}

/** The backend registered under `name` (created on first use). */
export function backendByName(name: string): Backend {
  let b = instances.get(name);
  if (!b) {
    const f = factories.get(name);
    if (!f) throw new Error(`unknown backend '${name}'; available: ${availableBackends().join(', ')}`);
    b = f();
    instances.set(name, b);
  }
  return b;
}

/** Selects the backend that runs every following op. Accepts a name or an instance. */
export function setBackend(backend: string | Backend): Backend {
  current = typeof backend === 'string' ? backendByName(backend) : backend;
  return current;
}

/** The backend in use (the default one until `setBackend` is called). */
export function getBackend(): Backend {
  if (!current) current = backendByName(defaultName);
  return current;
}

/** Runs fn with `backend` selected, then restores the previous one. */
export function withBackend<T>(backend: string | Backend, fn: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  try {
    return fn();
  } finally {
    current = previous;
  }
}

// ---------------------------------------------------------------------------
// Built-in backends. Adding one: write backends/<name>.ts and register it here.
import { ReferenceBackend } from './backends/reference.js';

registerBackend('reference', () => new ReferenceBackend());
import { GpujsBackend } from './backends/gpujs.js';

registerBackend('gpujs', () => new GpujsBackend());
import { CpuBackend } from './backends/cpu.js';

registerBackend('cpu', () => new CpuBackend(), { makeDefault: true });
