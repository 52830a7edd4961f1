/**
 * Reductions of the webgpu backend: sum or max over a set of axes, keeping
 * them as size 1 (the reference's `reduce`).
 *
 * The reduced axes are permuted last and the view made row-major, so each
 * output cell reduces one contiguous row of R values: x2 [rows, R]. One
 * workgroup of 256 threads reduces a row: thread t folds x2[row, t], x2[row,
 * t+256], ... then the 256 partial results are combined in a tree in
 * workgroup memory. Equivalent to the reference's loop over every element
 * into its output cell; sums are float32 (the reference sums in float64),
 * pairwise in the tree, which keeps the error near √R·ε rather than R·ε.
 * max: a NaN wins, as in the reference.
 */
import ndarray from 'ndarray';
import type { ReduceOp } from '../../backend.js';
import { contiguous, type GpuView } from './elementwise.js';
import type { WebGpuRuntime } from './runtime.js';

const MAX_GROUPS_X = 65535;

function shader(op: ReduceOp): string {
  const identity = op === 'sum' ? '0.0' : 'bitcast<f32>(0xff800000u | (P[0] & 0u))'; // −∞ (not a WGSL constant)
  const combine = op === 'sum' ? 'a + b' : 'select(max(a, b), select(a, b, b != b), a != a || b != b)'; // NaN wins
  return /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>; // [rows, R]
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
var<workgroup> part: array<f32, 256>;
fn combine(a: f32, b: f32) -> f32 { return ${combine}; }
@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) t: u32,
        @builtin(num_workgroups) nwg: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  let rows = P[0];
  let R = P[1];
  var acc = ${identity};
  if (row < rows) {
    for (var j = t; j < R; j += 256u) { acc = combine(acc, x[row * R + j]); }
  }
  part[t] = acc;
  workgroupBarrier();
  for (var s = 128u; s > 0u; s >>= 1u) {
    if (t < s) { part[t] = combine(part[t], part[t + s]); }
    workgroupBarrier();
  }
  if (t == 0u && row < rows) { y[row] = part[0]; }
}`;
}

export function reduce(rt: WebGpuRuntime, op: ReduceOp, x: GpuView, axes: readonly number[]): GpuView {
  const rank = x.shape.length;
  const kept = Array.from({ length: rank }, (_, a) => a).filter((a) => !axes.includes(a));
  const outShape = x.shape.map((d, a) => (axes.includes(a) ? 1 : d));
  const rows = kept.reduce((n, a) => n * x.shape[a]!, 1);
  const R = axes.reduce((n, a) => n * x.shape[a]!, 1);
  const out = ndarray(rt.allocate(rows), outShape);
  if (rows === 0) return out;
  if (R === 0) throw new Error(`webgpu reduce: cannot ${op} over an empty axis of [${x.shape}]`);
  // [kept..., reduced...] row-major: each output's R values are one row
  const permuted = x.transpose(...kept, ...axes) as GpuView;
  const x2 = contiguous(rt, permuted);
  const groups: [number, number] =
    rows <= MAX_GROUPS_X ? [rows, 1] : [MAX_GROUPS_X, Math.ceil(rows / MAX_GROUPS_X)];
  rt.dispatch(shader(op), Uint32Array.of(rows, R), [x2.data.buffer, out.data.buffer], groups);
  if (x2.data !== x.data) x2.data.dispose();
  return out;
}
