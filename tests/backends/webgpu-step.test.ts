/**
 * A whole LPL training step on the webgpu backend against the cpu backend, for
 * the same seed and batch: per-layer losses and every parameter gradient; two
 * Adam steps through LplRun.trainStep; a checkpoint round trip; and device
 * buffers that do not grow from step to step.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slice } from '../../src/autograd/index.js';
import type { TwoViewBatch } from '../../src/data/index.js';
import { encodeBlocks } from '../../src/lpl/encoder.js';
import { networkObjective } from '../../src/lpl/objective.js';
import { restoreRun, saveRun } from '../../src/lpl/run-state.js';
import { loadTrainingData } from '../../src/lpl/run-data.js';
import { LplRun } from '../../src/lpl/train.js';
import type { Backend } from '../../src/tensor/backend.js';
import type { WebGpuBackend } from '../../src/tensor/backends/webgpu.js';
import { backendByName, withBackend } from '../../src/tensor/registry.js';
import { fromArray, type Tensor } from '../../src/tensor/tensor.js';
import { maxMagnitude, SMALLEST_NORMAL, worstViolation } from '../../src/tensor/tolerance.js';
import { closeWebGpu, webGpuForTests } from '../helpers/webgpu.js';
import { tinyTrainConfig } from '../helpers/runs.js';

// The bundled data, 32 images, batches of 8, VGG-11 at 1/16 width (4…32 channels).
const CONFIG = tinyTrainConfig({ limit: 32 });
const dataset = loadTrainingData(CONFIG);
const work = mkdtempSync(join(tmpdir(), 'lpl-webgpu-'));

let gpu: WebGpuBackend | null = null;
beforeAll(async () => {
  gpu = await webGpuForTests('webgpu training step');
});
afterAll(() => {
  closeWebGpu();
  rmSync(work, { recursive: true, force: true });
});

/** A fresh run (same seed, so the same initial weights and batches) on `backend`. */
async function runOn(backend: Backend): Promise<LplRun> {
  const run = withBackend('cpu', () => new LplRun(CONFIG, dataset));
  await run.model.moveTo(backend);
  return run;
}

async function firstBatch(run: LplRun): Promise<TwoViewBatch> {
  for await (const batch of run.batches()) return batch;
  throw new Error('no batch');
}

/**
 * got ≈ want by the project's rule (src/tensor/tolerance.ts): relative, with a floor at 1% of the
 * tensor's own scale (float32 against float32 by another summation order: entries that cancel keep
 * the rounding of the terms, of the tensor's magnitude).
 */
function expectClose(what: string, got: ArrayLike<number>, want: ArrayLike<number>, rtol: number): void {
  expect(got.length, what).toBe(want.length);
  const v = worstViolation(got, want, {
    rtol,
    scale: 1e-2 * maxMagnitude(want),
    atol: SMALLEST_NORMAL.float32,
  });
  if (v) expect.fail(`${what}: element ${v.index} is ${v.got}, cpu gives ${v.want} (bound ${v.bound})`);
}

/** The step's per-layer losses and ∂L/∂θ for every parameter, read back, without updating anything. */
async function lossesAndGradients(run: LplRun, batch: TwoViewBatch) {
  const [B, C, H, W] = batch.shape;
  const x = new Float32Array(2 * batch.x1.length);
  x.set(batch.x1, 0);
  x.set(batch.x2, batch.x1.length);
  const both = encodeBlocks(run.model.blocks, fromArray(x, [2 * B, C, H, W]), {
    mode: CONFIG.mode,
    keepMaps: false,
  });
  const half = (t: Tensor, first: boolean) => slice(t, [first ? [0, B] : [B, 2 * B]]);
  const split = (first: boolean) => ({ z: both.z.map((t) => half(t, first)), maps: [] as Tensor[] });
  const { total, layers } = networkObjective(split(true), split(false), CONFIG);
  total.backward();
  const losses: number[] = [];
  for (const l of layers)
    if (l) for (const t of [l.pred, l.hebb, l.decorr, l.total]) losses.push((await t.data())[0]!);
  const grads = new Map<string, Float32Array>();
  for (const [name, p] of run.model.namedParameters())
    grads.set(name, (await p.grad!.data()) as Float32Array);
  run.model.zeroGrad();
  return { losses, grads };
}

describe('webgpu: a whole LPL step equals the cpu backend', { timeout: 300_000 }, () => {
  it('per-layer losses and every parameter gradient', async ({ skip }) => {
    if (!gpu) return skip();
    const cpu = backendByName('cpu');
    const onCpu = await runOn(cpu);
    const onGpu = await runOn(gpu);
    const batch = await firstBatch(onCpu);
    const want = await withBackend(cpu, () => lossesAndGradients(onCpu, batch));
    const got = await withBackend(gpu, () => lossesAndGradients(onGpu, batch));
    expectClose('losses', got.losses, want.losses, 1e-3);
    // Gradients, per block: ‖Δ‖/‖g‖ over the block's weight and bias gradients together, within 1%:
    // float32 sums in another order, and a deep block's input carries the rounding of every block
    // below it (measured: 3e-3 at block 8, far less below). Per block, because a bias gradient alone is zero up to rounding: the
    // centred LPL terms do not change when a unit's output shifts by a constant.
    const blocks = new Map<string, { diff: number; norm: number }>();
    for (const [name, g] of want.grads) {
      const h = got.grads.get(name)!;
      const block = name.replace(/\.(weight|bias)$/, '');
      const b = blocks.get(block) ?? { diff: 0, norm: 0 };
      for (let i = 0; i < g.length; i++) {
        b.diff += (h[i]! - g[i]!) ** 2;
        b.norm += g[i]! ** 2;
      }
      blocks.set(block, b);
    }
    for (const [block, { diff, norm }] of blocks) {
      expect(Math.sqrt(diff / norm), `∂L/∂${block}: ‖Δ‖/‖g‖`).toBeLessThanOrEqual(1e-2);
    }
    expect(onGpu.model.parameters().every((p) => p.device === 'webgpu')).toBe(true);
    await Promise.all([onCpu.close(), onGpu.close()]);
  });

  it('two Adam steps: the same losses, the same weights after', async ({ skip }) => {
    if (!gpu) return skip();
    const cpu = backendByName('cpu');
    const onCpu = await runOn(cpu);
    const onGpu = await runOn(gpu);
    for (let s = 0; s < 2; s++) {
      const batch = await firstBatch(onCpu);
      await firstBatch(onGpu); // advance its loader alike
      const a = await withBackend(cpu, () => onCpu.trainStep(batch));
      const b = await withBackend(gpu, () => onGpu.trainStep(batch));
      const flat = (r: typeof a) => r.layers.flatMap((l) => (l ? [l.pred, l.hebb, l.decorr, l.total] : []));
      expectClose(`step ${s + 1} losses`, flat(b), flat(a), 1e-3);
    }
    for (const [name, p] of onCpu.model.namedParameters()) {
      // biases: their gradients are zero up to rounding (see above), so Adam's normalised step there is noise
      if (name.endsWith('bias')) continue;
      const q = onGpu.model.namedParameters().find(([n]) => n === name)![1];
      const [x, y] = [await p.data(), await q.data()];
      // Two Adam steps move each weight by at most about 2·lr = 2e-3; where a gradient is near 0 its
      // sign (and so Adam's first step, about lr·sign(g)) may differ between backends. On average the
      // weights agree to a small fraction of one step.
      let sum = 0;
      for (let i = 0; i < x.length; i++) sum += Math.abs(x[i]! - y[i]!);
      expect(sum / x.length, `${name}: mean |Δ|`).toBeLessThan(1e-4);
    }
    await Promise.all([onCpu.close(), onGpu.close()]);
  });

  it('a checkpoint saved from the device restores the same weights and optimizer state', async ({ skip }) => {
    if (!gpu) return skip();
    const run = await runOn(gpu);
    await withBackend(gpu, async () => {
      await run.trainStep(await firstBatch(run));
      const file = join(work, 'gpu.safetensors');
      await saveRun(run, file);
      const back = restoreRun(file, {}, { dataset });
      for (const [name, p] of run.model.namedParameters()) {
        const q = back.model.namedParameters().find(([n]) => n === name)![1];
        expect(q.device).toBe('webgpu');
        expect(Array.from(await q.data()), name).toEqual(Array.from(await p.data()));
      }
      const [s1, s2] = [await run.optimizer.state(), await back.optimizer.state()];
      expect(Object.keys(s2.params)).toEqual(Object.keys(s1.params));
      for (const [key, s] of Object.entries(s1.params)) {
        expect(s2.params[key]!.step).toBe(s.step);
        expect(Array.from(s2.params[key]!.buffers.m!)).toEqual(Array.from(s.buffers.m!));
      }
      await back.close();
    });
    await run.close();
  });

  it('device buffers stay flat from step to step', async ({ skip }) => {
    if (!gpu) return skip();
    const start = gpu.runtime.mark(); // count only this run's buffers, not what earlier tests left
    const run = await runOn(gpu);
    const counts: number[] = [];
    await withBackend(gpu, async () => {
      for (let s = 0; s < 12; s++) {
        for await (const batch of run.batches()) {
          await run.trainStep(batch);
          counts.push(gpu!.runtime.liveSince(start));
          break;
        }
      }
    });
    // Every step ends with the same buffers: the parameters, Adam's m and v (made in the first
    // step), and the step's z (one buffer per block).
    const params = run.model.parameters().length;
    expect(counts, `live buffers per step: ${counts.join(', ')}`).toEqual(counts.map(() => 3 * params + 8));
    await run.close();
  });
});
