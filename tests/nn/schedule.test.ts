/** Warm-up then cosine, as pl_bolts' LinearWarmupCosineAnnealingLR stepped per epoch. */
import { describe, expect, it } from 'vitest';
import { warmupCosineLr } from '../../src/index.js';

const opts = { baseLr: 1e-3, warmupEpochs: 10, totalEpochs: 800, minLr: 1e-6 };
const lr = (e: number) => warmupCosineLr(opts, e);

describe('warmupCosineLr', () => {
  it('ramps linearly from 0 and reaches the base rate at the last warm-up epoch', () => {
    expect(lr(0)).toBe(0);
    expect(lr(1)).toBeCloseTo(1e-3 / 9, 18);
    expect(lr(4.5)).toBeCloseTo(0.5e-3, 18);
    expect(lr(9)).toBeCloseTo(1e-3, 18);
    expect(lr(9.5)).toBeCloseTo(1e-3, 18);
    expect(lr(10)).toBeCloseTo(1e-3, 18); // cos(0)
  });

  it('decays by a half cosine to minLr at totalEpochs', () => {
    expect(lr(405)).toBeCloseTo((1e-3 + 1e-6) / 2, 15); // half way through the cosine
    expect(lr(800)).toBeCloseTo(1e-6, 18);
    expect(lr(1000)).toBeCloseTo(1e-6, 18);
    // pl_bolts' closed form at an integer epoch: η_min + ½(η − η_min)(1 + cos(π(e − W)/(E − W)))
    expect(lr(123)).toBeCloseTo(1e-6 + 0.5 * (1e-3 - 1e-6) * (1 + Math.cos((Math.PI * 113) / 790)), 18);
    for (let e = 10; e < 800; e += 7) expect(lr(e + 7)).toBeLessThan(lr(e));
  });

  it('per-step (fractional) epochs lie between the per-epoch values', () => {
    expect(lr(200.5)).toBeLessThan(lr(200));
    expect(lr(200.5)).toBeGreaterThan(lr(201));
    expect(lr(2.25)).toBeCloseTo((1e-3 * 2.25) / 9, 18);
  });

  it('minLr defaults to 1e-6; bad arguments are refused', () => {
    expect(warmupCosineLr({ baseLr: 0.1, warmupEpochs: 0, totalEpochs: 5 }, 5)).toBeCloseTo(1e-6, 18);
    expect(warmupCosineLr({ baseLr: 0.1, warmupEpochs: 0, totalEpochs: 5 }, 0)).toBe(0.1);
    expect(() => warmupCosineLr({ baseLr: 0.1, warmupEpochs: 5, totalEpochs: 5 }, 0)).toThrow(/warmupEpochs/);
    expect(() => lr(-1)).toThrow(/epoch/);
  });
});
