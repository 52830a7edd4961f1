/**
 * Elementwise kernels of the webgpu backend in WGSL: unary functions, binary
 * functions with broadcasting, relu's gradient, fill, strided copies and
 * assignment. One thread per output element; inputs are read through their
 * strides, so every kernel takes views of any layout (broadcast views have
 * stride 0).
 *
 * Parameters (binding 0, 32-bit words) for `k` operands of rank r:
 *   [n, r, extra, shape[0..r), then per operand: offset, strides[0..r)]
 * Equivalent to the reference backend's loops over forEachOffset.
 */
import ndarray from 'ndarray';
import type { BinaryOp, UnaryOp } from '../../backend.js';
import { broadcastShapes } from '../../shape.js';
import { broadcastStrides } from '../../view.js';
import { FLAT_INDEX, groupsFor, isRowMajor, type GpuStorage, type WebGpuRuntime } from './runtime.js';

export type GpuView = ndarray.NdArray<GpuStorage>;

/** Operands read through strides: their offset and strides over the output's shape. */
interface Operand {
  offset: number;
  stride: readonly number[];
}

/**
 * Merges adjacent axes along which every operand is laid out row-major over
 * the other (stride[a] = stride[a+1]·shape[a+1]), so that a contiguous copy is
 * a rank-1 walk. Size-1 axes are dropped.
 */
export function collapse(
  shape: readonly number[],
  operands: Operand[],
): { shape: number[]; strides: number[][] } {
  const keep = shape.map((d, a) => a).filter((a) => shape[a] !== 1);
  const outShape: number[] = [];
  const strides: number[][] = operands.map(() => []);
  for (const a of keep) {
    const last = outShape.length - 1;
    const mergeable = last >= 0 && operands.every((o, k) => strides[k]![last] === o.stride[a]! * shape[a]!);
    if (mergeable) {
      outShape[last]! *= shape[a]!;
      operands.forEach((o, k) => (strides[k]![last] = o.stride[a]!));
    } else {
      outShape.push(shape[a]!);
      operands.forEach((o, k) => strides[k]!.push(o.stride[a]!));
    }
  }
  return { shape: outShape, strides };
}

/** The parameter words of a strided elementwise kernel over `shape` and `operands`. */
export function stridedParams(shape: readonly number[], operands: Operand[], extra = 0): Int32Array {
  const n = shape.reduce((a, d) => a * d, 1);
  const c = collapse(shape, operands);
  const r = c.shape.length;
  const words = [n, r, extra, ...c.shape];
  operands.forEach((o, k) => words.push(o.offset, ...c.strides[k]!));
  return Int32Array.from(words);
}

/** WGSL: reads of the parameter words and the strided offset of operand k for output element i. */
export const STRIDED_PRELUDE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<i32>;
${FLAT_INDEX}
fn count() -> u32 { return u32(P[0]); }
fn extraF32() -> f32 { return bitcast<f32>(P[2]); }
// Infinity and NaN cannot be WGSL constants: these bits pass through a value read at run time.
fn nonFinite(bits: u32) -> u32 { return (u32(P[0]) & 0u) | bits; }
// offset of operand k (0-based) for row-major output index i
fn offsetOf(k: u32, i: u32) -> i32 {
  let r = u32(P[1]);
  let base = 3u + r + k * (r + 1u);
  var rem = i32(i);
  var off = P[base];
  for (var a = i32(r) - 1; a >= 0; a--) {
    let d = P[3u + u32(a)];
    off += (rem % d) * P[base + 1u + u32(a)];
    rem = rem / d;
  }
  return off;
}
`;

/** Each unary function of the input value v0 (the reference's unaryFunctions). */
const UNARY_WGSL: Record<UnaryOp, string> = {
  neg: '-v0',
  exp: 'exp(v0)',
  log: 'log(v0)',
  sqrt: 'sqrt(v0)',
  abs: 'abs(v0)',
  relu: 'select(0.0, v0, v0 > 0.0)',
  square: 'v0 * v0',
  pow: 'powReal(v0, extraF32())',
  sign: 'select(select(0.0, -1.0, v0 < 0.0), 1.0, v0 > 0.0)',
  step: 'select(0.0, 1.0, v0 > 0.0)',
};

/** Math.pow for real results: WGSL's pow is undefined for negative bases. */
const POW_REAL = /* wgsl */ `
fn powReal(x: f32, p: f32) -> f32 {
  if (p == 0.0) { return 1.0; }
  if (p == 1.0) { return x; }
  if (p == 2.0) { return x * x; }
  if (p == 0.5) { return sqrt(x); }
  if (x == 0.0) { return select(0.0, bitcast<f32>(nonFinite(0x7f800000u)), p < 0.0); }
  let m = exp2(p * log2(abs(x)));
  if (x > 0.0) { return m; }
  if (floor(p) != p) { return bitcast<f32>(nonFinite(0x7fc00000u)); }
  return select(m, -m, abs(p) % 2.0 == 1.0);
}
`;

/** Each binary function of the input values v0, v1 (the reference's binaryFunctions). */
const BINARY_WGSL: Record<BinaryOp, string> = {
  add: 'v0 + v1',
  sub: 'v0 - v1',
  mul: 'v0 * v1',
  div: 'v0 / v1',
  eq: 'select(0.0, 1.0, v0 == v1)',
};

/** y[i] = EXPR over k strided inputs x0..x(k-1): the shader for one elementwise function. */
function mapShader(inputs: number, expr: string, helpers = ''): string {
  const bindings = Array.from(
    { length: inputs },
    (_, k) => `@group(0) @binding(${k + 1}) var<storage, read> x${k}: array<f32>;`,
  ).join('\n');
  const reads = Array.from({ length: inputs }, (_, k) => `let v${k} = x${k}[offsetOf(${k}u, i)];`).join(
    '\n  ',
  );
  return `${STRIDED_PRELUDE}
${helpers}
${bindings}
@group(0) @binding(${inputs + 1}) var<storage, read_write> y: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flatIndex(gid, nwg);
  if (i >= count()) { return; }
  ${reads}
  y[i] = ${expr};
}`;
}

function outputView(rt: WebGpuRuntime, shape: readonly number[]): GpuView {
  const n = shape.reduce((a, d) => a * d, 1);
  return ndarray(rt.allocate(n), [...shape]);
}

/** Runs an elementwise function of `inputs` (already broadcast to `shape`) into a new row-major view. */
function map(
  rt: WebGpuRuntime,
  shape: readonly number[],
  inputs: Operand[],
  buffers: GpuStorage[],
  expr: string,
  extra = 0,
  helpers = '',
): GpuView {
  const out = outputView(rt, shape);
  if (out.size === 0) return out;
  rt.dispatch(
    mapShader(inputs.length, expr, helpers),
    stridedParams(shape, inputs, extra),
    [...buffers.map((b) => b.buffer), out.data.buffer],
    groupsFor(out.size),
  );
  return out;
}

function f32Bits(v: number): number {
  return new Int32Array(Float32Array.of(v).buffer)[0]!;
}

export function unary(rt: WebGpuRuntime, op: UnaryOp, x: GpuView, param = 0): GpuView {
  return map(rt, x.shape, [x], [x.data], UNARY_WGSL[op], f32Bits(param), op === 'pow' ? POW_REAL : '');
}

export function binary(rt: WebGpuRuntime, op: BinaryOp, a: GpuView, b: GpuView): GpuView {
  const shape = broadcastShapes(op, a.shape, b.shape);
  const operands = [a, b].map((v) => ({
    offset: v.offset,
    stride: broadcastStrides(v.shape, v.stride, shape),
  }));
  return map(rt, shape, operands, [a.data, b.data], BINARY_WGSL[op]);
}

/** ∂L/∂x of relu: g · [x > 0], a product as in the reference (a NaN or infinite g where x ≤ 0 gives NaN). */
export function reluBackward(rt: WebGpuRuntime, g: GpuView, x: GpuView): GpuView {
  return map(rt, g.shape, [g, x], [g.data, x.data], 'v0 * select(0.0, 1.0, v1 > 0.0)');
}

/** A new row-major copy of x (always a copy). */
export function copy(rt: WebGpuRuntime, x: GpuView): GpuView {
  return map(rt, x.shape, [x], [x.data], 'v0');
}

/** x itself when it is row-major from offset 0 and holds exactly its elements; else a copy. */
export function contiguous(rt: WebGpuRuntime, x: GpuView): GpuView {
  if (x.offset === 0 && x.data.length === x.size && isRowMajor(x.shape, x.stride)) return x;
  return copy(rt, x);
}

const FILL_SHADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<i32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
${FLAT_INDEX}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flatIndex(gid, nwg);
  if (i >= u32(P[0])) { return; }
  y[i] = bitcast<f32>(P[1]);
}`;

export function fill(rt: WebGpuRuntime, shape: readonly number[], value: number): GpuView {
  const out = outputView(rt, shape);
  if (out.size > 0)
    rt.dispatch(FILL_SHADER, Int32Array.of(out.size, f32Bits(value)), [out.data.buffer], groupsFor(out.size));
  return out;
}

const ASSIGN_SHADER = `${STRIDED_PRELUDE}
@group(0) @binding(1) var<storage, read> src: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flatIndex(gid, nwg);
  if (i >= count()) { return; }
  dst[offsetOf(1u, i)] = src[offsetOf(0u, i)];
}`;

/** dst[...] = src elementwise (same shapes); dst may be strided. src is copied first when it shares dst's buffer. */
export function assign(rt: WebGpuRuntime, dst: GpuView, src: GpuView): void {
  if (dst.size === 0) return;
  const source = src.data === dst.data ? copy(rt, src) : src;
  rt.dispatch(
    ASSIGN_SHADER,
    stridedParams(dst.shape, [source, dst]),
    [source.data.buffer, dst.data.buffer],
    groupsFor(dst.size),
  );
  if (source !== src) source.data.dispose();
}
