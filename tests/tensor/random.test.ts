/**
 * The seeded generator: determinism, exact save and restore, the moments of
 * its distributions, and permutations that are permutations.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rng, randNormal, randUniform } from '../../src/index.js';
import { property } from '../helpers/check.js';

const seed = fc.integer({ min: -(2 ** 31), max: 2 ** 32 - 1 });
/** A mixed sequence of calls, as a training loop would make them. */
type Call = 'uint32' | 'next' | 'uniform' | 'normal' | 'int' | 'bernoulli' | 'permutation';
const calls = fc.array(
  fc.constantFrom<Call>('uint32', 'next', 'uniform', 'normal', 'int', 'bernoulli', 'permutation'),
  {
    maxLength: 30,
  },
);

function draw(rng: Rng, call: Call): unknown {
  switch (call) {
    case 'uint32':
      return rng.nextUint32();
    case 'next':
      return rng.next();
    case 'uniform':
      return rng.uniform(-3, 5);
    case 'normal':
      return rng.normal(1, 2);
    case 'int':
      return rng.int(7);
    case 'bernoulli':
      return rng.bernoulli(0.3);
    case 'permutation':
      return Array.from(rng.permutation(5));
  }
}

function moments(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const variance = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  return { mean, variance };
}

describe('Rng', () => {
  it('is deterministic: one seed, one stream', () =>
    property(fc.record({ seed, calls }), ({ seed: s, calls: cs }) => {
      const a = new Rng(s);
      const b = new Rng(s);
      expect(cs.map((c) => draw(a, c))).toEqual(cs.map((c) => draw(b, c)));
    }));

  it('gives different streams for different seeds', () => {
    const first = (s: number) =>
      Array.from(
        { length: 4 },
        (
          (r) => () =>
            r.nextUint32()
        )(new Rng(s)),
      );
    const streams = new Set([0, 1, 2, 3, 42, 2 ** 31].map((s) => first(s).join(',')));
    expect(streams.size).toBe(6);
  });

  it('restores exactly from a saved state, after any calls (normal() included)', () =>
    property(fc.record({ seed, before: calls, after: calls }), ({ seed: s, before, after }) => {
      const rng = new Rng(s);
      before.forEach((c) => draw(rng, c));
      const state = rng.state();
      expect(state).toHaveLength(4);
      expect(state.every((w) => Number.isInteger(w) && w >= 0 && w < 2 ** 32)).toBe(true);
      const restored = Rng.fromState(state);
      expect(after.map((c) => draw(restored, c))).toEqual(after.map((c) => draw(rng, c)));
    }));

  it('does not share state with the saved words or with a restored copy', () => {
    const rng = new Rng(9);
    const state = rng.state();
    const copy = Rng.fromState(state);
    state[0] = 12345;
    rng.nextUint32();
    expect(copy.state()).toEqual(new Rng(9).state());
  });

  it('refuses a bad seed or state', () => {
    expect(() => new Rng(NaN)).toThrow(/seed must be a finite number/);
    expect(() => new Rng(Infinity)).toThrow(/seed must be a finite number/);
    expect(() => Rng.fromState([1, 2, 3])).toThrow(/expected 4 state words, got 3/);
    expect(() => new Rng(1).int(0)).toThrow(/n must be a positive integer, got 0/);
    expect(() => new Rng(1).int(2.5)).toThrow(/n must be a positive integer/);
  });

  it('draws uniforms in [low, high) with mean (low+high)/2 and variance (high−low)²/12', () => {
    const rng = new Rng(1);
    const n = 20_000;
    const unit = Array.from({ length: n }, () => rng.next());
    expect(unit.every((u) => u >= 0 && u < 1)).toBe(true);
    const xs = Array.from({ length: n }, () => rng.uniform(-2, 6));
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...xs)).toBeLessThan(6);
    const { mean, variance } = moments(xs);
    // standard error of the mean: √(64/12 / n) ≈ 0.016
    expect(Math.abs(mean - 2)).toBeLessThan(0.07);
    expect(Math.abs(variance - 64 / 12) / (64 / 12)).toBeLessThan(0.05);
  });

  it('draws normals with the given mean and standard deviation, 68% within one σ', () => {
    const rng = new Rng(2);
    const n = 20_000;
    const xs = Array.from({ length: n }, () => rng.normal(3, 0.5));
    const { mean, variance } = moments(xs);
    expect(Math.abs(mean - 3)).toBeLessThan(0.02); // se ≈ 0.0035
    expect(Math.abs(Math.sqrt(variance) - 0.5)).toBeLessThan(0.015);
    const within = xs.filter((x) => Math.abs(x - 3) < 0.5).length / n;
    expect(Math.abs(within - 0.6827)).toBeLessThan(0.02);
    // fourth standardised moment of a normal is 3
    const kurtosis = xs.reduce((s, x) => s + ((x - mean) / Math.sqrt(variance)) ** 4, 0) / n;
    expect(Math.abs(kurtosis - 3)).toBeLessThan(0.2);
  });

  it('draws integers uniformly from [0, n)', () => {
    const rng = new Rng(3);
    const counts = new Array<number>(6).fill(0);
    for (let i = 0; i < 6000; i++) counts[rng.int(6)]!++;
    // χ² with 5 degrees of freedom; 20.5 is its 0.999 quantile
    const chi2 = counts.reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(20.5);
  });

  it('bernoulli(p) is true with frequency p', () => {
    const rng = new Rng(4);
    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (rng.bernoulli(0.25)) hits++;
    expect(Math.abs(hits / 10_000 - 0.25)).toBeLessThan(0.02);
  });

  it('permutation(n) is a permutation of 0..n−1', () =>
    property(fc.record({ seed, n: fc.integer({ min: 0, max: 60 }) }), ({ seed: s, n }) => {
      const p = new Rng(s).permutation(n);
      expect(p).toHaveLength(n);
      expect(Array.from(p).sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i));
    }));

  it('draws all 6 orders of 3 elements about equally often', () => {
    const rng = new Rng(5);
    const counts = new Map<string, number>();
    for (let i = 0; i < 6000; i++) {
      const key = Array.from(rng.permutation(3)).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    const chi2 = [...counts.values()].reduce((s, c) => s + (c - 1000) ** 2 / 1000, 0);
    expect(chi2).toBeLessThan(20.5);
  });

  it('fork() gives a new stream, and advances the parent deterministically', () => {
    const a = new Rng(6);
    const child = a.fork();
    const b = new Rng(6);
    const childB = b.fork();
    expect(child.nextUint32()).toBe(childB.nextUint32());
    expect(a.nextUint32()).toBe(b.nextUint32());
    const parentNext = new Rng(6);
    parentNext.nextUint32();
    expect(child.state()).not.toEqual(parentNext.state());
  });
});

describe('random tensors', () => {
  it('are reproducible from a seed, of the requested shape and dtype, within range', () => {
    const u = randUniform([3, 4], new Rng(7), -1, 1, { dtype: 'float64' });
    expect(u.shape).toEqual([3, 4]);
    expect(u.dtype).toBe('float64');
    expect(Array.from(u.toArray()).every((v) => v >= -1 && v < 1)).toBe(true);
    expect(Array.from(randUniform([3, 4], new Rng(7), -1, 1, { dtype: 'float64' }).toArray())).toEqual(
      Array.from(u.toArray()),
    );
    const g = randNormal([1000], new Rng(8), 5, 2, { requiresGrad: true });
    expect(g.dtype).toBe('float32');
    expect(g.requiresGrad).toBe(true);
    const { mean, variance } = moments(Array.from(g.toArray()));
    expect(Math.abs(mean - 5)).toBeLessThan(0.25);
    expect(Math.abs(Math.sqrt(variance) - 2)).toBeLessThan(0.2);
  });
});
