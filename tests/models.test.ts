/**
 * The trained network shipped in models/ (see models/README.md): its
 * metadata says how it was trained, and `npm run probe` reads it on a fresh
 * clone, here on a tiny CIFAR-10-format fixture standing in for the user's copy.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { checkpointConfig } from '../src/lpl/run-state.js';
import { readSafetensors } from '../src/nn/safetensors.js';
import { cifarRecords, patternBytes } from './data/fixtures.js';

const root = join(import.meta.dirname, '..');
const model = join(root, 'models', 'cifar10-lpl-vgg11-w0.25-e20.safetensors');
const work = mkdtempSync(join(tmpdir(), 'lpl-models-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What both shipped networks share: all three terms, layer-local, the paper's seed, CIFAR-10's 32×32 RGB. */
const FULL_LPL_ON_CIFAR10 = {
  arch: 'vgg11',
  lambdaPred: 1,
  lambdaHebb: 1,
  lambdaDecorr: 10,
  usePred: true,
  useHebb: true,
  useDecorr: true,
  mode: 'layer-local',
  seed: 24,
  channels: 3,
  inputSize: 32,
};

describe('models/cifar10-lpl-vgg11-w0.25-e20.safetensors', { timeout: 120_000 }, () => {
  it('holds the configuration it was trained with', () => {
    const c = checkpointConfig(model);
    expect(c).toMatchObject({
      width: 0.25,
      epochs: 20,
      batchSize: 256,
      ...FULL_LPL_ON_CIFAR10,
    });
    expect(c.stats?.mean).toHaveLength(3);
    // written before the step warm-up existed: resumed, it runs without one, as it was trained
    expect(c.warmupSteps).toBe(0);
  });

  it('is probed by npm run probe on CIFAR-10 binary batches', () => {
    // 2 images per class in each of the 5 training batches, 10 test images
    const data = join(work, 'cifar-10-batches-bin');
    mkdirSync(data);
    const labels = Array.from({ length: 20 }, (_, i) => i % 10);
    for (let k = 1; k <= 5; k++) {
      writeFileSync(join(data, `data_batch_${k}.bin`), cifarRecords(patternBytes(20 * 3072, k), labels));
    }
    writeFileSync(
      join(data, 'test_batch.bin'),
      cifarRecords(patternBytes(10 * 3072, 9), labels.slice(0, 10)),
    );
    const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
    const args = ['--checkpoint', model, '--data', data, '--avgpool', '--epochs', '2'];
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        tsxLoader,
        join(root, 'src', 'cli', 'probe.ts'),
        ...args,
        '--backend',
        'cpu',
        '--threads',
        '1',
      ],
      { cwd: work, encoding: 'utf8', timeout: 120_000, env: { ...process.env, LPL_NO_RELAUNCH: '1' } },
    );
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(
      readFileSync(join(work, 'reports', 'cifar10-lpl-vgg11-w0.25-e20_avgpooltrue.json'), 'utf8'),
    );
    expect(report.meta).toMatchObject({ trainImages: 100, testImages: 10, trainingSeed: 24 });
    expect(report.layers.map((l: { channels: number }) => l.channels)).toEqual([
      16, 32, 64, 64, 128, 128, 128, 128,
    ]);
  });
});

const long = join(root, 'models', 'cifar10-lpl-vgg11-w0.25-e100-ws400.safetensors');

describe('models/cifar10-lpl-vgg11-w0.25-e100-ws400.safetensors', { timeout: 120_000 }, () => {
  it('holds the recipe it was trained with and the position of a finished run', () => {
    expect(checkpointConfig(long)).toMatchObject({
      width: 0.25,
      epochs: 100,
      scheduleEpochs: 100,
      batchSize: 256,
      warmupEpochs: 0,
      warmupSteps: 400,
      holdout: 10000,
      lr: 1e-3,
      ...FULL_LPL_ON_CIFAR10,
    });
    const { metadata } = readSafetensors(long);
    expect(JSON.parse(metadata.extra ?? '{}').position).toEqual({ epoch: 100, step: 0, globalStep: 15600 });
  });
});
