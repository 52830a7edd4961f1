/** PyTorch-default initialisation: kaiming_uniform(a = √5) weights, U(±1/√fan_in) biases. */
import { describe, expect, it } from 'vitest';
import { Conv2d, fanIn, kaimingUniformBound, Linear, Rng, type Tensor } from '../../src/index.js';

function stats(t: Tensor) {
  const v = Array.from(t.toArray());
  const mean = v.reduce((s, x) => s + x, 0) / v.length;
  const variance = v.reduce((s, x) => s + (x - mean) ** 2, 0) / v.length;
  const maxAbs = v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
  return { mean, variance, maxAbs, n: v.length };
}

describe('init', () => {
  it('kaiming_uniform with a = √5 has bound gain·√(3/fan_in) = 1/√fan_in', () => {
    for (const fan of [1, 3, 27, 144, 4608])
      expect(kaimingUniformBound(fan)).toBeCloseTo(1 / Math.sqrt(fan), 15);
    expect(kaimingUniformBound(10, 0)).toBeCloseTo(Math.sqrt(6 / 10), 15); // a = 0: He uniform
    expect(fanIn([64, 3, 3, 3])).toBe(27);
    expect(fanIn([10, 7])).toBe(7);
  });

  it('Linear and Conv2d weights and biases lie within ±1/√fan_in with the moments of that uniform', () => {
    const layers = [
      { layer: new Linear(200, 300, { rng: new Rng(1) }), fan: 200 },
      { layer: new Conv2d(16, 64, 3, { rng: new Rng(2) }), fan: 144 },
    ];
    for (const { layer, fan } of layers) {
      const bound = 1 / Math.sqrt(fan);
      for (const p of [layer.weight, layer.bias!]) {
        const s = stats(p);
        expect(s.maxAbs).toBeLessThanOrEqual(bound);
        // U(−b, b): mean 0, variance b²/3
        expect(Math.abs(s.mean)).toBeLessThan((4 * bound) / Math.sqrt(3 * s.n));
        if (s.n > 1000) {
          expect(s.variance / ((bound * bound) / 3)).toBeGreaterThan(0.95);
          expect(s.variance / ((bound * bound) / 3)).toBeLessThan(1.05);
          expect(s.maxAbs).toBeGreaterThan(0.99 * bound); // the whole range is used
        }
      }
    }
  });

  it('comes from the seeded generator, weight first then bias', () => {
    const layer = new Linear(3, 2, { rng: new Rng(42), dtype: 'float64' });
    const rng = new Rng(42);
    const weightBound = Math.sqrt(2 / (1 + 5)) * Math.sqrt(3 / 3); // PyTorch's gain·√(3/fan_in)
    const biasBound = 1 / Math.sqrt(3);
    const expectedWeight = Array.from({ length: 6 }, () => rng.uniform(-weightBound, weightBound));
    const expectedBias = Array.from({ length: 2 }, () => rng.uniform(-biasBound, biasBound));
    expect(Array.from(layer.weight.toArray())).toEqual(expectedWeight);
    expect(Array.from(layer.bias!.toArray())).toEqual(expectedBias);
    const again = new Linear(3, 2, { rng: new Rng(42), dtype: 'float64' });
    expect(Array.from(again.weight.toArray())).toEqual(expectedWeight);
    const other = new Linear(3, 2, { rng: new Rng(43), dtype: 'float64' });
    expect(Array.from(other.weight.toArray())).not.toEqual(expectedWeight);
  });
});
