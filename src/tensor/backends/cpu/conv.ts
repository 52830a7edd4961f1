/**
 * conv2d and its two gradients as one GEMM each over the whole batch, with
 * the matrices read through the im2col sources of im2col.ts:
 *
 *   forward         Y[o, (n,p)]       = W[o, (c,kh,kw)]  · im2col     M = O, K = C·KH·KW, N = batch·OH·OW
 *   weight grad     dW[o, (c,kh,kw)]  = G[o, (n,p)]      · im2colᵀ    M = O, K = batch·OH·OW, N = C·KH·KW
 *   input grad      dX[c, (n,ih,iw)]  = Wᵀ[c, (o,kh,kw)] · convT      M = C, K = O·KH·KW, N = batch·H·W
 *
 * Y and dX are channel-major ([channel, image·pixel]); when the tiles fit
 * (channels % MR = 0, pixels % NR = 0) the kernel writes them straight in
 * NCHW order (one column group per image, see gemm.ts), otherwise into a
 * padded matrix that is reordered on the way out.
 */
import type { Conv2dParams, DType, FloatArray, HostView } from '../../backend.js';
import { formatShape, sameShape, ShapeError, windowOutputSize, type Shape } from '../../shape.js';
import { copyToArray, dtypeOf, isContiguous, zerosView } from '../../view.js';
import { MR, NR, roundUp } from './blocking.js';
import { copyContiguous } from './copy.js';
import type { Heap } from './heap.js';
import type { ConvGeometry } from './im2col.js';
import type { GemmRuntime } from './runtime.js';
import type { MatrixSource } from './sources.js';

function geometry(xShape: Shape, wShape: Shape, p: Conv2dParams): ConvGeometry {
  const [n, c, h, w] = xShape as [number, number, number, number];
  const [o, , kh, kw] = wShape as [number, number, number, number];
  const [sh, sw] = p.stride;
  const [ph, pw] = p.padding;
  const oh = windowOutputSize(h, kh, sh, ph);
  const ow = windowOutputSize(w, kw, sw, pw);
  return { n, c, h, w, o, kh, kw, sh, sw, ph, pw, oh, ow };
}

/** What is done to C as it is stored: y = C + bias[row], then max(0, y) with `relu`. */
interface Epilogue {
  bias: HostView | null;
  relu: boolean;
}

/**
 * C = A·B for C of `rows` × images·pixels, stored per image ([images, rows, pixels],
 * i.e. NCHW) into `out`. K is the inner size. For float32, C is reordered (when the
 * kernel could not write it in NCHW order) and given the epilogue in one SIMD pass
 * (wasm-passes.ts rows_*), and the result is true; float64 reorders with a loop and
 * leaves the epilogue to the caller (false).
 */
function gemmPerImage(
  rt: GemmRuntime,
  heap: Heap,
  dtype: DType,
  rows: number,
  images: number,
  pixels: number,
  k: number,
  a: MatrixSource,
  b: MatrixSource,
  out: HostView,
  epilogue: Epilogue | null,
): boolean {
  const n = images * pixels;
  const direct = rows % MR === 0 && pixels % NR === 0;
  const ldc = direct ? pixels : roundUp(n, NR);
  const c = heap.alloc(direct ? rows * n : roundUp(rows, MR) * ldc);
  const plan = rt.plan(dtype, 2 * rows * n * k);
  rt.run(
    {
      m: rows,
      n,
      k,
      a,
      b,
      c,
      ldc,
      cBatchStride: 0,
      groupCols: direct ? pixels : 0,
      groupStride: rows * pixels,
      batch: 1,
      aOffsets: -1,
      bOffsets: -1,
      splitRows: rows > n,
      ...plan,
    },
    dtype,
  );
  if (dtype === 'float32' && (epilogue || !direct)) {
    const mode = !epilogue ? 'copy' : epilogue.relu ? 'relu' : 'add';
    const biasAt = heap.alloc(rows);
    if (epilogue?.bias) heap.data.set(copyToArray(epilogue.bias), biasAt);
    else heap.data.fill(0, biasAt, biasAt + rows); // relu alone adds +0, as addBiasRelu does
    const dst = direct ? c : heap.alloc(rows * n); // in place, or reordered into NCHW
    // C[r, i·pixels + q] is at c + r·ldc + i·pixels + q
    rt.passes.rows(
      mode,
      4 * c,
      4 * ldc,
      4 * (direct ? rows * pixels : pixels),
      4 * dst,
      images,
      rows,
      pixels,
      4 * biasAt,
    );
    out.data.set(heap.data.subarray(dst, dst + rows * n));
    return true;
  }
  if (direct) {
    out.data.set(heap.data.subarray(c, c + rows * n));
    return false;
  }
  const src = heap.data;
  const dst = out.data;
  // out[i, r, q] = C[r, i·pixels + q]
  for (let i = 0, d = 0; i < images; i++)
    for (let r = 0; r < rows; r++) {
      const from = c + r * ldc + i * pixels;
      for (let q = 0; q < pixels; q++) dst[d++] = src[from + q]!;
    }
  return false;
}

/** y [N,O,OH,OW] = conv2d(x, w) + bias, and with `relu` max(0, ·) of that, in the same pass as the bias. */
export function conv2dForward(
  rt: GemmRuntime,
  x: HostView,
  w: HostView,
  bias: HostView | null,
  p: Conv2dParams,
  relu = false,
): HostView {
  const dtype = dtypeOf(x.data);
  const g = geometry(x.shape, w.shape, p);
  const pixels = g.oh * g.ow;
  const out = zerosView(dtype, [g.n, g.o, g.oh, g.ow]);
  const K = g.c * g.kh * g.kw;
  if (out.data.length === 0) return out;
  const epilogue = bias || relu ? { bias, relu } : null;
  let done = epilogue === null; // whether the bias and the ReLU have been applied
  if (K > 0) {
    const heap = rt.heap(dtype);
    heap.reset();
    const xAt = copyContiguous(heap, x);
    const wAt = copyContiguous(heap, w); // W[o, (c,kh,kw)], row-major
    const W: MatrixSource = { kind: 'strided', base: wAt, rows: g.o, cols: K, rowStride: K, colStride: 1 };
    const im2col: MatrixSource = { kind: 'im2col', base: xAt, g };
    if (gemmPerImage(rt, heap, dtype, g.o, g.n, pixels, K, W, im2col, out, epilogue)) done = true;
  }
  if (!done) addBiasRelu(out, bias, g.n, g.o, pixels, relu);
  return out;
}

/**
 * y[n, o, p] += bias[o] (when given), then y = max(0, y) (with `relu`), in one pass:
 * the float64 path and float32 convolutions with K = 0 (float32 otherwise takes
 * the SIMD pass in gemmPerImage). `v > 0 ? v : 0` turns −0 and NaN into +0.
 */
function addBiasRelu(
  out: HostView,
  bias: HostView | null,
  images: number,
  channels: number,
  pixels: number,
  relu: boolean,
): void {
  const y = out.data;
  for (let n = 0, d = 0; n < images; n++)
    for (let o = 0; o < channels; o++) {
      const b = bias ? bias.data[bias.offset + o * bias.stride[0]!]! : 0;
      if (!relu) for (let q = 0; q < pixels; q++) y[d++]! += b;
      else {
        for (let q = 0; q < pixels; q++, d++) {
          const v = y[d]! + b;
          y[d] = v > 0 ? v : 0;
        }
      }
    }
}

/** ∂L/∂x [N,C,H,W] from ∂L/∂y [N,O,OH,OW] and w [O,C,KH,KW]. */
export function conv2dInputGrad(
  rt: GemmRuntime,
  gy: HostView,
  w: HostView,
  xShape: Shape,
  p: Conv2dParams,
): HostView {
  const dtype = dtypeOf(gy.data);
  const g = geometry(xShape, w.shape, p);
  const out = zerosView(dtype, xShape);
  const taps = g.kh * g.kw;
  const K = g.o * taps;
  if (out.data.length === 0 || g.oh * g.ow * K === 0) return out;
  const heap = rt.heap(dtype);
  heap.reset();
  const gyAt = copyContiguous(heap, gy);
  // Wᵀ[c, (o,kh,kw)] = w[o, c, kh, kw], rearranged row-major
  const wAt = copyContiguous(heap, w);
  const wtAt = heap.alloc(g.c * K);
  const data = heap.data;
  for (let c = 0; c < g.c; c++)
    for (let o = 0; o < g.o; o++)
      for (let t = 0; t < taps; t++)
        data[wtAt + c * K + o * taps + t] = data[wAt + (o * g.c + c) * taps + t]!;
  const Wt: MatrixSource = { kind: 'strided', base: wtAt, rows: g.c, cols: K, rowStride: K, colStride: 1 };
  gemmPerImage(rt, heap, dtype, g.c, g.n, g.h * g.w, K, Wt, { kind: 'convT', base: gyAt, g }, out, null);
  return out;
}

/** ∂L/∂w [O,C,KH,KW] from x [N,C,H,W] and ∂L/∂y [N,O,OH,OW]. */
export function conv2dWeightGrad(
  rt: GemmRuntime,
  x: HostView,
  gy: HostView,
  wShape: Shape,
  p: Conv2dParams,
): HostView {
  const out = zerosView(dtypeOf(x.data), wShape);
  const g = geometry(x.shape, wShape, p);
  if (out.data.length === 0 || g.n * g.oh * g.ow === 0) return out;
  const heap = rt.heap(dtypeOf(x.data));
  heap.reset();
  const xAt = copyContiguous(heap, x);
  const gyAt = copyContiguous(heap, gy);
  weightGradGemm(rt, heap, g, xAt, gyAt, out.data);
  return out;
}

/**
 * Backend.conv2dReluBackwardParams: [∂L/∂w row-major, ∂L/∂b] of y = relu(conv2d(x, w) + b).
 * Where the plain weight gradient copies ∂L/∂y into the heap, this copies the
 * masked gradient gm = ∂L/∂y · [y > 0] (the product reluBackward computes) and
 * adds up Σ_{n,p} gm per channel in the same pass, in float64 and in the
 * order of the reference's reduce, so both results equal the unfused kernels'.
 */
export function conv2dReluParamGrads(
  rt: GemmRuntime,
  x: HostView,
  gy: HostView,
  y: HostView,
  wShape: Shape,
  p: Conv2dParams,
): HostView {
  if (!sameShape(gy.shape, y.shape)) {
    throw new ShapeError(
      `conv2dReluBackwardParams: ∂L/∂y ${formatShape(gy.shape)} and y ${formatShape(y.shape)} differ`,
    );
  }
  const dtype = dtypeOf(x.data);
  const g = geometry(x.shape, wShape, p);
  const weights = g.o * g.c * g.kh * g.kw;
  const out = zerosView(dtype, [weights + g.o]);
  if (g.n * g.oh * g.ow === 0) return out;
  const heap = rt.heap(dtype);
  heap.reset();
  const xAt = copyContiguous(heap, x);
  const pixels = g.oh * g.ow;
  const gmAt = heap.alloc(g.n * g.o * pixels);
  const sums = new Float64Array(g.o);
  if (dtype === 'float32' && isContiguous(gy) && isContiguous(y)) {
    // the same pass in SIMD (wasm-passes.ts) over copies of ∂L/∂y and y in the heap
    const gyAt = copyContiguous(heap, gy);
    const yAt = copyContiguous(heap, y);
    const sumsAt = heap.alloc(2 * g.o); // g.o float64s
    const heapSums = new Float64Array(heap.data.buffer, 4 * sumsAt, g.o);
    heapSums.fill(0);
    rt.passes.maskGrad(4 * gyAt, 4 * yAt, 4 * gmAt, g.n * g.o, pixels, g.o, 4 * sumsAt);
    sums.set(heapSums);
  } else maskedGradIntoHeap(gy, y, heap.data, gmAt, sums);
  if (weights > 0) weightGradGemm(rt, heap, g, xAt, gmAt, out.data);
  out.data.set(sums, weights);
  return out;
}

/**
 * gm[n, o, p] = gy[n, o, p] · [y[n, o, p] > 0] written row-major at out[at..], and
 * sums[o] += gm[n, o, p] in row-major order (float64). gy and y are [N, O, OH, OW]
 * views (gy is often a broadcast from the average pool). gm is exact in float32
 * (a float32 times 0 or 1), so summing the product equals summing what is stored.
 */
function maskedGradIntoHeap(
  gy: HostView,
  y: HostView,
  out: FloatArray,
  at: number,
  sums: Float64Array,
): void {
  const [N, O, OH, OW] = gy.shape as [number, number, number, number];
  const [gn, go, gh, gw] = gy.stride as [number, number, number, number];
  const [yn, yo, yh, yw] = y.stride as [number, number, number, number];
  const gd = gy.data;
  const yd = y.data;
  for (let n = 0, d = at; n < N; n++)
    for (let o = 0; o < O; o++) {
      let sum = sums[o]!;
      for (let i = 0; i < OH; i++) {
        let gi = gy.offset + n * gn + o * go + i * gh;
        let yi = y.offset + n * yn + o * yo + i * yh;
        for (let j = 0; j < OW; j++, d++, gi += gw, yi += yw) {
          const v = gd[gi]! * +(yd[yi]! > 0);
          out[d] = v;
          sum += v;
        }
      }
      sums[o] = sum;
    }
}

/**
 * Into how many groups of images the weight gradient's sum over the batch is
 * cut: 4 when the batch divides by 4 and each group still sums over at least
 * 2,048 pixels, else 1. A thread splits C by rows or columns and packs the
 * other operand whole, which for dW (an O × C·KH·KW matrix summed over
 * batch·pixels) is a big one; with the sum cut into groups, the threads share
 * the groups and each packs only its own groups' operands. The count depends
 * on the shapes alone, so results stay the same for any number of threads.
 */
export function weightGradGroups(g: ConvGeometry): number {
  const GROUPS = 4;
  return g.n % GROUPS === 0 && (g.n / GROUPS) * g.oh * g.ow >= 2048 ? GROUPS : 1;
}

/**
 * dW [O, C·KH·KW] = G[o, (n,p)] · im2colᵀ, with x and ∂L/∂y row-major in the heap, written into
 * dst[0..O·C·KH·KW). With weightGradGroups(g) = P > 1, the GEMM is a batch of P products over
 * consecutive groups of n/P images, and dW = Σ_t dW_t, added in group order.
 */
function weightGradGemm(
  rt: GemmRuntime,
  heap: Heap,
  g: ConvGeometry,
  xAt: number,
  gyAt: number,
  dst: FloatArray,
): void {
  const dtype: DType = heap.data instanceof Float64Array ? 'float64' : 'float32';
  const groups = weightGradGroups(g);
  const part: ConvGeometry = { ...g, n: g.n / groups }; // the images of one group
  const K = part.n * g.oh * g.ow;
  const N = g.c * g.kh * g.kw;
  // dW is row-major [O, N]: written in place when N % NR = 0 (padded rows land past its end).
  const ldc = roundUp(N, NR);
  const cBatchStride = roundUp(g.o, MR) * ldc;
  const c = heap.alloc(groups * cBatchStride);
  // group t's ∂L/∂y and x start t·n/P images in
  let aOffsets = -1;
  let bOffsets = -1;
  if (groups > 1) {
    aOffsets = heap.allocInts(groups);
    bOffsets = heap.allocInts(groups);
    for (let t = 0; t < groups; t++) {
      heap.ints[aOffsets + t] = t * part.n * g.o * g.oh * g.ow;
      heap.ints[bOffsets + t] = t * part.n * g.c * g.h * g.w;
    }
  }
  const plan = rt.plan(dtype, 2 * g.o * N * K * groups);
  rt.run(
    {
      m: g.o,
      n: N,
      k: K,
      a: { kind: 'channels', base: gyAt, g: part },
      b: { kind: 'im2colT', base: xAt, g: part },
      c,
      ldc,
      cBatchStride,
      groupCols: 0,
      groupStride: 0,
      batch: groups,
      aOffsets,
      bOffsets,
      splitRows: g.o > N,
      ...plan,
    },
    dtype,
  );
  if (groups > 1) {
    // dW[o, q] = Σ_t dW_t[o, q], in float64 in group order, rounded once
    const src = heap.data;
    for (let o = 0, d = 0; o < g.o; o++)
      for (let q = 0; q < N; q++) {
        let sum = 0;
        for (let t = 0; t < groups; t++) sum += src[c + t * cBatchStride + o * ldc + q]!;
        dst[d++] = sum;
      }
    return;
  }
  const src = heap.data;
  if (ldc === N) dst.set(src.subarray(c, c + g.o * N));
  else for (let o = 0, d = 0; o < g.o; o++) for (let q = 0; q < N; q++) dst[d++] = src[c + o * ldc + q]!;
}
