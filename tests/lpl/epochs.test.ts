/** The training loop of a run folder (src/lpl/epochs.ts) and the train command's flag table. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { configFromFlags, flagOverrides, RESUME_FLAGS, TRAIN_FLAGS } from '../../src/cli/train-flags.js';
import { parseFlags } from '../../src/cli/flags.js';
import { DEFAULT_TRAIN_CONFIG } from '../../src/lpl/config.js';
import { trainEpochs, type EpochSummary } from '../../src/lpl/epochs.js';
import { restoreRun } from '../../src/lpl/run-state.js';
import { loadTrainingData } from '../../src/lpl/run-data.js';
import { LplRun } from '../../src/lpl/train.js';
import { tinyTrainConfig } from '../helpers/runs.js';

// 16 images, batches of 8: 2 steps an epoch.
const CONFIG = tinyTrainConfig({ epochs: 3 });
const dataset = loadTrainingData(CONFIG);
const work = mkdtempSync(join(tmpdir(), 'lpl-epochs-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const records = (dir: string) =>
  readFileSync(join(dir, 'log.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as { type: string; epoch: number; step: number; layers: unknown[] });

describe('trainEpochs', () => {
  it('keeps the checkpoints of the keepEpochs epochs besides the newest `keep`', async () => {
    const dir = join(work, 'milestones');
    const run = new LplRun(CONFIG, dataset);
    await trainEpochs(run, { outDir: dir, keep: 1, keepEpochs: [1], logEvery: 10 });
    await run.close();
    expect(
      readdirSync(dir)
        .filter((f) => f.startsWith('epoch-'))
        .sort(),
    ).toEqual(['epoch-0001.safetensors', 'epoch-0003.safetensors']);
  });

  it('trains every epoch: step and epoch records, mean losses per layer, checkpoints pruned to keep', async () => {
    const dir = join(work, 'full');
    const run = new LplRun(CONFIG, dataset);
    const summaries: EpochSummary[] = [];
    const steps: number[] = [];
    const result = await trainEpochs(run, {
      outDir: dir,
      keep: 2,
      logEvery: 1,
      onStep: (r) => steps.push(r.globalStep),
      onEpochEnd: (s) => summaries.push(s),
    });
    await run.close();
    expect(result.stopped).toBe(false);
    expect(steps).toEqual([0, 1, 2, 3, 4, 5]);
    expect(summaries.map((s) => s.epoch)).toEqual([0, 1, 2]);
    for (const s of summaries) {
      expect(s.layers).toHaveLength(8);
      for (const l of s.layers) {
        for (const v of [l.pred, l.hebb, l.decorr, l.total, l.variance, l.participationRatio, l.deadFraction])
          expect(Number.isFinite(v)).toBe(true);
        // the total is λ-weighted sum of the mean terms (the means of sums are sums of means)
        expect(l.total!).toBeCloseTo(
          CONFIG.lambdaPred * l.pred! + CONFIG.lambdaHebb * l.hebb! + CONFIG.lambdaDecorr * l.decorr!,
          4,
        );
      }
    }
    const log = records(dir);
    expect(log.filter((r) => r.type === 'step')).toHaveLength(6);
    expect(log.filter((r) => r.type === 'epoch').map((r) => r.epoch)).toEqual([0, 1, 2]);
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.safetensors'))
        .sort(),
    ).toEqual(['epoch-0002.safetensors', 'epoch-0003.safetensors', 'last.safetensors']);
  });

  it('a stop request ends after the current step, saves last.safetensors, and the run resumes from it', async () => {
    const dir = join(work, 'stopped');
    const run = new LplRun(CONFIG, dataset);
    let steps = 0;
    const result = await trainEpochs(run, {
      outDir: dir,
      keep: 3,
      logEvery: 10,
      onStep: () => steps++,
      shouldStop: () => steps >= 3,
    });
    await run.close();
    expect(result).toEqual({ stopped: true, lastCheckpoint: join(dir, 'last.safetensors') });
    expect([run.epoch, run.step]).toEqual([1, 1]);
    expect(existsSync(join(dir, 'epoch-0001.safetensors'))).toBe(true);
    const resumed = restoreRun(result.lastCheckpoint, {});
    expect([resumed.epoch, resumed.step, resumed.globalStep]).toEqual([1, 1, 3]);
    const rest = await trainEpochs(resumed, { outDir: dir, keep: 3, logEvery: 10 });
    await resumed.close();
    expect(rest.stopped).toBe(false);
    expect(resumed.finished).toBe(true);
  });
});

describe('the train flag table', () => {
  const parse = (...argv: string[]) => parseFlags('train', TRAIN_FLAGS, argv, { applyDefaults: false });

  it('no flags: the defaults', () => {
    expect(configFromFlags(parse())).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  it('each flag sets its field; the switches set theirs to the stated value', () => {
    const config = configFromFlags(
      parse(
        '--width',
        '0.5',
        '--batch-size',
        '32',
        '--no-pred',
        '--no-decorr',
        '--end-to-end',
        '--shuffle-positives',
      ),
    );
    expect(config).toEqual({
      ...DEFAULT_TRAIN_CONFIG,
      width: 0.5,
      batchSize: 32,
      usePred: false,
      useDecorr: false,
      mode: 'end-to-end',
      shufflePositives: true,
    });
    expect(configFromFlags(parse('--no-pooling', '--pred-form', 'paper'))).toMatchObject({
      noPooling: true,
      predForm: 'paper',
      useHebb: true,
    });
  });

  it('every flag that is not about the command itself names a config field; resuming takes only a few', () => {
    const commandOnly = [
      'backend',
      'gpujs-mode',
      'threads',
      'out',
      'name',
      'resume',
      'keep',
      'keep-epochs',
      'log-every',
      'help',
    ];
    const unmapped = TRAIN_FLAGS.filter((flag) => !flag.config).map((flag) => flag.name);
    expect(unmapped.filter((name) => !commandOnly.includes(name))).toEqual([]);
    expect(RESUME_FLAGS.map((flag) => flag.name).sort()).toEqual(['data', 'epochs', 'workers']);
    expect(flagOverrides(parse('--epochs', '9', '--width', '2'), RESUME_FLAGS)).toEqual({ epochs: 9 });
  });
});
