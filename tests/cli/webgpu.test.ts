/**
 * `npm run train -- --backend webgpu` and `npm run probe -- --backend webgpu`
 * end to end on the WebGPU adapter here (lavapipe without a GPU): the logged
 * per-layer losses of the first steps equal those of `--backend cpu` for the
 * same seed within 1e-3 relative, and the probe reads the device checkpoint.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { closeWebGpu, webGpuForTests } from '../helpers/webgpu.js';

const hasAdapter = (await webGpuForTests('npm run train/probe --backend webgpu')) !== null;
closeWebGpu(); // the commands take their own device

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'lpl-cli-webgpu-'));
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
afterAll(() => rmSync(work, { recursive: true, force: true }));

function cli(command: 'train' | 'probe', args: string[]): SpawnSyncReturns<string> {
  return spawnSync(
    process.execPath,
    ['--import', tsxLoader, join(root, 'src', 'cli', `${command}.ts`), ...args],
    {
      cwd: work,
      encoding: 'utf8',
      timeout: 240_000,
      env: { ...process.env, LPL_DEBUG: '1' },
    },
  );
}

// 32 images, batches of 8 (4 steps), VGG-11 at 1/16 width, one epoch.
const TINY = ['--limit', '32', '--batch-size', '8', '--width', '0.0625', '--workers', '0', '--epochs', '1'];
const TINY_RUN = [...TINY, '--warmup-epochs', '0', '--log-every', '1'];

/** Each logged step's per-layer losses: [pred, hebb, decorr, total] per layer. */
function stepLosses(run: string): number[][][] {
  return readFileSync(join(run, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .filter((l) => l.type === 'step')
    .map((l) =>
      (l.layers as { pred: number; hebb: number; decorr: number; total: number }[]).map((x) => [
        x.pred,
        x.hebb,
        x.decorr,
        x.total,
      ]),
    );
}

describe.skipIf(!hasAdapter)('the commands with --backend webgpu', { timeout: 300_000 }, () => {
  it('train: the first steps log the same losses as --backend cpu', () => {
    const cpu = cli('train', [...TINY_RUN, '--backend', 'cpu', '--threads', '1', '--out', 'cpu']);
    expect(cpu.status, cpu.stderr).toBe(0);
    const gpu = cli('train', [...TINY_RUN, '--backend', 'webgpu', '--out', 'gpu']);
    expect(gpu.status, gpu.stderr).toBe(0);
    expect(gpu.stdout).toMatch(/backend webgpu on /);
    const [a, b] = [stepLosses(join(work, 'cpu')), stepLosses(join(work, 'gpu'))];
    expect(b).toHaveLength(a.length);
    // Step 1 (same weights): every term within 1e-3 of itself. Step 2 comes after one Adam step,
    // which is about lr·sign(g) per weight, so where a gradient is near zero the two backends step
    // differently; there each term is compared within 1e-3 of its layer's total.
    for (let s = 0; s < 2; s++) {
      a[s]!.forEach((layer, k) => {
        layer.forEach((want, i) => {
          const got = b[s]![k]![i]!;
          const scale = s === 0 ? Math.abs(want) : Math.max(Math.abs(want), Math.abs(layer[3]!));
          expect(
            Math.abs(got - want),
            `step ${s + 1}, layer ${k + 1}, term ${i}: ${got} vs ${want}`,
          ).toBeLessThanOrEqual(1e-3 * scale + 1e-9);
        });
      });
    }
  });

  it('probe reads the checkpoint on the device', () => {
    const r = cli('probe', [
      '--checkpoint',
      join(work, 'gpu', 'last.safetensors'),
      '--avgpool',
      '--train-labels',
      '50',
      '--test-labels',
      '30',
      '--epochs',
      '1',
      '--backend',
      'webgpu',
      '--out',
      'reports',
    ]);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(work, 'reports', 'gpu_avgpooltrue.json'), 'utf8'));
    expect(report.layers).toHaveLength(8);
    for (const l of report.layers) expect(l.accuracy).toBeGreaterThanOrEqual(0);
  });
});
