/**
 * TimingBackend: wraps another backend, delegates every kernel to it, and adds
 * up the wall-clock time and the number of calls of each kernel. Wrap the
 * backend in use to see where a training step spends its time:
 *
 *   const timed = new TimingBackend(getBackend());
 *   withBackend(timed, () => trainStep());
 *   timed.report();  // { matmul: { calls, ms }, conv2d: ..., ... }
 *
 * Times are inclusive (a kernel that calls another kernel of the *inner*
 * backend counts once, under its own name) and measured with performance.now().
 */
import type {
  AdamStep,
  Backend,
  FloatArray,
  PoolIndices,
  SgdStep,
  BinaryOp,
  Conv2dParams,
  DType,
  Pool2dParams,
  ReduceOp,
  UnaryOp,
  View,
} from '../backend.js';
import type { Shape } from '../shape.js';

export interface KernelTime {
  calls: number;
  ms: number;
}

/** The kernels that do the heavy arithmetic: matmul and the three convolutions. */
export const HEAVY_KERNELS = ['matmul', 'conv2d', 'conv2dBackwardInput', 'conv2dBackwardWeight'] as const;

/**
 * The kernels counted as "inside matmul/conv" when a training step is timed: the heavy
 * kernels (conv2d with or without its ReLU) and the weight gradient fused with the ReLU's
 * mask and the bias gradient, whose arithmetic is the GEMM's plus one pass over ∂L/∂y.
 */
export const MATMUL_CONV_KERNELS = [...HEAVY_KERNELS, 'conv2dReluBackwardParams'] as const;

export class TimingBackend implements Backend {
  readonly name: string;
  readonly inner: Backend;
  private readonly times = new Map<string, KernelTime>();

  constructor(inner: Backend) {
    this.inner = inner;
    this.name = `timed(${inner.name})`;
  }

  get device(): string {
    return this.inner.device;
  }

  /** Time and calls per kernel name since construction or the last reset(). */
  report(): Record<string, KernelTime> {
    return Object.fromEntries([...this.times].map(([k, t]) => [k, { ...t }]));
  }

  /** Milliseconds spent in the named kernels (all kernels when omitted). */
  totalMs(kernels?: readonly string[]): number {
    let ms = 0;
    for (const [k, t] of this.times) if (!kernels || kernels.includes(k)) ms += t.ms;
    return ms;
  }

  reset(): void {
    this.times.clear();
  }

  /** Runs fn, adding its duration to `kernel`'s total. */
  private time<T>(kernel: string, fn: () => T): T {
    const start = performance.now();
    try {
      return fn();
    } finally {
      const t = this.times.get(kernel) ?? { calls: 0, ms: 0 };
      t.calls++;
      t.ms += performance.now() - start;
      this.times.set(kernel, t);
    }
  }

  upload(values: FloatArray, shape: Shape): View {
    return this.time('upload', () => this.inner.upload(values, shape));
  }
  /** Not timed: reading waits for the device, which is not kernel time. */
  read(x: View): Promise<FloatArray> {
    return this.inner.read(x);
  }
  copy(x: View): View {
    return this.time('copy', () => this.inner.copy(x));
  }
  unary(op: UnaryOp, x: View, param?: number): View {
    return this.time('unary', () => this.inner.unary(op, x, param));
  }
  binary(op: BinaryOp, a: View, b: View): View {
    return this.time('binary', () => this.inner.binary(op, a, b));
  }
  reluBackward(g: View, x: View): View {
    return this.time('reluBackward', () => this.inner.reluBackward(g, x));
  }
  reduce(op: ReduceOp, x: View, axes: readonly number[]): View {
    return this.time('reduce', () => this.inner.reduce(op, x, axes));
  }
  matmul(a: View, b: View): View {
    return this.time('matmul', () => this.inner.matmul(a, b));
  }
  conv2d(x: View, w: View, bias: View | null, p: Conv2dParams, relu?: boolean): View {
    return this.time('conv2d', () => this.inner.conv2d(x, w, bias, p, relu));
  }
  conv2dBackwardInput(gy: View, w: View, xShape: Shape, p: Conv2dParams): View {
    return this.time('conv2dBackwardInput', () => this.inner.conv2dBackwardInput(gy, w, xShape, p));
  }
  conv2dBackwardWeight(x: View, gy: View, wShape: Shape, p: Conv2dParams): View {
    return this.time('conv2dBackwardWeight', () => this.inner.conv2dBackwardWeight(x, gy, wShape, p));
  }
  conv2dReluBackwardParams(x: View, gy: View, y: View, wShape: Shape, p: Conv2dParams): View {
    return this.time('conv2dReluBackwardParams', () =>
      this.inner.conv2dReluBackwardParams(x, gy, y, wShape, p),
    );
  }
  maxPool2d(x: View, p: Pool2dParams): { out: View; argmax: PoolIndices } {
    return this.time('maxPool2d', () => this.inner.maxPool2d(x, p));
  }
  maxPool2dBackward(gy: View, argmax: PoolIndices, xShape: Shape): View {
    return this.time('maxPool2dBackward', () => this.inner.maxPool2dBackward(gy, argmax, xShape));
  }
  avgPool2d(x: View, p: Pool2dParams): View {
    return this.time('avgPool2d', () => this.inner.avgPool2d(x, p));
  }
  avgPool2dBackward(gy: View, xShape: Shape, p: Pool2dParams): View {
    return this.time('avgPool2dBackward', () => this.inner.avgPool2dBackward(gy, xShape, p));
  }
  contiguous(x: View): View {
    return this.time('contiguous', () => this.inner.contiguous(x));
  }
  fill(shape: Shape, dtype: DType, value: number): View {
    return this.time('fill', () => this.inner.fill(shape, dtype, value));
  }
  assign(dst: View, src: View): void {
    this.time('assign', () => this.inner.assign(dst, src));
  }
  mark(): number | undefined {
    return this.inner.mark?.();
  }
  release(mark: number, keep: readonly View[]): void {
    this.inner.release?.(mark, keep);
  }
  dispose(views: readonly View[]): void {
    this.inner.dispose?.(views);
  }
  adamUpdate(theta: View, g: View, m: View, v: View, h: AdamStep): void {
    this.time('adamUpdate', () => this.inner.adamUpdate(theta, g, m, v, h));
  }
  sgdUpdate(theta: View, g: View, buf: View | null, h: SgdStep): void {
    this.time('sgdUpdate', () => this.inner.sgdUpdate(theta, g, buf, h));
  }
}
