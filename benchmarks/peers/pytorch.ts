/**
 * PyTorch's CPU training step as a peer: benchmarks/peers/pytorch_step.py, run
 * with the system's python3 only where `python3 -c 'import torch'` works
 * (otherwise the bench says why it skipped it). PyTorch is never a dependency
 * of the project; this only measures it where a user already has it.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ModelConfig } from '../shapes.js';

const SCRIPT = fileURLToPath(new URL('./pytorch_step.py', import.meta.url));

export interface PytorchStepResult {
  config: string;
  batch: number;
  steps: number;
  torch: string;
  threads: number;
  msPerStep: number;
  imagesPerSecond: number;
}

/** PyTorch's version, or why it cannot be used here. */
export function pytorchAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  const probe = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error) return { ok: false, reason: `python3 did not run (${probe.error.message})` };
  if (probe.status !== 0) {
    const last = probe.stderr.trim().split('\n').at(-1) ?? `exit ${probe.status}`;
    return { ok: false, reason: `python3 -c 'import torch' failed: ${last}` };
  }
  return { ok: true, version: probe.stdout.trim() };
}

/** Times `steps` LPL steps (after one warm-up) of `config` at `batch` in PyTorch on `threads` threads. */
export function pytorchStep(
  config: ModelConfig,
  batch: number,
  steps: number,
  threads: number,
): PytorchStepResult {
  const args = [
    SCRIPT,
    '--in-channels',
    String(config.inChannels),
    '--size',
    String(config.size),
    '--width',
    String(config.width),
    '--batch',
    String(batch),
    '--steps',
    String(steps),
    '--threads',
    String(threads),
  ];
  const run = spawnSync('python3', args, { encoding: 'utf8', timeout: 30 * 60_000 });
  if (run.status !== 0) {
    throw new Error(
      `pytorch_step.py failed (${run.error?.message ?? `exit ${run.status}`}): ${run.stderr.trim().split('\n').at(-1)}`,
    );
  }
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Omit<
    PytorchStepResult,
    'config' | 'batch' | 'steps'
  >;
  return { config: config.name, batch, steps, ...out };
}
