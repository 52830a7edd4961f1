/**
 * The gpu.js kernel functions of the gpujs backend. gpu.js runs a kernel once
 * per output cell ("thread"), reading its cell index from `this.thread.x`, and
 * translates the function's source into the chosen mode (plain JavaScript,
 * WebAssembly, GLSL). So each function below is a *gather*: one output element,
 * computed from its inputs, with every size baked in as a constant.
 *
 * Rules these functions follow (measured facts about gpu.js 2.24.1):
 * - Every output is 1-D (the flat row-major index): 1-D results come back as
 *   one Float32Array, while 2-D outputs come back as arrays of row views.
 * - Every loop is bounded by `this.constants.*`, never by a kernel argument.
 *   gpu.js emits a loop whose test reads only constants as written; any other
 *   loop becomes `for (i < LOOP_MAX) { if (!test) break; ... }`, silently cut
 *   at `loopMaxIterations` (default 1000). The backend also raises
 *   `loopMaxIterations` above the longest loop (see `loopBound`), in case a
 *   mode treats a loop as unsafe.
 * - Only what gpu.js can translate: `this.constants.X` written out in full,
 *   `Math.floor` for integer division, `if` instead of `continue`.
 *
 * Inputs are flat Float32Arrays holding row-major [N,C,H,W] / [O,C,KH,KW]
 * tensors; matmul's inputs may be transposed (their strides are constants).
 */
import type { IKernelFunctionThis } from 'gpu.js';

/** Constants of the matmul kernel: sizes and the (row, column) strides of a and b. */
export interface MatmulConstants {
  [key: string]: number;
  M: number;
  K: number;
  N: number;
  aRow: number;
  aCol: number;
  bRow: number;
  bCol: number;
}

/** Constants of the three convolution kernels. */
export interface ConvConstants {
  [key: string]: number;
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  strideH: number;
  strideW: number;
  padH: number;
  padW: number;
}

/**
 * out[m, n] = Σ_k a[m, k] · b[k, n]; a is [M,K], b is [K,N], out is [M,N] flat.
 * Equivalent to the reference's loop `for m, n: for k: s += a[m,k]·b[k,n]`
 * for one (m, n); cell index x = m·N + n.
 */
export function matmulKernel(this: IKernelFunctionThis<MatmulConstants>, a: number[], b: number[]): number {
  const m = Math.floor(this.thread.x / this.constants.N);
  const n = this.thread.x - m * this.constants.N;
  let sum = 0;
  for (let k = 0; k < this.constants.K; k++) {
    sum +=
      a[m * this.constants.aRow + k * this.constants.aCol]! *
      b[k * this.constants.bRow + n * this.constants.bCol]!;
  }
  return sum;
}

/**
 * y[n,o,oh,ow] = bias[o] + Σ_c Σ_kh Σ_kw x[n, c, oh·sh − ph + kh, ow·sw − pw + kw] · w[o,c,kh,kw]
 * (taps outside the image read zero padding). Equivalent to the body of the
 * reference conv2d's four outer loops; cell index x = ((n·O + o)·OH + oh)·OW + ow.
 */
export function conv2dKernel(
  this: IKernelFunctionThis<ConvConstants>,
  x: number[],
  w: number[],
  bias: number[],
): number {
  const ow = this.thread.x - Math.floor(this.thread.x / this.constants.OW) * this.constants.OW;
  const rest = Math.floor(this.thread.x / this.constants.OW); // = (n·O + o)·OH + oh
  const oh = rest - Math.floor(rest / this.constants.OH) * this.constants.OH;
  const no = Math.floor(rest / this.constants.OH); // = n·O + o
  const o = no - Math.floor(no / this.constants.O) * this.constants.O;
  const n = Math.floor(no / this.constants.O);
  let sum = bias[o]!;
  for (let kh = 0; kh < this.constants.KH; kh++) {
    const ih = oh * this.constants.strideH - this.constants.padH + kh;
    if (ih >= 0 && ih < this.constants.H) {
      for (let kw = 0; kw < this.constants.KW; kw++) {
        const iw = ow * this.constants.strideW - this.constants.padW + kw;
        if (iw >= 0 && iw < this.constants.W) {
          for (let c = 0; c < this.constants.C; c++) {
            sum +=
              x[((n * this.constants.C + c) * this.constants.H + ih) * this.constants.W + iw]! *
              w[((o * this.constants.C + c) * this.constants.KH + kh) * this.constants.KW + kw]!;
          }
        }
      }
    }
  }
  return sum;
}

/**
 * ∂L/∂x[n,c,ih,iw] = Σ_o Σ_kh Σ_kw ∂L/∂y[n,o,oh,ow] · w[o,c,kh,kw]
 *   over the (oh, ow) with oh·sh − ph + kh = ih and ow·sw − pw + kw = iw.
 * Equivalent to the reference's scatter loops (which add g·w into gx) turned
 * into a gather: for each tap (kh, kw), oh = (ih + ph − kh)/sh must be a whole
 * number inside [0, OH), likewise ow. Cell index x = ((n·C + c)·H + ih)·W + iw.
 */
export function conv2dBackwardInputKernel(
  this: IKernelFunctionThis<ConvConstants>,
  gy: number[],
  w: number[],
): number {
  const iw = this.thread.x - Math.floor(this.thread.x / this.constants.W) * this.constants.W;
  const rest = Math.floor(this.thread.x / this.constants.W); // = (n·C + c)·H + ih
  const ih = rest - Math.floor(rest / this.constants.H) * this.constants.H;
  const nc = Math.floor(rest / this.constants.H); // = n·C + c
  const c = nc - Math.floor(nc / this.constants.C) * this.constants.C;
  const n = Math.floor(nc / this.constants.C);
  let sum = 0;
  for (let kh = 0; kh < this.constants.KH; kh++) {
    const th = ih + this.constants.padH - kh; // = oh·sh when this tap hits
    const oh = Math.floor(th / this.constants.strideH);
    if (th >= 0 && oh * this.constants.strideH === th && oh < this.constants.OH) {
      for (let kw = 0; kw < this.constants.KW; kw++) {
        const tw = iw + this.constants.padW - kw; // = ow·sw when this tap hits
        const ow = Math.floor(tw / this.constants.strideW);
        if (tw >= 0 && ow * this.constants.strideW === tw && ow < this.constants.OW) {
          for (let o = 0; o < this.constants.O; o++) {
            sum +=
              gy[((n * this.constants.O + o) * this.constants.OH + oh) * this.constants.OW + ow]! *
              w[((o * this.constants.C + c) * this.constants.KH + kh) * this.constants.KW + kw]!;
          }
        }
      }
    }
  }
  return sum;
}

/**
 * ∂L/∂w[o,c,kh,kw] = Σ_n Σ_oh Σ_ow ∂L/∂y[n,o,oh,ow] · x[n, c, oh·sh − ph + kh, ow·sw − pw + kw]
 * Equivalent to the body of the reference conv2dBackwardWeight's four outer
 * loops; cell index x = ((o·C + c)·KH + kh)·KW + kw.
 */
export function conv2dBackwardWeightKernel(
  this: IKernelFunctionThis<ConvConstants>,
  x: number[],
  gy: number[],
): number {
  const kw = this.thread.x - Math.floor(this.thread.x / this.constants.KW) * this.constants.KW;
  const rest = Math.floor(this.thread.x / this.constants.KW); // = (o·C + c)·KH + kh
  const kh = rest - Math.floor(rest / this.constants.KH) * this.constants.KH;
  const oc = Math.floor(rest / this.constants.KH); // = o·C + c
  const c = oc - Math.floor(oc / this.constants.C) * this.constants.C;
  const o = Math.floor(oc / this.constants.C);
  let sum = 0;
  for (let n = 0; n < this.constants.N; n++) {
    for (let oh = 0; oh < this.constants.OH; oh++) {
      const ih = oh * this.constants.strideH - this.constants.padH + kh;
      if (ih >= 0 && ih < this.constants.H) {
        for (let ow = 0; ow < this.constants.OW; ow++) {
          const iw = ow * this.constants.strideW - this.constants.padW + kw;
          if (iw >= 0 && iw < this.constants.W) {
            sum +=
              gy[((n * this.constants.O + o) * this.constants.OH + oh) * this.constants.OW + ow]! *
              x[((n * this.constants.C + c) * this.constants.H + ih) * this.constants.W + iw]!;
          }
        }
      }
    }
  }
  return sum;
}

/** The longest loop of a kernel with these constants, plus one: its `loopMaxIterations`. */
export function loopBound(constants: Record<string, number>): number {
  return Math.max(1000, ...Object.values(constants)) + 1;
}
