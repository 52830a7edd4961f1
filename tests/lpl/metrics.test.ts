/** Participation ratio and per-unit variance summaries. */
import { describe, expect, it } from 'vitest';
import { participationRatio, randNormal, Rng, tensor, unitVarianceSummary } from '../../src/index.js';
import { featureDeadFraction } from '../../src/lpl/probe.js';

const HADAMARD = [
  [1, 1, 1],
  [1, -1, -1],
  [-1, 1, -1],
  [-1, -1, 1],
];

describe('participationRatio = (Σλ)²/Σλ² = (tr C)²/‖C‖_F²', () => {
  it('is M for uncorrelated units of equal variance and 1 for rank-one data', () => {
    expect(participationRatio(tensor(HADAMARD.flat(), [4, 3], { dtype: 'float64' }))).toBeCloseTo(3, 12);
    const rng = new Rng(1);
    const s = Array.from({ length: 50 }, () => rng.normal());
    const rankOne = s.flatMap((v) => [v, -2 * v, 0.5 * v, 3 * v]);
    expect(participationRatio(tensor(rankOne, [50, 4], { dtype: 'float64' }))).toBeCloseTo(1, 10);
  });

  it('matches the eigenvalues: uncorrelated units with variances 1 and 4 give (1+4)²/(1+16)', () => {
    const z = HADAMARD.map((r) => [r[0]!, 2 * r[1]!]).flat();
    expect(participationRatio(tensor(z, [4, 2], { dtype: 'float64' }))).toBeCloseTo(25 / 17, 12);
  });

  it('is 0 for a collapsed (constant) representation, and near M for isotropic noise', () => {
    expect(participationRatio(tensor(new Array(12).fill(3), [4, 3], { dtype: 'float64' }))).toBe(0);
    const z = randNormal([4000, 8], new Rng(2), 0, 1, { dtype: 'float64' });
    expect(participationRatio(z)).toBeGreaterThan(7.8);
  });
});

describe('unitVarianceSummary', () => {
  it('summarises σ²_i and counts dead units', () => {
    // Hadamard columns scaled by 1, 2 and 0
    const z = HADAMARD.map((r) => [r[0]!, 2 * r[1]!, 0]).flat();
    const s = unitVarianceSummary(tensor(z, [4, 3], { dtype: 'float64' }));
    // σ² = Σ_b h²/(B−1) = 4/3 for ±1 columns
    expect(s.min).toBe(0);
    expect(s.max).toBeCloseTo(16 / 3, 12);
    expect(s.median).toBeCloseTo(4 / 3, 12);
    expect(s.mean).toBeCloseTo(20 / 9, 12);
    expect(s.deadFraction).toBeCloseTo(1 / 3, 12);
  });
});

describe('featureDeadFraction (silent units of probe features)', () => {
  it('counts the features whose variance over the images is below the threshold', () => {
    // 4 images × 4 features: constant 0 (silent ReLU unit), constant 5, ±1, and one image firing
    const rows = [
      [0, 5, 1, 0],
      [0, 5, -1, 0],
      [0, 5, 1, 0],
      [0, 5, -1, 2],
    ];
    const f = { values: Float32Array.from(rows.flat()), n: 4, dim: 4 };
    expect(featureDeadFraction(f)).toBe(2 / 4);
    // a variance of 1e-6 is silent only under a larger threshold
    const tiny = { values: Float32Array.from([0, 0.002, 0, 0.002]), n: 4, dim: 1 };
    expect(featureDeadFraction(tiny)).toBe(0);
    expect(featureDeadFraction(tiny, 1e-5)).toBe(1);
  });
});
