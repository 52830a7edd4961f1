/** The learning rate of a run's steps: the epoch schedule, its horizon, and the step warm-up. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, configProblems, type TrainConfig } from '../../src/lpl/config.js';
import { configOfCheckpoint } from '../../src/lpl/run-checkpoint.js';
import { loadTrainingData } from '../../src/lpl/run-data.js';
import { LplRun } from '../../src/lpl/train.js';
import { warmupCosineLr } from '../../src/nn/schedule.js';
import { tinyTrainConfig } from '../helpers/runs.js';

const base = tinyTrainConfig({ epochs: 4 });
const data = loadTrainingData(base);
const runOf = (overrides: Partial<TrainConfig>) => new LplRun({ ...base, ...overrides }, data);

describe('LplRun.lrAt', () => {
  it('without a step warm-up: the epoch schedule over --epochs', () => {
    const run = runOf({});
    for (const e of [0, 1, 3]) {
      expect(run.lrAt(e, 0)).toBe(
        warmupCosineLr({ baseLr: 1e-3, warmupEpochs: 0, totalEpochs: 4, minLr: 1e-6 }, e),
      );
    }
  });

  it('--schedule-epochs stretches the schedule: epoch 20 of 800 is still ≈ the peak', () => {
    const run = runOf({ epochs: 20, scheduleEpochs: 800, warmupEpochs: 10 });
    expect(run.lrAt(0, 0)).toBe(0);
    expect(run.lrAt(9, 0)).toBe(1e-3);
    expect(run.lrAt(19, 0)).toBeGreaterThan(0.999e-3);
    expect(run.lrAt(19, 0)).toBe(
      warmupCosineLr({ baseLr: 1e-3, warmupEpochs: 10, totalEpochs: 800, minLr: 1e-6 }, 19),
    );
  });

  it('--warmup-steps ramps linearly over the first N steps, then leaves the epoch schedule alone', () => {
    const run = runOf({ warmupSteps: 4 });
    expect([0, 1, 2, 3, 4, 100].map((step) => run.lrAt(0, step))).toEqual([
      0.25e-3, 0.5e-3, 0.75e-3, 1e-3, 1e-3, 1e-3,
    ]);
    expect(run.lrAt(2, 1)).toBe(0.5 * run.lrAt(2, 100));
  });

  it('a training step uses the step warm-up (its record says the lr it ran at)', async () => {
    const run = runOf({ warmupSteps: 10 });
    for await (const batch of run.batches()) {
      const record = await run.trainStep(batch);
      expect(record.lr).toBeCloseTo(1e-4 * (record.globalStep + 1), 15);
      if (record.globalStep === 1) break;
    }
    await run.close();
  });

  it('bad values are named', () => {
    expect(configProblems({ ...base, warmupSteps: -1 })).toEqual([
      'warmup-steps must be an integer ≥ 0, got -1',
    ]);
    expect(configProblems({ ...base, warmupEpochs: 10, scheduleEpochs: 8 })).toEqual([
      'warmup-epochs must be in [0, schedule-epochs), got 10 with 8',
    ]);
    expect(configProblems({ ...base, warmupEpochs: 10, scheduleEpochs: 800 })).toEqual([]);
  });
});

describe('configOfCheckpoint', () => {
  const extra = JSON.stringify({ inputSize: 28, channels: 1 });
  it('a config saved without warmupSteps (older checkpoints) means no step ramp, not the default', () => {
    const { warmupSteps: _, ...old } = tinyTrainConfig();
    expect(DEFAULT_TRAIN_CONFIG.warmupSteps).toBeGreaterThan(0);
    const c = configOfCheckpoint({ config: JSON.stringify(old), extra }, 'old.safetensors');
    expect(c.warmupSteps).toBe(0);
    expect(c.inputSize).toBe(28);
  });
  it('a saved warmupSteps is kept', () => {
    const saved = JSON.stringify(tinyTrainConfig({ warmupSteps: 37 }));
    expect(configOfCheckpoint({ config: saved, extra }, 'new.safetensors').warmupSteps).toBe(37);
  });
});
