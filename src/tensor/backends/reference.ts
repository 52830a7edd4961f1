/**
 * The reference backend: one plain loop nest per kernel, shapes in comments.
 * It is the specification every faster backend is tested against, so it
 * favours obviousness over speed. Works for float32 and float64 (sums are
 * accumulated in JavaScript's float64 numbers, then stored in the output dtype).
 */
import {
  HOST,
  type AdamStep,
  type Backend,
  type BinaryOp,
  type Conv2dParams,
  type DType,
  type FloatArray,
  type Pool2dParams,
  type ReduceOp,
  type SgdStep,
  type UnaryOp,
  type HostView,
} from '../backend.js';
import {
  broadcastShapes,
  formatShape,
  sameShape,
  ShapeError,
  sizeOf,
  windowOutputSize,
  type Shape,
} from '../shape.js';
import {
  broadcastStrides,
  copyToArray,
  dtypeOf,
  forEachOffset,
  isContiguous,
  viewOf,
  zerosView,
} from '../view.js';

export const unaryFunctions: Record<UnaryOp, (x: number, p: number) => number> = {
  neg: (x) => -x,
  exp: (x) => Math.exp(x),
  log: (x) => Math.log(x),
  sqrt: (x) => Math.sqrt(x),
  abs: (x) => Math.abs(x),
  relu: (x) => (x > 0 ? x : 0),
  square: (x) => x * x,
  pow: (x, p) => Math.pow(x, p),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  step: (x) => (x > 0 ? 1 : 0),
};

export const binaryFunctions: Record<BinaryOp, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  eq: (a, b) => (a === b ? 1 : 0),
};

/**
 * Backend.conv2dReluBackwardParams as the three kernels it stands for, run on `k`:
 * gm = reluBackward(∂L/∂y, y), ∂L/∂w = conv2dBackwardWeight(x, gm), ∂L/∂b = Σ_{n,oh,ow} gm.
 */
export function conv2dReluBackwardParamsByParts(
  k: Backend,
  x: HostView,
  gy: HostView,
  y: HostView,
  wShape: Shape,
  p: Conv2dParams,
): HostView {
  const gm = k.reluBackward(gy, y);
  const dw = k.conv2dBackwardWeight(x, gm, wShape, p);
  const db = k.reduce('sum', gm, [0, 2, 3]);
  // [∂L/∂w row-major, then ∂L/∂b]; a row-major view holds exactly its elements from offset 0
  const weights = sizeOf(wShape);
  const out = zerosView(dtypeOf(dw.data), [weights + wShape[0]!]);
  out.data.set((k.contiguous(dw) as HostView).data); // k is a host backend: its views hold typed arrays
  out.data.set((k.contiguous(db) as HostView).data, weights);
  return out;
}

export class ReferenceBackend implements Backend {
  readonly name: string = 'reference';
  readonly device = HOST;

  upload(values: FloatArray, shape: Shape): HostView {
    return viewOf(values, shape);
  }

  read(x: HostView): Promise<FloatArray> {
    return Promise.resolve(copyToArray(x));
  }

  copy(x: HostView): HostView {
    return viewOf(copyToArray(x), x.shape);
  }

  unary(op: UnaryOp, x: HostView, param = 0): HostView {
    const f = unaryFunctions[op];
    const out = zerosView(dtypeOf(x.data), x.shape);
    const o = out.data;
    const src = x.data;
    let i = 0;
    forEachOffset(x.shape, x.stride, x.offset, (off) => {
      o[i++] = f(src[off]!, param);
    });
    return out;
  }

  binary(op: BinaryOp, a: HostView, b: HostView): HostView {
    const f = binaryFunctions[op];
    const shape = broadcastShapes(op, a.shape, b.shape);
    const out = zerosView(dtypeOf(a.data), shape);
    // Walk the output in row-major order; a and b are read through strides
    // that are 0 along the axes they are broadcast over.
    const sa = broadcastStrides(a.shape, a.stride, shape);
    const sb = broadcastStrides(b.shape, b.stride, shape);
    const aOffsets = offsetsOf(shape, sa, a.offset);
    const bOffsets = offsetsOf(shape, sb, b.offset);
    for (let i = 0; i < out.data.length; i++) {
      out.data[i] = f(a.data[aOffsets[i]!]!, b.data[bOffsets[i]!]!);
    }
    return out;
  }

  reluBackward(g: HostView, x: HostView): HostView {
    if (!sameShape(g.shape, x.shape)) {
      throw new ShapeError(`reluBackward: g ${formatShape(g.shape)} and x ${formatShape(x.shape)} differ`);
    }
    const out = zerosView(dtypeOf(g.data), g.shape);
    const xOffsets = offsetsOf(x.shape, x.stride, x.offset);
    let i = 0;
    // ∂L/∂x = g · [x > 0]  (a product, as mul(g, step(x)) gives: −0 or NaN where g is, when x ≤ 0)
    forEachOffset(g.shape, g.stride, g.offset, (off) => {
      out.data[i] = g.data[off]! * (x.data[xOffsets[i]!]! > 0 ? 1 : 0);
      i++;
    });
    return out;
  }

  reduce(op: ReduceOp, x: HostView, axes: readonly number[]): HostView {
    // out has x's shape with the reduced axes set to 1 (keepdims).
    const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    const out = zerosView(dtypeOf(x.data), outShape);
    const acc = new Float64Array(out.data.length).fill(op === 'sum' ? 0 : -Infinity);
    // Reading out through x's shape with stride 0 on reduced axes maps every
    // element of x to the output cell it reduces into.
    const outStrides = broadcastStrides(outShape, out.stride, x.shape);
    const outIndex = offsetsOf(x.shape, outStrides, 0);
    let i = 0;
    forEachOffset(x.shape, x.stride, x.offset, (off) => {
      const v = x.data[off]!;
      const j = outIndex[i++]!;
      if (op === 'sum') acc[j]! += v;
      else if (v > acc[j]! || Number.isNaN(v)) acc[j] = v;
    });
    out.data.set(acc);
    return out;
  }

  matmul(a: HostView, b: HostView): HostView {
    // a: [...batchA, M, K], b: [...batchB, K, N] -> [...batch, M, N]
    const M = a.shape[a.shape.length - 2]!;
    const K = a.shape[a.shape.length - 1]!;
    const N = b.shape[b.shape.length - 1]!;
    const batchA = a.shape.slice(0, -2);
    const batchB = b.shape.slice(0, -2);
    const batch = broadcastShapes('matmul', batchA, batchB);
    const out = zerosView(dtypeOf(a.data), [...batch, M, N]);
    const aBatchOffsets = offsetsOf(batch, broadcastStrides(batchA, a.stride.slice(0, -2), batch), a.offset);
    const bBatchOffsets = offsetsOf(batch, broadcastStrides(batchB, b.stride.slice(0, -2), batch), b.offset);
    const [aM, aK] = a.stride.slice(-2) as [number, number];
    const [bK, bN] = b.stride.slice(-2) as [number, number];
    for (let t = 0; t < aBatchOffsets.length; t++) {
      const aOff = aBatchOffsets[t]!;
      const bOff = bBatchOffsets[t]!;
      for (let m = 0; m < M; m++) {
        for (let n = 0; n < N; n++) {
          let s = 0;
          for (let k = 0; k < K; k++) s += a.data[aOff + m * aM + k * aK]! * b.data[bOff + k * bK + n * bN]!;
          out.data[(t * M + m) * N + n] = s;
        }
      }
    }
    return out;
  }

  conv2d(x: HostView, w: HostView, bias: HostView | null, p: Conv2dParams, relu = false): HostView {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [O, , KH, KW] = w.shape as [number, number, number, number];
    const [sh, sw] = p.stride;
    const [ph, pw] = p.padding;
    const OH = windowOutputSize(H, KH, sh, ph);
    const OW = windowOutputSize(W, KW, sw, pw);
    const X = this.contiguous(x);
    const Wt = this.contiguous(w);
    const Bs = bias ? this.contiguous(bias) : null;
    const out = zerosView(dtypeOf(x.data), [N, O, OH, OW]);
    // y[n,o,oh,ow] = b[o] + Σ_c Σ_kh Σ_kw x[n, c, oh·sh − ph + kh, ow·sw − pw + kw] · w[o,c,kh,kw]
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            let s = Bs ? Bs.data[Bs.offset + o]! : 0;
            for (let c = 0; c < C; c++)
              for (let kh = 0; kh < KH; kh++) {
                const ih = oh * sh - ph + kh;
                if (ih < 0 || ih >= H) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const iw = ow * sw - pw + kw;
                  if (iw < 0 || iw >= W) continue;
                  s +=
                    X.data[X.offset + ((n * C + c) * H + ih) * W + iw]! *
                    Wt.data[Wt.offset + ((o * C + c) * KH + kh) * KW + kw]!;
                }
              }
            out.data[((n * O + o) * OH + oh) * OW + ow] = s;
          }
    return relu ? this.unary('relu', out) : out;
  }

  conv2dReluBackwardParams(x: HostView, gy: HostView, y: HostView, wShape: Shape, p: Conv2dParams): HostView {
    return conv2dReluBackwardParamsByParts(this, x, gy, y, wShape, p);
  }

  conv2dBackwardInput(gy: HostView, w: HostView, xShape: Shape, p: Conv2dParams): HostView {
    const [N, C, H, W] = xShape as [number, number, number, number];
    const [O, , KH, KW] = w.shape as [number, number, number, number];
    const [, , OH, OW] = gy.shape as [number, number, number, number];
    const [sh, sw] = p.stride;
    const [ph, pw] = p.padding;
    const G = this.contiguous(gy);
    const Wt = this.contiguous(w);
    const acc = new Float64Array(N * C * H * W);
    // ∂L/∂x[n,c,ih,iw] = Σ_{o,kh,kw} ∂L/∂y[n,o,oh,ow] · w[o,c,kh,kw]  where ih = oh·sh − ph + kh, iw likewise
    for (let n = 0; n < N; n++)
      for (let o = 0; o < O; o++)
        for (let oh = 0; oh < OH; oh++)
          for (let ow = 0; ow < OW; ow++) {
            const g = G.data[G.offset + ((n * O + o) * OH + oh) * OW + ow]!;
            for (let c = 0; c < C; c++)
              for (let kh = 0; kh < KH; kh++) {
                const ih = oh * sh - ph + kh;
                if (ih < 0 || ih >= H) continue;
                for (let kw = 0; kw < KW; kw++) {
                  const iw = ow * sw - pw + kw;
                  if (iw < 0 || iw >= W) continue;
                  acc[((n * C + c) * H + ih) * W + iw]! +=
                    g * Wt.data[Wt.offset + ((o * C + c) * KH + kh) * KW + kw]!;
                }
              }
          }
    const out = zerosView(dtypeOf(gy.data), xShape);
    out.data.set(acc);
    return out;
  }

  conv2dBackwardWeight(x: HostView, gy: HostView, wShape: Shape, p: Conv2dParams): HostView {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [O, , KH, KW] = wShape as [number, number, number, number];
    const [, , OH, OW] = gy.shape as [number, number, number, number];
    const [sh, sw] = p.stride;
    const [ph, pw] = p.padding;
    const X = this.contiguous(x);
    const G = this.contiguous(gy);
    const out = zerosView(dtypeOf(x.data), wShape);
    // ∂L/∂w[o,c,kh,kw] = Σ_{n,oh,ow} ∂L/∂y[n,o,oh,ow] · x[n, c, oh·sh − ph + kh, ow·sw − pw + kw]
    for (let o = 0; o < O; o++)
      for (let c = 0; c < C; c++)
        for (let kh = 0; kh < KH; kh++)
          for (let kw = 0; kw < KW; kw++) {
            let s = 0;
            for (let n = 0; n < N; n++)
              for (let oh = 0; oh < OH; oh++) {
                const ih = oh * sh - ph + kh;
                if (ih < 0 || ih >= H) continue;
                for (let ow = 0; ow < OW; ow++) {
                  const iw = ow * sw - pw + kw;
                  if (iw < 0 || iw >= W) continue;
                  s +=
                    G.data[G.offset + ((n * O + o) * OH + oh) * OW + ow]! *
                    X.data[X.offset + ((n * C + c) * H + ih) * W + iw]!;
                }
              }
            out.data[((o * C + c) * KH + kh) * KW + kw] = s;
          }
    return out;
  }

  maxPool2d(x: HostView, p: Pool2dParams): { out: HostView; argmax: Int32Array } {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [KH, KW] = p.kernel;
    const [sh, sw] = p.stride;
    const OH = windowOutputSize(H, KH, sh, 0);
    const OW = windowOutputSize(W, KW, sw, 0);
    const X = this.contiguous(x);
    const out = zerosView(dtypeOf(x.data), [N, C, OH, OW]);
    const argmax = new Int32Array(N * C * OH * OW);
    // y[n,c,oh,ow] = max_{kh,kw} x[n, c, oh·sh + kh, ow·sw + kw]; the first maximum wins ties.
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let best = -Infinity;
          let bestIndex = nc * H * W + oh * sh * W + ow * sw;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const index = nc * H * W + (oh * sh + kh) * W + (ow * sw + kw);
              const v = X.data[X.offset + index]!;
              if (v > best) {
                best = v;
                bestIndex = index;
              }
            }
          const o = (nc * OH + oh) * OW + ow;
          out.data[o] = X.data[X.offset + bestIndex]!;
          argmax[o] = bestIndex;
        }
    return { out, argmax };
  }

  maxPool2dBackward(gy: HostView, argmax: Int32Array, xShape: Shape): HostView {
    const G = this.contiguous(gy);
    const out = zerosView(dtypeOf(gy.data), xShape);
    // ∂L/∂x[argmax[o]] += ∂L/∂y[o]
    for (let o = 0; o < argmax.length; o++) out.data[argmax[o]!]! += G.data[G.offset + o]!;
    return out;
  }

  avgPool2d(x: HostView, p: Pool2dParams): HostView {
    const [N, C, H, W] = x.shape as [number, number, number, number];
    const [KH, KW] = p.kernel;
    const [sh, sw] = p.stride;
    const OH = windowOutputSize(H, KH, sh, 0);
    const OW = windowOutputSize(W, KW, sw, 0);
    const X = this.contiguous(x);
    const out = zerosView(dtypeOf(x.data), [N, C, OH, OW]);
    // y[n,c,oh,ow] = 1/(KH·KW) · Σ_{kh,kw} x[n, c, oh·sh + kh, ow·sw + kw]
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          let s = 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
              s += X.data[X.offset + nc * H * W + (oh * sh + kh) * W + ow * sw + kw]!;
          out.data[(nc * OH + oh) * OW + ow] = s / (KH * KW);
        }
    return out;
  }

  avgPool2dBackward(gy: HostView, xShape: Shape, p: Pool2dParams): HostView {
    const [N, C, H, W] = xShape as [number, number, number, number];
    const [KH, KW] = p.kernel;
    const [sh, sw] = p.stride;
    const [, , OH, OW] = gy.shape as [number, number, number, number];
    const G = this.contiguous(gy);
    const out = zerosView(dtypeOf(gy.data), xShape);
    // ∂L/∂x[n,c,oh·sh+kh,ow·sw+kw] += ∂L/∂y[n,c,oh,ow] / (KH·KW)
    for (let nc = 0; nc < N * C; nc++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++) {
          const g = G.data[G.offset + (nc * OH + oh) * OW + ow]! / (KH * KW);
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) out.data[nc * H * W + (oh * sh + kh) * W + ow * sw + kw]! += g;
        }
    return out;
  }

  contiguous(x: HostView): HostView {
    if (isContiguous(x) && x.offset === 0 && x.data.length === sizeOf(x.shape)) return x;
    return viewOf(copyToArray(x), x.shape);
  }

  fill(shape: Shape, dtype: DType, value: number): HostView {
    const v = zerosView(dtype, shape);
    if (value !== 0) v.data.fill(value);
    return v;
  }

  assign(dst: HostView, src: HostView): void {
    const values = copyToArray(src);
    let i = 0;
    forEachOffset(dst.shape, dst.stride, dst.offset, (off) => {
      dst.data[off] = values[i++]!;
    });
  }

  adamUpdate(theta: HostView, g: HostView, m: HostView, v: HostView, h: AdamStep): void {
    const [T, G, Mm, V] = [theta, g, m, v].map((x) => rowMajorData('adamUpdate', x, theta.shape));
    const { beta1, beta2, eps, weightDecay: wd, stepSize, sqrtBias2 } = h;
    for (let j = 0; j < T!.length; j++) {
      const gj = G![j]! + wd * T![j]!; // coupled L2 decay
      Mm![j] = beta1 * Mm![j]! + (1 - beta1) * gj;
      V![j] = beta2 * V![j]! + (1 - beta2) * gj * gj;
      T![j] = T![j]! - (stepSize * Mm![j]!) / (Math.sqrt(V![j]!) / sqrtBias2 + eps);
    }
  }

  sgdUpdate(theta: HostView, g: HostView, buf: HostView | null, h: SgdStep): void {
    const T = rowMajorData('sgdUpdate', theta, theta.shape);
    const G = rowMajorData('sgdUpdate', g, theta.shape);
    const B = buf ? rowMajorData('sgdUpdate', buf, theta.shape) : null;
    const { lr, weightDecay: wd, momentum: mu, nesterov, first } = h;
    for (let j = 0; j < T.length; j++) {
      const gj = G[j]! + wd * T[j]!;
      let update = gj;
      if (B) {
        B[j] = first ? gj : mu * B[j]! + gj;
        update = nesterov ? gj + mu * B[j]! : B[j]!;
      }
      T[j] = T[j]! - lr * update;
    }
  }
}

/** The elements of a row-major view as a typed array of exactly its size (a subarray, no copy). */
function rowMajorData(kernel: string, x: HostView, shape: Shape): FloatArray {
  if (!isContiguous(x) || !sameShape(x.shape, shape)) {
    throw new ShapeError(
      `${kernel}: operands must be row-major views of one shape ${formatShape(shape)}, got ${formatShape(x.shape)}`,
    );
  }
  return x.data.subarray(x.offset, x.offset + sizeOf(shape));
}

/** The data offset of every element of a strided walk over `shape`, in row-major order. */
function offsetsOf(shape: Shape, stride: readonly number[], offset: number): Int32Array {
  const out = new Int32Array(sizeOf(shape));
  let i = 0;
  forEachOffset(shape, stride, offset, (off) => {
    out[i++] = off;
  });
  return out;
}
