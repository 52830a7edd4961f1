/**
 * Reductions of the webgpu backend: sum or max over a set of axes, keeping
 * them as size 1 (the reference's `reduce`: its loop over every element of x
 * into the output cell it reduces into, acc[j] += v or acc[j] = max(acc[j], v)).
 *
 *   x [..kept.., ..reduced..] --permute, make row-major--> x2 [rows, R]
 *   y[row] = Σ_j x2[row, j]   (sum)     y[row] = max_j x2[row, j]   (max; a NaN wins)
 *
 * The reduced axes are permuted last and the view made row-major, so each
 * output cell reduces one contiguous row of R values. One workgroup of 256
 * threads reduces a chunk of a row: thread t folds x2[row, c0 + t],
 * x2[row, c0 + t + 256], ... (strided partial results, so neighbouring threads
 * read neighbouring words), then the 256 partial results are combined in a
 * tree in workgroup memory.
 *
 * Rows of at most 32 values (reducing a short axis of a large tensor) are
 * reduced by one thread each, in order: a workgroup per row would idle. Else
 * one pass when there are enough rows to fill the device (each workgroup takes
 * a whole row). With few long rows (summing everything of a [256, 4096]
 * tensor: rows = 1, R = 2²⁰) a single workgroup would do all the work, so the
 * first pass splits each row into `parts` chunks, one workgroup each, into
 * partial [rows, parts], and a second pass reduces those rows.
 *
 * Sums are float32 (the reference sums in float64), pairwise in the tree,
 * which keeps the error near (R/256 + log₂256)·ε·Σ|x| at worst.
 */
import ndarray from 'ndarray';
import type { ReduceOp } from '../../backend.js';
import { copy, contiguous, fill, type GpuView } from './elementwise.js';
import { FLAT_INDEX, groupsFor, type GpuStorage, type WebGpuRuntime } from './runtime.js';

const MAX_GROUPS_X = 65535;
/** Rows up to this long are reduced by one thread each, in order (a workgroup would idle). */
const SERIAL_UP_TO = 32;
/** A row longer than this is split over several workgroups when there are few rows. */
const SPLIT_ABOVE = 8192;
/** Aim for at least this many workgroups in the first pass of a split reduction. */
const TARGET_GROUPS = 1024;
/** Elements per workgroup in a split first pass (at least). */
const MIN_CHUNK = 4096;

function combineFn(op: ReduceOp): string {
  // max: a NaN wins (the reference's `v > acc || isNaN(v)`); NaN is tested on the bits,
  // since WGSL lets a compiler assume that x != x is false
  const body =
    op === 'sum'
      ? 'return a + b;'
      : 'if (isNan(a)) { return a; } if (isNan(b)) { return b; } return select(a, b, b > a);';
  return /* wgsl */ `
fn isNan(a: f32) -> bool { return (bitcast<u32>(a) & 0x7fffffffu) > 0x7f800000u; }
fn combine(a: f32, b: f32) -> f32 { ${body} }`;
}

/** The identity of op: 0, or −∞ (not a WGSL constant: its bits pass through a value read at run time). */
function identity(op: ReduceOp): string {
  return op === 'sum' ? '0.0' : 'bitcast<f32>(0xff800000u | (P[0] & 0u))';
}

/** Short rows (R ≤ SERIAL_UP_TO): one thread per row, y[row] = op_j x2[row, j] in order. */
function serialShader(op: ReduceOp): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>; // [rows, R]
@group(0) @binding(1) var<storage, read> x: array<f32>;  // [rows, R] row-major
@group(0) @binding(2) var<storage, read_write> y: array<f32>; // [rows]
${FLAT_INDEX}
${combineFn(op)}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = flatIndex(gid, nwg);
  let R = P[1];
  if (row >= P[0]) { return; }
  var acc = ${identity(op)};
  for (var j = 0u; j < R; j++) { acc = combine(acc, x[row * R + j]); }
  y[row] = acc;
}`;
}

/** Long rows: one workgroup per (row, chunk), strided partial results combined in a tree. */
function treeShader(op: ReduceOp): string {
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>; // [rows, R, parts, chunk]
@group(0) @binding(1) var<storage, read> x: array<f32>;  // [rows, R] row-major
@group(0) @binding(2) var<storage, read_write> y: array<f32>; // [rows, parts]
var<workgroup> part: array<f32, 256>;
${combineFn(op)}
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let rows = P[0]; let R = P[1]; let parts = P[2]; let chunk = P[3];
  let g = wid.x + wid.y * nwg.x; // this workgroup's (row, chunk) = (g / parts, g % parts)
  let row = g / parts;
  let c0 = (g % parts) * chunk;
  let c1 = min(c0 + chunk, R);
  var acc = ${identity(op)};
  if (row < rows) {
    // strided partial result: x2[row, c0 + t], x2[row, c0 + t + 256], ...
    for (var j = c0 + t; j < c1; j += 256u) { acc = combine(acc, x[row * R + j]); }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = combine(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && row < rows) { y[g] = part[0]; }
}`;
}

/** y[rows·parts] = op over chunks of the rows of x [rows, R] (one workgroup per chunk). */
function pass(
  rt: WebGpuRuntime,
  op: ReduceOp,
  x: GpuStorage,
  y: GpuStorage,
  rows: number,
  R: number,
  parts: number,
): void {
  const n = rows * parts;
  const groups: [number, number] = n <= MAX_GROUPS_X ? [n, 1] : [MAX_GROUPS_X, Math.ceil(n / MAX_GROUPS_X)];
  const chunk = Math.ceil(R / parts);
  rt.dispatch(treeShader(op), Uint32Array.of(rows, R, parts, chunk), [x.buffer, y.buffer], groups);
}

export function reduce(rt: WebGpuRuntime, op: ReduceOp, x: GpuView, axes: readonly number[]): GpuView {
  const rank = x.shape.length;
  const kept = Array.from({ length: rank }, (_, a) => a).filter((a) => !axes.includes(a));
  const outShape = x.shape.map((d, a) => (axes.includes(a) ? 1 : d)); // keepdims
  const rows = kept.reduce((n, a) => n * x.shape[a]!, 1);
  const R = axes.reduce((n, a) => n * x.shape[a]!, 1);
  // an empty reduction is the identity (as the reference's accumulators start): 0 or −∞
  if (R === 0 || rows === 0) return fill(rt, outShape, op === 'sum' ? 0 : -Infinity);
  // nothing to combine (every reduced axis has size 1): the values themselves, in x's shape = outShape
  if (R === 1) return copy(rt, x);
  const out = ndarray(rt.allocate(rows), outShape);
  // [kept..., reduced...] row-major: each output's R values are one row of x2 [rows, R]
  const x2 = contiguous(rt, x.transpose(...kept, ...axes) as GpuView);
  const parts =
    R > SPLIT_ABOVE && rows < TARGET_GROUPS
      ? Math.min(Math.ceil(R / MIN_CHUNK), Math.ceil(TARGET_GROUPS / rows))
      : 1;
  if (R <= SERIAL_UP_TO) {
    rt.dispatch(
      serialShader(op),
      Uint32Array.of(rows, R),
      [x2.data.buffer, out.data.buffer],
      groupsFor(rows),
    );
  } else if (parts === 1) {
    pass(rt, op, x2.data, out.data, rows, R, 1);
  } else {
    // partial [rows, parts]: each row's chunks, then each row of partials into y
    const partial = rt.allocate(rows * parts);
    pass(rt, op, x2.data, partial, rows, R, parts);
    pass(rt, op, partial, out.data, rows, parts, 1);
    partial.dispose();
  }
  if (x2.data !== x.data) x2.data.dispose();
  return out;
}
