/**
 * The gpujs backend: matmul and the three convolution kernels as gpu.js
 * kernels (backends/gpujs/kernels.ts), in one gpu.js mode chosen explicitly;
 * every other kernel, and every float64 call, comes from the cpu backend.
 *
 *   new GpujsBackend()                     the best usable mode here
 *   new GpujsBackend({ mode: 'webasm' })   throws a one-line Error if unusable
 *   GpujsBackend.probe('headlessgl')       { ok: false, reason: '...' }
 *
 * gpu.js fixes a kernel's output size and constants when it compiles it, so
 * kernels are compiled once per (op, shapes) and cached in this backend.
 */
import type { GPU, IKernelRunShortcut, KernelFunction } from 'gpu.js';
import ndarray from 'ndarray';
import type { Conv2dParams, HostView } from '../backend.js';
import { broadcastShapes, sizeOf, windowOutputSize, type Shape } from '../shape.js';
import { broadcastStrides, copyToArray, forEachOffset, zerosView } from '../view.js';
import {
  conv2dBackwardInputKernel,
  conv2dBackwardWeightKernel,
  conv2dKernel,
  loopBound,
  matmulKernel,
  type ConvConstants,
  type MatmulConstants,
} from './gpujs/kernels.js';
import { bestMode, loadGpujs, probeMode, type GpujsMode, type ModeProbe } from './gpujs/modes.js';
import { CpuBackend } from './cpu.js';
import { conv2dReluBackwardParamsByParts } from './reference.js';

export {
  GPUJS_MODES,
  usableModes,
  bestMode,
  isSoftwareRenderer,
  headlessGlRenderer,
  type GpujsMode,
  type ModeProbe,
} from './gpujs/modes.js';

export interface GpujsBackendOptions {
  /** The gpu.js mode; defaults to the best usable one here (see gpujs/modes.ts). */
  mode?: GpujsMode;
  /** How many compiled kernels to keep (the oldest is dropped beyond this). */
  maxCachedKernels?: number;
}

export class GpujsBackend extends CpuBackend {
  override readonly name: string;
  readonly mode: GpujsMode;
  private readonly gpu: GPU;
  private readonly kernels = new Map<string, IKernelRunShortcut>();
  private readonly maxCachedKernels: number;

  /** Whether `mode` can run here, and a one-line reason when it cannot. */
  static probe(mode: string): ModeProbe {
    return probeMode(mode);
  }

  constructor(opts: GpujsBackendOptions = {}) {
    super();
    const mode = opts.mode ?? bestMode();
    const probe = probeMode(mode);
    if (!probe.ok) throw new Error(`gpujs mode '${mode}' is unavailable: ${probe.reason}`);
    this.mode = mode;
    this.name = `gpujs-${mode}`;
    this.gpu = new (loadGpujs().GPU)({ mode });
    this.maxCachedKernels = opts.maxCachedKernels ?? 256;
  }

  /** How many compiled kernels are cached (one per op and shape seen). */
  get cachedKernelCount(): number {
    return this.kernels.size;
  }

  /** Frees every compiled kernel, then stops the cpu backend's worker threads. */
  override dispose(): void {
    for (const k of this.kernels.values()) k.destroy();
    this.kernels.clear();
    super.dispose();
  }

  override matmul(a: HostView, b: HostView): HostView {
    if (!(a.data instanceof Float32Array) || !(b.data instanceof Float32Array)) return super.matmul(a, b);
    // a: [...batchA, M, K], b: [...batchB, K, N] -> [...batch, M, N]
    const M = a.shape[a.shape.length - 2]!;
    const K = a.shape[a.shape.length - 1]!;
    const N = b.shape[b.shape.length - 1]!;
    if (M * K * N === 0) return super.matmul(a, b);
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB);
    const out = zerosView('float32', [...batch, M, N]);
    // The data offset of each batch's matrix (stride 0 along broadcast axes);
    // the batch loop runs here on the host, one kernel call per matrix.
    const aOffsets = batchOffsets(batch, batchA, a);
    const bOffsets = batchOffsets(batch, batchB, b);
    for (let t = 0; t < aOffsets.length; t++) {
      const A = denseMatrix(a, aOffsets[t]!);
      const B = denseMatrix(b, bOffsets[t]!);
      const constants: MatmulConstants = { M, K, N, aRow: A.row, aCol: A.col, bRow: B.row, bCol: B.col };
      const kernel = this.kernel('matmul', matmulKernel, M * N, constants);
      out.data.set(kernel(A.data, B.data) as Float32Array, t * M * N);
    }
    return out;
  }

  /** With `relu`, the gpu.js convolution followed by the cpu backend's relu. */
  override conv2d(x: HostView, w: HostView, bias: HostView | null, p: Conv2dParams, relu = false): HostView {
    if (!(x.data instanceof Float32Array) || !(w.data instanceof Float32Array)) {
      return super.conv2d(x, w, bias, p, relu);
    }
    const c = convConstants(x.shape, w.shape, p);
    const { N, O, OH, OW } = c;
    if (N * O * OH * OW === 0 || c.C * c.KH * c.KW === 0) return super.conv2d(x, w, bias, p, relu);
    const biasData = bias ? float32(this.contiguous(bias).data) : new Float32Array(O);
    const kernel = this.kernel('conv2d', conv2dKernel, N * O * OH * OW, c);
    const y = ndarray(kernel(this.flat(x), this.flat(w), biasData) as Float32Array, [
      N,
      O,
      OH,
      OW,
    ]) as HostView;
    return relu ? this.unary('relu', y) : y;
  }

  override conv2dBackwardInput(gy: HostView, w: HostView, xShape: Shape, p: Conv2dParams): HostView {
    if (!(gy.data instanceof Float32Array) || !(w.data instanceof Float32Array)) {
      return super.conv2dBackwardInput(gy, w, xShape, p);
    }
    const c = convConstants(xShape, w.shape, p);
    if (sizeOf(xShape) === 0 || sizeOf(gy.shape) === 0) return super.conv2dBackwardInput(gy, w, xShape, p);
    const kernel = this.kernel('conv2dBackwardInput', conv2dBackwardInputKernel, sizeOf(xShape), c);
    const gx = kernel(this.flat(gy), this.flat(w)) as Float32Array;
    return ndarray(gx, [...xShape]) as HostView;
  }

  override conv2dBackwardWeight(x: HostView, gy: HostView, wShape: Shape, p: Conv2dParams): HostView {
    if (!(x.data instanceof Float32Array) || !(gy.data instanceof Float32Array)) {
      return super.conv2dBackwardWeight(x, gy, wShape, p);
    }
    const c = convConstants(x.shape, wShape, p);
    if (sizeOf(wShape) === 0 || sizeOf(gy.shape) === 0) return super.conv2dBackwardWeight(x, gy, wShape, p);
    const kernel = this.kernel('conv2dBackwardWeight', conv2dBackwardWeightKernel, sizeOf(wShape), c);
    const gw = kernel(this.flat(x), this.flat(gy)) as Float32Array;
    return ndarray(gw, [...wShape]) as HostView;
  }

  /** The unfused kernels, so that the weight gradient is the gpu.js one. */
  override conv2dReluBackwardParams(
    x: HostView,
    gy: HostView,
    y: HostView,
    wShape: Shape,
    p: Conv2dParams,
  ): HostView {
    return conv2dReluBackwardParamsByParts(this, x, gy, y, wShape, p);
  }

  /** The row-major Float32Array of a view's elements (the view's own data when already so). */
  private flat(v: HostView): Float32Array {
    return float32(this.contiguous(v).data);
  }

  /** The compiled kernel for (op, output size, constants), compiling it on first use. */
  private kernel<Constants extends MatmulConstants | ConvConstants>(
    op: string,
    fn: KernelFunction<number[][], Constants>,
    outputSize: number,
    constants: Constants,
  ): IKernelRunShortcut {
    const key = `${op}|${outputSize}|${JSON.stringify(constants)}`;
    let k = this.kernels.get(key);
    if (k) {
      // Move to the end of the Map's insertion order: the most recently used.
      this.kernels.delete(key);
      this.kernels.set(key, k);
      return k;
    }
    k = this.gpu.createKernel(fn, {
      output: [outputSize],
      constants,
      precision: 'single',
      // An options field gpu.js reads but its typings omit: the cap on loop trips.
      ...{ loopMaxIterations: loopBound(constants) },
    });
    this.kernels.set(key, k);
    if (this.kernels.size > this.maxCachedKernels) {
      const [oldestKey, oldest] = this.kernels.entries().next().value as [string, IKernelRunShortcut];
      oldest.destroy();
      this.kernels.delete(oldestKey);
    }
    return k;
  }
}

/** Sizes, strides and paddings of a convolution, as kernel constants. */
function convConstants(xShape: Shape, wShape: Shape, p: Conv2dParams): ConvConstants {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, , KH, KW] = wShape as [number, number, number, number];
  const [strideH, strideW] = p.stride;
  const [padH, padW] = p.padding;
  const OH = windowOutputSize(H, KH, strideH, padH);
  const OW = windowOutputSize(W, KW, strideW, padW);
  return { N, C, H, W, O, KH, KW, OH, OW, strideH, strideW, padH, padW };
}

/** The data offset of the matrix of each batch element, for a view broadcast to `batch`. */
function batchOffsets(batch: Shape, ownBatch: Shape, v: HostView): number[] {
  const strides = broadcastStrides(ownBatch, v.stride.slice(0, -2), batch);
  const offsets: number[] = [];
  forEachOffset(batch, strides, v.offset, (off) => offsets.push(off));
  return offsets;
}

/**
 * The matrix of v at data offset `offset` (v's last two axes: [rows, cols]) as a
 * flat array with (row, col) strides. A row-major or column-major (transposed)
 * matrix is passed as a subarray without copying; anything else is copied.
 */
function denseMatrix(v: HostView, offset: number): { data: Float32Array; row: number; col: number } {
  const rows = v.shape[v.shape.length - 2]!;
  const cols = v.shape[v.shape.length - 1]!;
  const [sRow, sCol] = v.stride.slice(-2) as [number, number];
  const data = float32(v.data);
  const span = data.subarray(offset, offset + rows * cols);
  if ((sCol === 1 || cols === 1) && (sRow === cols || rows === 1)) return { data: span, row: cols, col: 1 };
  if ((sRow === 1 || rows === 1) && (sCol === rows || cols === 1)) return { data: span, row: 1, col: rows };
  const matrix = ndarray(v.data, [rows, cols], [sRow, sCol], offset) as HostView;
  return { data: float32(copyToArray(matrix)), row: cols, col: 1 };
}

function float32(data: HostView['data']): Float32Array {
  if (!(data instanceof Float32Array)) throw new Error('gpujs: expected float32 data');
  return data;
}
