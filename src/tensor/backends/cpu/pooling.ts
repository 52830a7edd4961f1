/**
 * 2×2 pooling with stride 2 (the VGG case) on NCHW data, with the window
 * unrolled. Same results as the reference, bit for bit: the max takes the
 * first of equal maxima (a NaN is never taken, as there), the mean sums the
 * window row by row before dividing by 4. Other windows use the reference.
 * The float32 max pool runs as a WebAssembly SIMD pass on the heap
 * (wasm-passes.ts); the loop here is its twin and the float64 path. The
 * gradient's scatter stays a loop: a SIMD pass was slower in the training
 * step, as its copies in and out of the heap cost more than the loop.
 */
import type { FloatArray, Pool2dParams, HostView } from '../../backend.js';
import { windowOutputSize } from '../../shape.js';
import { dtypeOf, isContiguous, zerosView } from '../../view.js';
import { copyContiguous } from './copy.js';
import type { GemmRuntime } from './runtime.js';
import { mergeAxes } from './strided.js';

/** Whether the SIMD pass can pool x: float32 with at least one window. */
function simdPoolable(x: HostView): boolean {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  return x.data instanceof Float32Array && W >= 2 && H >= 2 && N * C > 0;
}

/** True for a 2×2 window with stride 2 over a contiguous [N,C,H,W] view. */
export function isPool2x2(x: HostView, p: Pool2dParams): boolean {
  return p.kernel[0] === 2 && p.kernel[1] === 2 && p.stride[0] === 2 && p.stride[1] === 2 && isContiguous(x);
}

/** y[n,c,i,j] = max of x[n,c,2i..2i+1,2j..2j+1]; argmax holds flat row-major indices into x. */
export function maxPool2x2(x: HostView, rt?: GemmRuntime): { out: HostView; argmax: Int32Array } {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = windowOutputSize(H, 2, 2, 0);
  const OW = windowOutputSize(W, 2, 2, 0);
  const out = zerosView(dtypeOf(x.data), [N, C, OH, OW]);
  const argmax = new Int32Array(N * C * OH * OW);
  if (rt && simdPoolable(x)) {
    const heap = rt.heap('float32');
    heap.reset();
    const xAt = copyContiguous(heap, x);
    const outAt = heap.alloc(out.data.length);
    const argAt = heap.allocInts(argmax.length);
    rt.passes.maxPool2x2(4 * xAt, 4 * outAt, 4 * argAt, N * C, H, W, OH, OW);
    out.data.set(heap.data.subarray(outAt, outAt + out.data.length));
    argmax.set(heap.ints.subarray(argAt, argAt + argmax.length));
    return { out, argmax };
  }
  const data: FloatArray = x.data;
  const y = out.data;
  for (let plane = 0, o = 0; plane < N * C; plane++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const top = plane * H * W + 2 * i * W + 2 * j; // index of the window's top-left corner
        // the first strict maximum in reading order wins, as in the reference
        let at = top;
        let best = data[x.offset + top]!;
        if (!(best > -Infinity)) best = -Infinity; // a NaN (or −∞) corner is not a maximum yet
        if (data[x.offset + top + 1]! > best) best = data[x.offset + (at = top + 1)]!;
        if (data[x.offset + top + W]! > best) best = data[x.offset + (at = top + W)]!;
        if (data[x.offset + top + W + 1]! > best) at = top + W + 1;
        y[o] = data[x.offset + at]!;
        argmax[o] = at;
      }
  return { out, argmax };
}

/**
 * ∂L/∂x of any max pool: dx[argmax[o]] += gy[o], o in row-major order as in the
 * reference, with gy read through its strides (often a broadcast view from a
 * mean) instead of being copied first.
 */
export function maxPoolBackward(
  gy: HostView,
  argmax: Int32Array,
  xShape: readonly number[],
): HostView | null {
  const loops = mergeAxes(gy.shape, [gy.stride]);
  if (!loops) return null;
  const out = zerosView(dtypeOf(gy.data), xShape);
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [s0, s1, s2, s3] = loops.strides[0] as [number, number, number, number];
  const g: FloatArray = gy.data;
  const dx = out.data;
  let o = 0;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++) {
        let i = gy.offset + i0 * s0 + i1 * s1 + i2 * s2;
        for (let k = 0; k < n3; k++, o++, i += s3) dx[argmax[o]!]! += g[i]!;
      }
  return out;
}

/** y[n,c,i,j] = (x[.., 2i, 2j] + x[.., 2i, 2j+1] + x[.., 2i+1, 2j] + x[.., 2i+1, 2j+1]) / 4 */
export function avgPool2x2(x: HostView): HostView {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const OH = windowOutputSize(H, 2, 2, 0);
  const OW = windowOutputSize(W, 2, 2, 0);
  const out = zerosView(dtypeOf(x.data), [N, C, OH, OW]);
  const data: FloatArray = x.data;
  const y = out.data;
  for (let plane = 0, o = 0; plane < N * C; plane++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const top = x.offset + plane * H * W + 2 * i * W + 2 * j;
        y[o] = (0 + data[top]! + data[top + 1]! + data[top + W]! + data[top + W + 1]!) / 4; // 0 + as the reference's s = 0
      }
  return out;
}

/** ∂L/∂x of avgPool2x2: each of the 4 inputs of a window gets ∂L/∂y / 4 (windows do not overlap). */
export function avgPool2x2Backward(gy: HostView, xShape: readonly number[]): HostView {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [, , OH, OW] = gy.shape as [number, number, number, number];
  const out = zerosView(dtypeOf(gy.data), xShape);
  const g: FloatArray = gy.data;
  const dx = out.data;
  for (let plane = 0, o = 0; plane < N * C; plane++)
    for (let i = 0; i < OH; i++)
      for (let j = 0; j < OW; j++, o++) {
        const v = 0 + g[gy.offset + o]! / 4; // 0 + as the reference's += into zeros
        const top = plane * H * W + 2 * i * W + 2 * j;
        dx[top] = v;
        dx[top + 1] = v;
        dx[top + W] = v;
        dx[top + W + 1] = v;
      }
  return out;
}
