/** The images held out of self-supervised training (train --holdout) for the probe. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, configProblems } from '../../src/lpl/config.js';
import { holdoutSplit, loadHoldout, loadTrainingData } from '../../src/lpl/run-data.js';
import { ConfigError } from '../../src/lpl/train.js';
import { imageAt } from '../../src/data/dataset.js';

const config = { ...DEFAULT_TRAIN_CONFIG, limit: 100 };

describe('holdout', () => {
  it('holds out N images balanced over the classes (the last of each), and training sees the rest, none in both', () => {
    const all = loadTrainingData(config);
    const train = loadTrainingData({ ...config, holdout: 30 });
    const held = loadHoldout({ ...config, holdout: 30 });
    expect([train.n, held.n]).toEqual([70, 30]);
    const { train: trainIndices, held: heldIndices } = holdoutSplit(all, 30);
    expect(new Set([...trainIndices, ...heldIndices]).size).toBe(100); // a partition of the 100 images
    trainIndices.forEach((index, j) => expect(imageAt(train, j)).toEqual(imageAt(all, index)));
    heldIndices.forEach((index, j) => expect(imageAt(held, j)).toEqual(imageAt(all, index)));
    expect(held.source).toContain('held out');
    // 10 classes: 3 held out of each, the last 3 of that class in the data's order
    const counts = new Array<number>(10).fill(0);
    for (const label of held.labels) counts[label]!++;
    expect(counts).toEqual(new Array(10).fill(3));
    for (let label = 0; label < 10; label++) {
      const ofClass = [...all.labels.keys()].filter((i) => all.labels[i] === label);
      expect([...heldIndices].filter((i) => all.labels[i] === label)).toEqual(ofClass.slice(-3));
    }
  });

  it('gives the remainder to the first classes, and holds out whole-class-sorted data evenly', () => {
    const sorted = {
      images: new Uint8Array(12),
      labels: Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]), // stored class by class, as image folders are
      n: 12,
      channels: 1,
      height: 1,
      width: 1,
      classes: ['a', 'b', 'c'],
      source: 'sorted',
    };
    expect(Array.from(holdoutSplit(sorted, 5).held)).toEqual([2, 3, 6, 7, 11]);
    expect(() => holdoutSplit(sorted, 12)).toThrow(/takes 4 images of class 'a', which has 4/);
  });

  it('is refused where it leaves nothing, where it is not a count, and where none was held out', () => {
    expect(() => loadTrainingData({ ...config, holdout: 100 })).toThrow(ConfigError);
    expect(() => loadTrainingData({ ...config, holdout: 100 })).toThrow(
      /holdout 100 takes 10 images of class/,
    );
    expect(configProblems({ ...config, holdout: -1 })).toEqual(['holdout must be an integer ≥ 0, got -1']);
    expect(() => loadHoldout(config)).toThrow(/trained without --holdout/);
  });
});
