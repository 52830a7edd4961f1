/**
 * Convolutions of the webgpu backend as implicit GEMMs over the tiled shader
 * of matmul.ts: the im2col matrix is never written out, its elements are
 * gathered from x (or ∂L/∂y) as the tiles are staged in workgroup memory.
 * Shapes: x [N,C,H,W], w [O,C,KH,KW], y [N,O,OH,OW]; r = (c,kh,kw) indexes
 * C·KH·KW, j = (n,oh,ow) the N·OH·OW output positions, and
 *   x̂[r, j] = x[n, c, oh·sh − ph + kh, ow·sw − pw + kw]   (0 in the padding).
 * The layer's geometry is compiled into the shader as constants (divisions by
 * constants are cheap); the batch size N and the flags (fused ReLU, masking by
 * y) are parameters, so that one pipeline serves every batch size and variant.
 *
 * conv2d                 y[n,o,oh,ow] = act(b[o] + Σ_r w[o, r] · x̂[r, j])
 *   GEMM O × (N·OH·OW) × C·KH·KW; the reference's loop nest for n, o, oh, ow: Σ_c Σ_kh Σ_kw.
 * conv2dBackwardInput    ∂L/∂x[n,c,ih,iw] = Σ_{o,kh,kw} w[o,c,kh,kw] · ∂L/∂y[n,o,oh,ow]
 *   over the (oh, ow) with oh·sh − ph + kh = ih, ow·sw − pw + kw = iw (a gather: no atomics);
 *   GEMM C × (N·H·W) × O·KH·KW, the reference's scatter loop nest turned around.
 * conv2dBackwardWeight   ∂L/∂w[o, r] = Σ_j ∂L/∂y[o, j] · x̂[r, j]
 *   GEMM O × C·KH·KW × N·OH·OW, the reference's loop nest for o, c, kh, kw: Σ_n Σ_oh Σ_ow.
 *   The reduction is long (N·OH·OW) and the output small, so it is split over S chunks of
 *   the reduction (split-K: S workgroups per tile, each summing one chunk), written to
 *   partial [S, len], then partial sums are added: ∂L/∂w = Σ_s partial[s].
 * conv2dReluBackwardParams  the same GEMM on gm = ∂L/∂y · [y > 0] (masked as it is loaded),
 *   with one more column of x̂ that is all ones: that column's sums are ∂L/∂b[o] = Σ_j gm[o, j].
 *   Output [O·C·KH·KW + O]: ∂L/∂w row-major, then ∂L/∂b.
 * Strided inputs are made row-major first (the temporary copies are freed).
 */
import ndarray from 'ndarray';
import type { Conv2dParams } from '../../backend.js';
import { formatShape, ShapeError, windowOutputSize, type Shape } from '../../shape.js';
import { contiguous, fill, type GpuView } from './elementwise.js';
import { perThread, runGemm, type GemmKernel } from './matmul.js';
import { FLAT_INDEX, groupsFor, type WebGpuRuntime } from './runtime.js';

interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  KH: number;
  KW: number;
  OH: number;
  OW: number;
  p: Conv2dParams;
}

function geometry(op: string, xShape: Shape, wShape: Shape, p: Conv2dParams): Geometry {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [O, Cw, KH, KW] = wShape as [number, number, number, number];
  if (xShape.length !== 4 || wShape.length !== 4 || C !== Cw) {
    throw new ShapeError(`${op}: x ${formatShape(xShape)} and w ${formatShape(wShape)} do not match`);
  }
  const OH = windowOutputSize(H, KH, p.stride[0], p.padding[0]);
  const OW = windowOutputSize(W, KW, p.stride[1], p.padding[1]);
  return { N, C, H, W, O, KH, KW, OH, OW, p };
}

/** x̂[r, j]: x at the window position of (r, j), 0 in the padding. */
const X_HAT = /* wgsl */ `
fn xHat(r: i32, j: i32) -> f32 {
  let n = j / OHW; let ohw = j % OHW; let q = r % KK;
  let ih = (ohw / OW) * SH - PH + q / KW;
  let iw = (ohw % OW) * SW - PW + q % KW;
  if (ih < 0 || ih >= IH || iw < 0 || iw >= IW) { return 0.0; }
  return x[((n * CH + r / KK) * IH + ih) * IW + iw];
}`;

/** WGSL constants of the geometry, and (withX) xHat. */
function prelude(g: Geometry, withX = true): string {
  const { C, H, W, O, KH, KW, OH, OW } = g;
  const [SH, SW] = g.p.stride;
  const [PH, PW] = g.p.padding;
  return /* wgsl */ `
const CH = ${C}; const IH = ${H}; const IW = ${W}; const OC = ${O}; const KH = ${KH}; const KW = ${KW};
const OH = ${OH}; const OW = ${OW}; const SH = ${SH}; const SW = ${SW}; const PH = ${PH}; const PW = ${PW};
const KK = ${KH * KW}; const CKK = ${C * KH * KW}; const OHW = ${OH * OW}; const IHW = ${H * W};
${withX ? X_HAT : ''}`;
}

const binding = (i: number, name: string, write = false) =>
  `@group(0) @binding(${i}) var<storage, ${write ? 'read_write' : 'read'}> ${name}: array<f32>;`;

/** Row-major copies of strided views, remembered so that they can be freed after the dispatch. */
class Temps {
  private list: GpuView[] = [];
  constructor(private rt: WebGpuRuntime) {}
  rowMajor(v: GpuView): GpuView {
    const c = contiguous(this.rt, v);
    if (c !== v) this.list.push(c);
    return c;
  }
  dispose(): void {
    for (const v of this.list) v.data.dispose();
  }
}

/** x [N,C,H,W] ⋆ w [O,C,KH,KW] (+ bias [O]) -> y [N,O,OH,OW], optionally max(0, ·). */
export function conv2d(
  rt: WebGpuRuntime,
  x: GpuView,
  w: GpuView,
  bias: GpuView | null,
  p: Conv2dParams,
  relu: boolean,
): GpuView {
  const g = geometry('conv2d', x.shape, w.shape, p);
  const { N, C, O, KH, KW, OH, OW } = g;
  const out = ndarray(rt.allocate(N * O * OH * OW), [N, O, OH, OW]);
  if (out.size === 0) return out;
  const t = new Temps(rt);
  const inputs = [t.rowMajor(x), t.rowMajor(w), ...(bias ? [t.rowMajor(bias)] : [])];
  const kernel: GemmKernel = {
    bindings: [
      binding(1, 'x'),
      binding(2, 'w'),
      bias ? binding(3, 'bias') : '',
      binding(bias ? 4 : 3, 'y', true),
    ].join('\n'),
    functions: /* wgsl */ `${prelude(g)}
fn loadA(s: i32, o: i32, r: i32) -> f32 { return w[o * CKK + r]; }
fn loadB(s: i32, r: i32, j: i32) -> f32 { return xHat(r, j); }
fn store(s: i32, o: i32, j: i32, v: f32) {
  let z = v${bias ? ' + bias[o]' : ''};
  // P[8]: fused ReLU (a parameter, not a shader variant: one pipeline for both)
  y[((j / OHW) * OC + o) * OHW + j % OHW] = select(z, select(0.0, z, z > 0.0), P[8] != 0);
}`,
    tm: perThread(O),
    tn: perThread(N * OH * OW),
    aKFast: true,
    bKFast: false,
  };
  const buffers = [...inputs.map((v) => v.data.buffer), out.data.buffer];
  runGemm(rt, kernel, { M: O, N: N * OH * OW, K: C * KH * KW, zCount: 1 }, [relu ? 1 : 0], buffers);
  t.dispose();
  return out;
}

/** ∂L/∂x [N,C,H,W] of conv2d, given ∂L/∂y [N,O,OH,OW] and w. */
export function conv2dBackwardInput(
  rt: WebGpuRuntime,
  gy: GpuView,
  w: GpuView,
  xShape: Shape,
  p: Conv2dParams,
): GpuView {
  const g = geometry('conv2dBackwardInput', xShape, w.shape, p);
  const { N, C, H, W, O, KH, KW, OH, OW } = g;
  if (gy.shape.join() !== [N, O, OH, OW].join()) {
    throw new ShapeError(`conv2dBackwardInput: ∂L/∂y ${formatShape(gy.shape)} is not [${[N, O, OH, OW]}]`);
  }
  const out = ndarray(rt.allocate(N * C * H * W), [...xShape]);
  if (out.size === 0) return out;
  const t = new Temps(rt);
  const G = t.rowMajor(gy);
  const Wt = t.rowMajor(w);
  const kernel: GemmKernel = {
    bindings: [binding(1, 'gy'), binding(2, 'w'), binding(3, 'dx', true)].join('\n'),
    functions: /* wgsl */ `${prelude(g, false)}
fn loadA(s: i32, c: i32, r: i32) -> f32 { return w[((r / KK) * CH + c) * KK + r % KK]; }
fn loadB(s: i32, r: i32, j: i32) -> f32 {
  // r = (o, kh, kw), j = (n, ih, iw): the (oh, ow) that reads x[n, ·, ih, iw] through w[o, ·, kh, kw]
  let q = r % KK; let n = j / IHW; let ihw = j % IHW;
  let th = ihw / IW + PH - q / KW;
  let tw = ihw % IW + PW - q % KW;
  if (th < 0 || tw < 0 || th % SH != 0 || tw % SW != 0) { return 0.0; }
  let oh = th / SH; let ow = tw / SW;
  if (oh >= OH || ow >= OW) { return 0.0; }
  return gy[((n * OC + r / KK) * OH + oh) * OW + ow];
}
fn store(s: i32, c: i32, j: i32, v: f32) { dx[((j / IHW) * CH + c) * IHW + j % IHW] = v; }`,
    tm: perThread(C),
    tn: perThread(N * H * W),
    aKFast: true,
    bKFast: false,
  };
  runGemm(
    rt,
    kernel,
    { M: C, N: N * H * W, K: O * KH * KW, zCount: 1 },
    [],
    [G.data.buffer, Wt.data.buffer, out.data.buffer],
  );
  t.dispose();
  return out;
}

/** Split-K: about this many workgroups in all, chunks of at least MIN_CHUNK terms, partial sums of at most MAX_PARTIAL values. */
const TARGET_GROUPS = 1024;
const MIN_CHUNK = 256;
const MAX_PARTIAL = 1 << 24;

const SUM_PARTIALS = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<i32>;
@group(0) @binding(1) var<storage, read> part: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
${FLAT_INDEX}
// out[i] = Σ_s part[s·len + i]   (P = [len, S])
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = i32(flatIndex(gid, nwg));
  if (i >= P[0]) { return; }
  var acc = 0.0;
  for (var s = 0; s < P[1]; s++) { acc += part[s * P[0] + i]; }
  out[i] = acc;
}`;

/**
 * ∂L/∂w (and with `y`, ∂L/∂b from gm = ∂L/∂y · [y > 0]) as one flat view of `len` values:
 * [O·C·KH·KW] or [O·C·KH·KW + O].
 */
function weightGradient(
  rt: WebGpuRuntime,
  x: GpuView,
  gy: GpuView,
  y: GpuView | null,
  wShape: Shape,
  p: Conv2dParams,
  op: string,
): GpuView {
  const g = geometry(op, x.shape, wShape, p);
  const { N, C, O, KH, KW, OH, OW } = g;
  for (const v of y ? [gy, y] : [gy]) {
    if (v.shape.join() !== [N, O, OH, OW].join())
      throw new ShapeError(`${op}: ${formatShape(v.shape)} is not [${[N, O, OH, OW]}]`);
  }
  const CKK = C * KH * KW;
  const cols = y ? CKK + 1 : CKK; // with y, one more column of ones: ∂L/∂b
  const len = O * cols;
  const K = N * OH * OW;
  if (len === 0 || K === 0) return fill(rt, [len], 0); // an empty sum
  const out = ndarray(rt.allocate(len), [len]);
  const t = new Temps(rt);
  const G = t.rowMajor(gy);
  const inputs = [t.rowMajor(x), G, y ? t.rowMajor(y) : G]; // without y, binding 3 is not read
  // one shader for both: P[8] = 1 masks with y and adds the column of ones (N = CKK + 1); P[9] = len
  const kernel: GemmKernel = {
    bindings: [binding(1, 'x'), binding(2, 'gy'), binding(3, 'y'), binding(4, 'dw', true)].join('\n'),
    functions: /* wgsl */ `${prelude(g)}
fn loadA(s: i32, o: i32, j: i32) -> f32 {
  let i = ((j / OHW) * OC + o) * OHW + j % OHW;
  if (P[8] != 0) { return gy[i] * select(0.0, 1.0, y[i] > 0.0); }
  return gy[i];
}
fn loadB(s: i32, j: i32, r: i32) -> f32 { if (r == CKK) { return 1.0; } return xHat(r, j); }
// ∂L/∂w[o, r] at o·CKK + r, ∂L/∂b[o] (column CKK) at OC·CKK + o; chunk s of the sum at s·len
fn store(s: i32, o: i32, r: i32, v: f32) { dw[s * P[9] + select(OC * CKK + o, o * CKK + r, r < CKK)] = v; }`,
    tm: perThread(O),
    tn: perThread(cols),
    aKFast: true,
    bKFast: true,
    split: true,
  };
  const tiles = Math.ceil(O / (16 * kernel.tm)) * Math.ceil(cols / (16 * kernel.tn));
  const most = Math.max(
    1,
    Math.min(Math.ceil(TARGET_GROUPS / tiles), Math.ceil(K / MIN_CHUNK), Math.floor(MAX_PARTIAL / len)),
  );
  const kChunk = Math.max(16, Math.ceil(K / most / 16) * 16);
  const S = Math.max(1, Math.ceil(K / kChunk));
  const target = S > 1 ? rt.allocate(S * len) : out.data;
  const buffers = [...inputs.map((v) => v.data.buffer), target.buffer];
  runGemm(rt, kernel, { M: O, N: cols, K, kChunk, zCount: S }, [y ? 1 : 0, len], buffers);
  if (S > 1) {
    rt.dispatch(SUM_PARTIALS, Int32Array.of(len, S), [target.buffer, out.data.buffer], groupsFor(len));
    target.dispose();
  }
  t.dispose();
  return out;
}

/** ∂L/∂w [O,C,KH,KW] of conv2d, given x and ∂L/∂y. */
export function conv2dBackwardWeight(
  rt: WebGpuRuntime,
  x: GpuView,
  gy: GpuView,
  wShape: Shape,
  p: Conv2dParams,
): GpuView {
  const flat = weightGradient(rt, x, gy, null, wShape, p, 'conv2dBackwardWeight');
  return ndarray(flat.data, [...wShape]);
}

/** [∂L/∂w row-major, ∂L/∂b] of y = relu(conv2d(x, w) + b), from gm = ∂L/∂y · [y > 0]. */
export function conv2dReluBackwardParams(
  rt: WebGpuRuntime,
  x: GpuView,
  gy: GpuView,
  y: GpuView,
  wShape: Shape,
  p: Conv2dParams,
): GpuView {
  return weightGradient(rt, x, gy, y, wShape, p, 'conv2dReluBackwardParams');
}
