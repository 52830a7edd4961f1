/**
 * Pooling of the webgpu backend: max and average over KH×KW windows with
 * stride (sh, sw) and no padding, of x [N, C, H, W] -> [N, C, OH, OW], and
 * their gradients (the reference's maxPool2d, avgPool2d and backwards).
 *
 *   max:  y[n,c,oh,ow] = max_{kh,kw} x[n, c, oh·sh + kh, ow·sw + kw]; argmax = its flat
 *         row-major index into x (u32 bits): the first maximum in (kh, kw) order wins ties
 *   avg:  y[n,c,oh,ow] = 1/(KH·KW) · Σ_{kh,kw} x[n, c, oh·sh + kh, ow·sw + kw]
 *   ∂max: ∂L/∂x[i] = Σ_{o : argmax[o] = i} ∂L/∂y[o]
 *   ∂avg: ∂L/∂x[n,c,ih,iw] = Σ_{(oh,ow) whose window holds (ih,iw)} ∂L/∂y[n,c,oh,ow] / (KH·KW)
 *
 * Forward: one thread per output, the reference's loop over one window.
 * Backward: one thread per INPUT element, which gathers over the windows that
 * contain it (for overlapping windows, stride < kernel, several), in the
 * order the reference's scatter loops ∂L/∂x[argmax[o]] += ∂L/∂y[o] and
 * ∂L/∂x[window] += ∂L/∂y[o] / (KH·KW) visit them; so no two threads write the
 * same place and no float atomics are needed.
 */
import ndarray from 'ndarray';
import type { PoolIndices, Pool2dParams } from '../../backend.js';
import { windowOutputSize } from '../../shape.js';
import { contiguous, type GpuView } from './elementwise.js';
import { FLAT_INDEX, groupsFor, type GpuStorage, type WebGpuRuntime } from './runtime.js';

/** P = [N·C, H, W, OH, OW, KH, KW, sh, sw] */
const HEADER = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<u32>;
${FLAT_INDEX}
`;

/** One thread per output o = (nc, oh, ow): the entry point and the output's coordinates. */
const OUTPUT_WINDOW = /* wgsl */ `@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let o = flatIndex(gid, nwg);
  let H = P[1]; let W = P[2]; let OH = P[3]; let OW = P[4];
  if (o >= P[0] * OH * OW) { return; }
  let ow = o % OW; let oh = (o / OW) % OH; let nc = o / (OW * OH);`;

const MAX_FORWARD = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> argmax: array<u32>;
${OUTPUT_WINDOW}
  // the reference's loop exactly: best starts at −∞ and the window's first element, and only
  // v > best replaces it, so the first maximum wins ties and NaNs are passed over (a window of
  // NaNs and −∞ gives its first element); −∞ comes from bits read at run time (not a constant)
  var bestIndex = nc * H * W + oh * P[7] * W + ow * P[8];
  var best = bitcast<f32>(0xff800000u | (P[0] & 0u));
  for (var kh = 0u; kh < P[5]; kh++) {
    for (var kw = 0u; kw < P[6]; kw++) {
      let index = nc * H * W + (oh * P[7] + kh) * W + (ow * P[8] + kw);
      let v = x[index];
      if (v > best) { best = v; bestIndex = index; }
    }
  }
  y[o] = x[bestIndex];
  argmax[o] = bestIndex;
}`;

/** One thread per input element i: the windows (oh, ow) that contain it. */
const WINDOWS_OF_INPUT = /* wgsl */ `
  let H = P[1]; let W = P[2]; let OH = P[3]; let OW = P[4];
  let KH = P[5]; let KW = P[6]; let sh = P[7]; let sw = P[8];
  if (i >= P[0] * H * W) { return; }
  let iw = i % W; let ih = (i / W) % H; let nc = i / (W * H);
  // oh·sh ≤ ih < oh·sh + KH  ⇔  (ih − KH + 1)/sh ≤ oh ≤ ih/sh
  let ohLo = select(0u, (ih + sh - KH) / sh, ih + sh >= KH);
  let owLo = select(0u, (iw + sw - KW) / sw, iw + sw >= KW);
  let ohHi = min(ih / sh, OH - 1u);
  let owHi = min(iw / sw, OW - 1u);
  var acc = 0.0;
  for (var oh = ohLo; oh <= ohHi && oh < OH; oh++) {
    for (var ow = owLo; ow <= owHi && ow < OW; ow++) {
      if (oh * sh + KH <= ih || ow * sw + KW <= iw) { continue; }
      let o = (nc * OH + oh) * OW + ow;`;

const MAX_BACKWARD = `${HEADER}
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read> argmax: array<u32>;
@group(0) @binding(3) var<storage, read_write> gx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flatIndex(gid, nwg);
  ${WINDOWS_OF_INPUT}
      if (argmax[o] == i) { acc += gy[o]; }
    }
  }
  gx[i] = acc;
}`;

const AVG_FORWARD = `${HEADER}
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
${OUTPUT_WINDOW}
  var s = 0.0;
  for (var kh = 0u; kh < P[5]; kh++) {
    for (var kw = 0u; kw < P[6]; kw++) { s += x[nc * H * W + (oh * P[7] + kh) * W + (ow * P[8] + kw)]; }
  }
  y[o] = s / f32(P[5] * P[6]);
}`;

const AVG_BACKWARD = `${HEADER}
@group(0) @binding(1) var<storage, read> gy: array<f32>;
@group(0) @binding(2) var<storage, read_write> gx: array<f32>;
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = flatIndex(gid, nwg);
  ${WINDOWS_OF_INPUT}
      acc += gy[o] / f32(KH * KW);
    }
  }
  gx[i] = acc;
}`;

/** The windows each argmax came from: its backward gathers per input over them. */
const windowsOf = new WeakMap<GpuStorage, Pool2dParams>();

function params(xShape: readonly number[], p: Pool2dParams): { words: Uint32Array; outShape: number[] } {
  const [N, C, H, W] = xShape as [number, number, number, number];
  const [KH, KW] = p.kernel;
  const [sh, sw] = p.stride;
  const OH = windowOutputSize(H, KH, sh, 0);
  const OW = windowOutputSize(W, KW, sw, 0);
  return { words: Uint32Array.of(N * C, H, W, OH, OW, KH, KW, sh, sw), outShape: [N, C, OH, OW] };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, d) => a * d, 1);
}

/** Runs `code` with one thread for each of `threads` (outputs or inputs) over `buffers` (bindings 1..). */
function run(
  rt: WebGpuRuntime,
  code: string,
  words: Uint32Array,
  threads: number,
  buffers: GPUBuffer[],
): void {
  if (threads > 0) rt.dispatch(code, words, buffers, groupsFor(threads));
}

export function maxPool2d(
  rt: WebGpuRuntime,
  x: GpuView,
  p: Pool2dParams,
): { out: GpuView; argmax: PoolIndices } {
  const { words, outShape } = params(x.shape, p);
  const X = contiguous(rt, x);
  const out = ndarray(rt.allocate(sizeOf(outShape)), outShape);
  const argmax = rt.allocate(sizeOf(outShape)); // u32 bits of flat row-major indices into x
  windowsOf.set(argmax, p);
  run(rt, MAX_FORWARD, words, out.size, [X.data.buffer, out.data.buffer, argmax.buffer]);
  if (X !== x) X.data.dispose();
  return { out, argmax };
}

export function maxPool2dBackward(
  rt: WebGpuRuntime,
  gy: GpuView,
  argmax: GpuStorage,
  xShape: readonly number[],
): GpuView {
  const p = windowsOf.get(argmax);
  if (!p) throw new Error("webgpu maxPool2dBackward: argmax did not come from this backend's maxPool2d");
  const { words } = params(xShape, p);
  const G = contiguous(rt, gy);
  const gx = ndarray(rt.allocate(sizeOf(xShape)), [...xShape]);
  run(rt, MAX_BACKWARD, words, gx.size, [G.data.buffer, argmax.buffer, gx.data.buffer]);
  if (G !== gy) G.data.dispose();
  return gx;
}

export function avgPool2d(rt: WebGpuRuntime, x: GpuView, p: Pool2dParams): GpuView {
  const { words, outShape } = params(x.shape, p);
  const X = contiguous(rt, x);
  const out = ndarray(rt.allocate(sizeOf(outShape)), outShape);
  run(rt, AVG_FORWARD, words, out.size, [X.data.buffer, out.data.buffer]);
  if (X !== x) X.data.dispose();
  return out;
}

export function avgPool2dBackward(
  rt: WebGpuRuntime,
  gy: GpuView,
  xShape: readonly number[],
  p: Pool2dParams,
): GpuView {
  const { words } = params(xShape, p);
  const G = contiguous(rt, gy);
  const gx = ndarray(rt.allocate(sizeOf(xShape)), [...xShape]);
  run(rt, AVG_BACKWARD, words, gx.size, [G.data.buffer, gx.data.buffer]);
  if (G !== gy) G.data.dispose();
  return gx;
}
