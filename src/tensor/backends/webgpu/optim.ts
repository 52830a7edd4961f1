/**
 * The optimizers' updates on the webgpu backend, in place, one thread per
 * element; the same arithmetic as the reference's loops (in float32):
 *
 *   Adam:  g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *          θ ← θ − stepSize · m / (√v / sqrtBias2 + eps)
 *   SGD:   g ← g + wd·θ;  buf ← g (first step) or μ·buf + g;
 *          θ ← θ − lr · (nesterov ? g + μ·buf : buf)   (buf = g without momentum)
 */
import type { AdamStep, SgdStep } from '../../backend.js';
import type { GpuView } from './elementwise.js';
import { FLAT_INDEX, groupsFor, isRowMajor, type WebGpuRuntime } from './runtime.js';

const ADAM = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>; // [n, beta1, beta2, eps, wd, stepSize, sqrtBias2]
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${FLAT_INDEX}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flatIndex(gid, nwg);
  if (j >= u32(P[0])) { return; }
  let gj = g[j] + P[4] * theta[j];
  m[j] = P[1] * m[j] + (1.0 - P[1]) * gj;
  v[j] = P[2] * v[j] + (1.0 - P[2]) * gj * gj;
  theta[j] = theta[j] - (P[5] * m[j]) / (sqrt(v[j]) / P[6] + P[3]);
}`;

const SGD = /* wgsl */ `
@group(0) @binding(0) var<storage, read> P: array<f32>; // [n, lr, wd, mu, nesterov, first, hasBuffer]
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
${FLAT_INDEX}
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flatIndex(gid, nwg);
  if (j >= u32(P[0])) { return; }
  let gj = g[j] + P[2] * theta[j];
  var update = gj;
  if (P[6] != 0.0) {
    buf[j] = select(P[3] * buf[j] + gj, gj, P[5] != 0.0);
    update = select(buf[j], gj + P[3] * buf[j], P[4] != 0.0);
  }
  theta[j] = theta[j] - P[1] * update;
}`;

function check(kernel: string, views: GpuView[]): number {
  const n = views[0]!.size;
  for (const v of views) {
    if (v.size !== n || v.offset !== 0 || !isRowMajor(v.shape, v.stride)) {
      throw new Error(`webgpu ${kernel}: operands must be row-major views of ${n} elements from offset 0`);
    }
  }
  return n;
}

/** n as a float32 parameter word (exact below 2²⁴ elements, far above any parameter here). */
function countWord(n: number): number {
  if (n >= 2 ** 24)
    throw new Error(`webgpu optimizer update: ${n} elements in one parameter is more than 2^24`);
  return n;
}

export function adamUpdate(
  rt: WebGpuRuntime,
  theta: GpuView,
  g: GpuView,
  m: GpuView,
  v: GpuView,
  h: AdamStep,
): void {
  const n = check('adamUpdate', [theta, g, m, v]);
  if (n === 0) return;
  const words = Float32Array.of(
    countWord(n),
    h.beta1,
    h.beta2,
    h.eps,
    h.weightDecay,
    h.stepSize,
    h.sqrtBias2,
  );
  rt.dispatch(ADAM, words, [g.data.buffer, theta.data.buffer, m.data.buffer, v.data.buffer], groupsFor(n));
}

export function sgdUpdate(
  rt: WebGpuRuntime,
  theta: GpuView,
  g: GpuView,
  buf: GpuView | null,
  h: SgdStep,
): void {
  const n = check('sgdUpdate', buf ? [theta, g, buf] : [theta, g]);
  if (n === 0) return;
  const words = Float32Array.of(
    countWord(n),
    h.lr,
    h.weightDecay,
    h.momentum,
    h.nesterov ? 1 : 0,
    h.first ? 1 : 0,
    buf ? 1 : 0,
  );
  // without momentum the kernel never touches buf: a one-element stand-in (bindings must not alias)
  const target = buf?.data ?? rt.allocate(1);
  rt.dispatch(SGD, words, [g.data.buffer, theta.data.buffer, target.buffer], groupsFor(n));
  if (!buf) target.dispose();
}
