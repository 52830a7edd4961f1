/** The images held out of self-supervised training (train --holdout) for the probe. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, configProblems } from '../../src/lpl/config.js';
import { loadHoldout, loadTrainingData } from '../../src/lpl/run-data.js';
import { ConfigError } from '../../src/lpl/train.js';
import { imageAt } from '../../src/data/dataset.js';

const config = { ...DEFAULT_TRAIN_CONFIG, limit: 100 };

describe('holdout', () => {
  it('training sees the first n − N images of its split, the probe the last N, and none is in both', () => {
    const all = loadTrainingData(config);
    const train = loadTrainingData({ ...config, holdout: 30 });
    const held = loadHoldout({ ...config, holdout: 30 });
    expect([train.n, held.n]).toEqual([70, 30]);
    for (const i of [0, 69]) expect(imageAt(train, i)).toEqual(imageAt(all, i));
    for (const i of [0, 29]) expect(imageAt(held, i)).toEqual(imageAt(all, 70 + i));
    expect(Array.from(held.labels)).toEqual(Array.from(all.labels.subarray(70)));
    expect(held.source).toContain('held out');
  });

  it('is refused where it leaves nothing, where it is not a count, and where none was held out', () => {
    expect(() => loadTrainingData({ ...config, holdout: 100 })).toThrow(ConfigError);
    expect(() => loadTrainingData({ ...config, holdout: 100 })).toThrow(/holdout 100 leaves none of the 100/);
    expect(configProblems({ ...config, holdout: -1 })).toEqual(['holdout must be an integer ≥ 0, got -1']);
    expect(() => loadHoldout(config)).toThrow(/trained without --holdout/);
  });
});
