/**
 * The optimizers' updates on the webgpu backend, in place, one thread per
 * element j of the row-major operands (θ, g, m, v, buf all of one size n); the
 * reference's loops `for (j < n)` with the same arithmetic, in float32:
 *
 *   Adam:  g ← g + wd·θ;  m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *          θ ← θ − stepSize · m / (√v / sqrtBias2 + eps)
 *   SGD:   g ← g + wd·θ;  buf ← g (first step) or μ·buf + g;
 *          θ ← θ − lr · (nesterov ? g + μ·buf : buf)   (θ ← θ − lr·g without momentum)
 *
 * Parameters (binding 0, u32 words): n, each operand's offset, then the step's
 * constants as float32 bits (1−β1 and 1−β2 computed here in float64 and rounded
 * once, as the reference's constants are).
 */
import type { AdamStep, SgdStep } from '../../backend.js';
import type { GpuView } from './elementwise.js';
import { FLAT_INDEX, groupsFor, isRowMajor, type WebGpuRuntime } from './runtime.js';

const ADAM = /* wgsl */ `
// [n, offθ, offg, offm, offv, β1, 1−β1, β2, 1−β2, eps, wd, stepSize, sqrtBias2] (constants as f32 bits)
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${FLAT_INDEX}
fn c(k: u32) -> f32 { return bitcast<f32>(P[k]); }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flatIndex(gid, nwg);
  if (j >= P[0]) { return; }
  let jt = P[1] + j; let jm = P[3] + j; let jv = P[4] + j;
  let th = theta[jt];
  let gj = g[P[2] + j] + c(10u) * th;             // coupled L2 decay
  let mj = c(5u) * m[jm] + c(6u) * gj;            // β1·m + (1−β1)·g
  let vj = c(7u) * v[jv] + c(8u) * gj * gj;       // β2·v + (1−β2)·g²
  m[jm] = mj;
  v[jv] = vj;
  theta[jt] = th - (c(11u) * mj) / (sqrt(vj) / c(12u) + c(9u));
}`;

const SGD = /* wgsl */ `
// [n, offθ, offg, offbuf, lr, wd, μ, nesterov, first, hasBuffer] (lr, wd, μ as f32 bits)
@group(0) @binding(0) var<storage, read> P: array<u32>;
@group(0) @binding(1) var<storage, read> g: array<f32>;
@group(0) @binding(2) var<storage, read_write> theta: array<f32>;
@group(0) @binding(3) var<storage, read_write> buf: array<f32>;
${FLAT_INDEX}
fn c(k: u32) -> f32 { return bitcast<f32>(P[k]); }
@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = flatIndex(gid, nwg);
  if (j >= P[0]) { return; }
  let jt = P[1] + j;
  let th = theta[jt];
  let gj = g[P[2] + j] + c(5u) * th;
  var update = gj;
  if (P[9] != 0u) {
    let jb = P[3] + j;
    let b = select(c(6u) * buf[jb] + gj, gj, P[8] != 0u); // first step: buf ← g
    buf[jb] = b;
    update = select(b, gj + c(6u) * b, P[7] != 0u);     // nesterov: g + μ·buf
  }
  theta[jt] = th - c(4u) * update;
}`;

/** n, the operands' common size; each must be a row-major view (any offset). */
function check(kernel: string, views: GpuView[]): number {
  const n = views[0]!.size;
  for (const v of views) {
    if (v.size !== n || !isRowMajor(v.shape, v.stride)) {
      throw new Error(
        `webgpu ${kernel}: operands must be row-major views of one size ${n}, got [${v.shape}] strides [${v.stride}]`,
      );
    }
  }
  return n;
}

/** The float32 bits of v, as a u32 parameter word. */
function bits(v: number): number {
  return new Uint32Array(Float32Array.of(v).buffer)[0]!;
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
  const words = Uint32Array.of(
    n,
    theta.offset,
    g.offset,
    m.offset,
    v.offset,
    ...[h.beta1, 1 - h.beta1, h.beta2, 1 - h.beta2, h.eps, h.weightDecay, h.stepSize, h.sqrtBias2].map(bits),
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
  const words = Uint32Array.of(
    n,
    theta.offset,
    g.offset,
    buf?.offset ?? 0,
    bits(h.lr),
    bits(h.weightDecay),
    bits(h.momentum),
    h.nesterov ? 1 : 0,
    h.first ? 1 : 0,
    buf ? 1 : 0,
  );
  // without momentum the kernel never touches buf: a one-element stand-in (bindings must not alias)
  const target = buf?.data ?? rt.allocate(1);
  rt.dispatch(SGD, words, [g.data.buffer, theta.data.buffer, target.buffer], groupsFor(n));
  if (!buf) target.dispose();
}
