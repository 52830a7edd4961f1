/**
 * Elementwise ops and reductions as nested loops over merged axes
 * (strided.ts): no per-element callbacks or index tables. Each computes
 * exactly what the reference does, in the same order, so the results are
 * bit-identical to it. Each returns null for views it does not handle
 * (more than 4 axes after merging) and the backend falls back to the reference.
 *
 * relu, its derivative `step` and reluBackward are written without a branch
 * on the data. About half of a layer's pre-activations are negative, in no
 * predictable order, so `x > 0 ? x : 0` mispredicts every other element and
 * runs 5–7× slower than the branch-free forms, which turn the comparison into
 * the number 0 or 1 (`+(x > 0)`) and multiply or mask with it:
 *
 *   step         +(x > 0)                        = x > 0 ? 1 : 0
 *   reluBackward g · +(x > 0)                    = g · (x > 0 ? 1 : 0), the reference's product
 *   relu         bits(x) & −(x > 0)  (float32)   = x > 0 ? x : 0, bit for bit (−0, NaN and −∞ give +0)
 *
 * relu cannot multiply (−1 · 0 is −0 and −∞ · 0 is NaN), so for float32 it
 * keeps or clears the bits of x through an Int32Array over the same memory;
 * float64 keeps the plain comparison.
 */
import type { BinaryOp, FloatArray, ReduceOp, UnaryOp, HostView } from '../../backend.js';
import { broadcastShapes, sameShape, sizeOf } from '../../shape.js';
import { broadcastStrides, dtypeOf, zerosView } from '../../view.js';
import { mergeAxes } from './strided.js';
import { rowMajorStrides } from './copy.js';

/** out[o..o+n) = f(x[i], x[i+s], ...). */
function unaryRun(
  op: UnaryOp,
  p: number,
  x: FloatArray,
  i: number,
  s: number,
  out: FloatArray,
  o: number,
  n: number,
) {
  const end = o + n;
  switch (op) {
    case 'neg':
      for (; o < end; o++, i += s) out[o] = -x[i]!;
      return;
    case 'exp':
      for (; o < end; o++, i += s) out[o] = Math.exp(x[i]!);
      return;
    case 'log':
      for (; o < end; o++, i += s) out[o] = Math.log(x[i]!);
      return;
    case 'sqrt':
      for (; o < end; o++, i += s) out[o] = Math.sqrt(x[i]!);
      return;
    case 'abs':
      for (; o < end; o++, i += s) out[o] = Math.abs(x[i]!);
      return;
    case 'relu':
      if (x instanceof Float32Array && out instanceof Float32Array) {
        // out = x where x > 0, else +0: all bits of x kept (mask −1) or cleared (mask 0)
        const xBits = new Int32Array(x.buffer, x.byteOffset, x.length);
        const outBits = new Int32Array(out.buffer, out.byteOffset, out.length);
        for (; o < end; o++, i += s) outBits[o] = xBits[i]! & -+(x[i]! > 0);
        return;
      }
      for (; o < end; o++, i += s) out[o] = x[i]! > 0 ? x[i]! : 0;
      return;
    case 'square':
      for (; o < end; o++, i += s) out[o] = x[i]! * x[i]!;
      return;
    case 'pow':
      for (; o < end; o++, i += s) out[o] = Math.pow(x[i]!, p);
      return;
    case 'sign':
      for (; o < end; o++, i += s) out[o] = x[i]! > 0 ? 1 : x[i]! < 0 ? -1 : 0;
      return;
    case 'step':
      for (; o < end; o++, i += s) out[o] = +(x[i]! > 0);
      return;
  }
}

/** out[o..o+n) = f(a[i], b[j]) with i, j stepping by sa, sb (0 for a broadcast operand). */
function binaryRun(
  op: BinaryOp,
  a: FloatArray,
  i: number,
  sa: number,
  b: FloatArray,
  j: number,
  sb: number,
  out: FloatArray,
  o: number,
  n: number,
) {
  const end = o + n;
  switch (op) {
    case 'add':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! + b[j]!;
      return;
    case 'sub':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! - b[j]!;
      return;
    case 'mul':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! * b[j]!;
      return;
    case 'div':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! / b[j]!;
      return;
    case 'eq':
      for (; o < end; o++, i += sa, j += sb) out[o] = a[i]! === b[j]! ? 1 : 0;
      return;
  }
}

export function unary(op: UnaryOp, x: HostView, param: number): HostView | null {
  const loops = mergeAxes(x.shape, [x.stride]);
  if (!loops) return null;
  const out = zerosView(dtypeOf(x.data), x.shape);
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [s0, s1, s2, s3] = loops.strides[0] as [number, number, number, number];
  let o = 0;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++, o += n3) {
        unaryRun(op, param, x.data, x.offset + i0 * s0 + i1 * s1 + i2 * s2, s3, out.data, o, n3);
      }
  return out;
}

export function binary(op: BinaryOp, a: HostView, b: HostView): HostView | null {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const sa = broadcastStrides(a.shape, a.stride, shape);
  const sb = broadcastStrides(b.shape, b.stride, shape);
  const loops = mergeAxes(shape, [sa, sb]);
  if (!loops) return null;
  const out = zerosView(dtypeOf(a.data), shape);
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [a0, a1, a2, a3] = loops.strides[0] as [number, number, number, number];
  const [b0, b1, b2, b3] = loops.strides[1] as [number, number, number, number];
  let o = 0;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++, o += n3) {
        const i = a.offset + i0 * a0 + i1 * a1 + i2 * a2;
        const j = b.offset + i0 * b0 + i1 * b1 + i2 * b2;
        binaryRun(op, a.data, i, a3, b.data, j, b3, out.data, o, n3);
      }
  return out;
}

/** ∂L/∂x of relu: out = g · [x > 0], g and x of the same shape (the reference's product, bit for bit). */
export function reluBackward(g: HostView, x: HostView): HostView | null {
  if (!sameShape(g.shape, x.shape)) return null; // the reference reports the error
  const loops = mergeAxes(g.shape, [g.stride, x.stride]);
  if (!loops) return null;
  const out = zerosView(dtypeOf(g.data), g.shape);
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [g0, g1, g2, g3] = loops.strides[0] as [number, number, number, number];
  const [x0, x1, x2, x3] = loops.strides[1] as [number, number, number, number];
  const gd = g.data;
  const xd = x.data;
  const y = out.data;
  let o = 0;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++) {
        let i = g.offset + i0 * g0 + i1 * g1 + i2 * g2;
        let j = x.offset + i0 * x0 + i1 * x1 + i2 * x2;
        for (let k = 0; k < n3; k++, o++, i += g3, j += x3) y[o] = gd[i]! * +(xd[j]! > 0);
      }
  return out;
}

/**
 * Sums or maxima over `axes` (kept as size 1), accumulated in float64 while
 * walking x in row-major order, as the reference does.
 */
export function reduce(op: ReduceOp, x: HostView, axes: readonly number[]): HostView | null {
  const outShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  // Where each element of x lands: out's row-major strides, 0 along reduced axes.
  const target = rowMajorStrides(outShape).map((s, i) => (axes.includes(i) ? 0 : s));
  const loops = mergeAxes(x.shape, [x.stride, target]);
  if (!loops) return null;
  const acc = new Float64Array(sizeOf(outShape)).fill(op === 'sum' ? 0 : -Infinity);
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [x0, x1, x2, x3] = loops.strides[0] as [number, number, number, number];
  const [t0, t1, t2, t3] = loops.strides[1] as [number, number, number, number];
  const data = x.data;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++) {
        let i = x.offset + i0 * x0 + i1 * x1 + i2 * x2;
        let t = i0 * t0 + i1 * t1 + i2 * t2;
        if (op === 'sum' && t3 === 0) {
          // a run of elements that all sum into acc[t]
          let s = acc[t]!;
          for (let k = 0; k < n3; k++, i += x3) s += data[i]!;
          acc[t] = s;
        } else if (op === 'sum') {
          for (let k = 0; k < n3; k++, i += x3, t += t3) acc[t]! += data[i]!;
        } else {
          for (let k = 0; k < n3; k++, i += x3, t += t3) {
            const v = data[i]!;
            if (v > acc[t]! || Number.isNaN(v)) acc[t] = v;
          }
        }
      }
  const out = zerosView(dtypeOf(x.data), outShape);
  out.data.set(acc);
  return out;
}

/** dst[...] = src[...] for two views of the same shape (either may be strided). */
export function copyStrided(dst: HostView, src: HostView): boolean {
  const loops = mergeAxes(dst.shape, [dst.stride, src.stride]);
  if (!loops) return false;
  const [n0, n1, n2, n3] = loops.shape as [number, number, number, number];
  const [d0, d1, d2, d3] = loops.strides[0] as [number, number, number, number];
  const [s0, s1, s2, s3] = loops.strides[1] as [number, number, number, number];
  const to = dst.data;
  const from = src.data;
  for (let i0 = 0; i0 < n0; i0++)
    for (let i1 = 0; i1 < n1; i1++)
      for (let i2 = 0; i2 < n2; i2++) {
        let d = dst.offset + i0 * d0 + i1 * d1 + i2 * d2;
        let s = src.offset + i0 * s0 + i1 * s1 + i2 * s2;
        for (let k = 0; k < n3; k++, d += d3, s += s3) to[d] = from[s]!;
      }
  return true;
}
