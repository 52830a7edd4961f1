/** The three LPL terms: values by hand, invariants, and the intensive normalisation. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  decorrelationLoss,
  decorrelationLossFirstVersion,
  hebbianLoss,
  Linear,
  predictiveLoss,
  randNormal,
  relu,
  Rng,
  sub,
  sum,
  square,
  tensor,
  type Tensor,
} from '../../src/index.js';
import { expectClose, gradOf, maxAbs, twoViews } from './helpers.js';

const f64 = (values: number[], shape: number[]): Tensor => tensor(values, shape, { dtype: 'float64' });

/** Columns of a 4x4 Hadamard matrix without the constant one: centred and pairwise orthogonal. */
const HADAMARD = [
  [1, 1, 1],
  [1, -1, -1],
  [-1, 1, -1],
  [-1, -1, 1],
];

describe('values by hand', () => {
  it('predictive: symmetric mean, and the paper form is half of it', () => {
    const z1 = f64([1, 2, 3, 4], [2, 2]);
    const z2 = f64([1, 0, 3, 7], [2, 2]);
    // (0² + 2² + 0² + 3²) / (B·M = 4) = 13/4
    expect(predictiveLoss(z1, z2).item()).toBeCloseTo(13 / 4, 14);
    expect(predictiveLoss(z1, z2, { form: 'paper' }).item()).toBeCloseTo(13 / 8, 14);
  });

  it('Hebbian: −(1/M) Σ log(σ² + ε) with the unbiased variance', () => {
    // unit 0: values 0, 2, 4 -> mean 2, σ² = (4 + 0 + 4)/2 = 4; unit 1: 1, 1, 1 -> σ² = 0
    const z = f64([0, 1, 2, 1, 4, 1], [3, 2]);
    const expected = -(Math.log(4 + 1e-4) + Math.log(0 + 1e-4)) / 2;
    expect(hebbianLoss(z).item()).toBeCloseTo(expected, 12);
    expect(hebbianLoss(z, { eps: 0.5 }).item()).toBeCloseTo(-(Math.log(4.5) + Math.log(0.5)) / 2, 12);
  });

  it('decorrelation: squared off-diagonal covariances over M² − M', () => {
    // unit 1 = 2 · unit 0, unit 2 = 0 (constant). d_0 = (−1, 0, 1): σ²_0 = 1, C_01 = 2, C_11 = 4.
    const z = f64([0, 0, 5, 1, 2, 5, 2, 4, 5], [3, 3]);
    // off-diagonal: C_01 = C_10 = 2, the rest 0 -> (4 + 4) / (9 − 3)
    expect(decorrelationLoss(z).item()).toBeCloseTo(8 / 6, 14);
  });
});

describe('invariants', () => {
  it('identical views: L_pred = 0 and its gradient is exactly 0 (both forms)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        (B, M, seed) => {
          const rng = new Rng(seed);
          const layer = new Linear(3, M, { rng, dtype: 'float64' });
          const x = randNormal([B, 3], rng, 0, 1, { dtype: 'float64' });
          for (const form of ['symmetric', 'paper'] as const) {
            layer.zeroGrad();
            const loss = predictiveLoss(relu(layer.forward(x)), relu(layer.forward(x)), { form });
            expect(loss.item()).toBe(0);
            loss.backward();
            expect(maxAbs(gradOf(layer.weight))).toBe(0);
            expect(maxAbs(gradOf(layer.bias!))).toBe(0);
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('exactly uncorrelated units: L_decorr = 0 (any scales and offsets), but not for correlated ones', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: -8, max: 8 }), { minLength: 3, maxLength: 3 }),
        fc.array(fc.integer({ min: -20, max: 20 }), { minLength: 3, maxLength: 3 }),
        (scales, offsets) => {
          const values = HADAMARD.flatMap((row) => row.map((h, i) => scales[i]! * h + offsets[i]!));
          expect(decorrelationLoss(f64(values, [4, 3])).item()).toBe(0);
        },
      ),
    );
    const correlated = HADAMARD.flatMap((row) => [row[0]!, row[0]! + row[1]!, row[2]!]);
    expect(decorrelationLoss(f64(correlated, [4, 3])).item()).toBeGreaterThan(0);
  });

  it('the withdrawn first-version decorrelation term is NOT zero for uncorrelated units', () => {
    const z = f64(HADAMARD.flat(), [4, 3]);
    expect(decorrelationLoss(z).item()).toBe(0);
    // every d_bi² = 1: Σ_b Σ_{i≠k} 1 = 4·6, over (B−1)(M²−M) = 3·6
    expect(decorrelationLossFirstVersion(z).item()).toBeCloseTo(24 / 18, 14);
  });

  it('one gradient step on the Hebbian term increases every unit’s variance (linear units)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 3, max: 10 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.double({ min: 1e-3, max: 1, noNaN: true }),
        fc.integer(),
        (B, M, N, lr, seed) => {
          const rng = new Rng(seed);
          const layer = new Linear(N, M, { rng, dtype: 'float64' });
          const x = randNormal([B, N], rng, 0, 1, { dtype: 'float64' });
          const variances = (): number[] => {
            const z = layer.forward(x).toArray();
            return Array.from({ length: M }, (_, i) => {
              const col = Array.from({ length: B }, (_, b) => z[b * M + i]!);
              const m = col.reduce((s, v) => s + v, 0) / B;
              return col.reduce((s, v) => s + (v - m) ** 2, 0) / (B - 1);
            });
          };
          const before = variances();
          hebbianLoss(layer.forward(x)).backward();
          // θ ← θ − lr·∂L/∂θ
          for (const p of layer.parameters()) {
            const g = gradOf(p).toArray();
            p.hostView().data.forEach((v, j) => (p.hostView().data[j] = v - lr * g[j]!));
          }
          const after = variances();
          // σ²(w + cΣw) = σ²(w) + 2c·wᵀΣ²w + c²·wᵀΣ³w with c > 0: a strict increase unless Σw = 0
          after.forEach((v, i) => expect(v).toBeGreaterThan(before[i]!));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('detaching zbar changes no gradient (Σ_b d_bi = 0)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        (B, M, seed) => {
          const rng = new Rng(seed);
          const layer = new Linear(4, M, { rng, dtype: 'float64' });
          const x = randNormal([B, 4], rng, 0, 1, { dtype: 'float64' });
          const gradient = (loss: (z: Tensor) => Tensor): [Tensor, Tensor] => {
            layer.zeroGrad();
            loss(relu(layer.forward(x))).backward();
            return [gradOf(layer.weight), gradOf(layer.bias!)];
          };
          for (const loss of [hebbianLoss, decorrelationLoss]) {
            const [w1, b1] = gradient((z) => loss(z, { detachMean: true }));
            const [w2, b2] = gradient((z) => loss(z, { detachMean: false }));
            expectClose(w1, w2, 1e-11, `${loss.name} weight gradient`);
            // the bias gradient sums the same terms as the weight gradient's (times inputs of order 1)
            // and may cancel to rounding noise: compare at the weight gradient's scale
            expectClose(b1, b2, 1e-11, `${loss.name} bias gradient`, Math.max(maxAbs(w1), maxAbs(w2)));
          }
        },
      ),
      { numRuns: 30 },
    );
  });

  it('the paper form sends no gradient to z(t−Δt), the symmetric one does', () => {
    const rng = new Rng(3);
    const z1 = randNormal([5, 3], rng, 0, 1, { dtype: 'float64', requiresGrad: true });
    const z2 = randNormal([5, 3], rng, 0, 1, { dtype: 'float64', requiresGrad: true });
    predictiveLoss(z1, z2, { form: 'paper' }).backward();
    expect(z1.grad).toBeNull();
    // ∂/∂z2 of 1/(2BM)Σ(z2 − z1)² = (z2 − z1)/(BM)
    expectClose(gradOf(z2), sub(z2, z1).div(15), 1e-14);
    z2.grad = null;
    predictiveLoss(z1, z2).backward();
    expectClose(gradOf(z1), sub(z1, z2).mul(2 / 15), 1e-14);
  });

  it('rejects a single sample and mismatched shapes', () => {
    const one = f64([1, 2], [1, 2]);
    expect(() => hebbianLoss(one)).toThrow(/at least 2 samples/);
    expect(() => decorrelationLoss(one)).toThrow(/at least 2 samples/);
    expect(() => predictiveLoss(f64([1, 2], [1, 2]), f64([1, 2], [2, 1]))).toThrow(/\[B, M\]/);
  });
});

describe('normalisation: every term is intensive, a summed predictive term is not', () => {
  /**
   * The earlier unofficial implementation summed the predictive term over the
   * batch. Per sample it is the same squared error, so the summed value and its
   * gradient grow ∝ B, while the mean-reduced one (the authors' F.mse_loss)
   * stays put. Relative to the symmetric mean, Σ_b mean_i(·) is B times larger
   * and ½Σ_b mean_i(·) is B/2 times larger (the "~B/2" of LPL-SPEC.md).
   */
  const summedPredictive = (z1: Tensor, z2: Tensor): Tensor => sum(square(sub(z1, z2))).div(z1.shape[1]!);

  function measure(
    B: number,
    M: number,
    loss: (z1: Tensor, z2: Tensor) => Tensor,
  ): { value: number; grad: number } {
    const rng = new Rng(11);
    const layer = new Linear(8, M, { rng, dtype: 'float64' });
    const [x1, x2] = twoViews([B, 8], rng, 0.5);
    const value = loss(layer.forward(x1), layer.forward(x2));
    value.backward();
    const g = Array.from(gradOf(layer.weight).toArray());
    return { value: value.item(), grad: Math.sqrt(g.reduce((s, v) => s + v * v, 0) / g.length) };
  }

  it('mean-reduced: the value does not change with B or M, the gradient scale not with B (i.i.d. data)', () => {
    const small = measure(32, 8, predictiveLoss);
    for (const [B, M] of [
      [1024, 8],
      [32, 64],
      [512, 32],
    ] as const) {
      const big = measure(B, M, predictiveLoss);
      expect(big.value / small.value).toBeGreaterThan(0.6);
      expect(big.value / small.value).toBeLessThan(1.6);
      // ∂L/∂W_ij = 2/(BM) Σ_b (z1 − z2)_bi (x1 − x2)_bj: the mean over b removes B; each
      // unit owns 1/M of a mean over units, so a weight's gradient scales as 1/M (as for
      // the Hebbian and decorrelation terms: the balance of the terms does not depend on M).
      const expectedRatio = 8 / M;
      expect(big.grad / small.grad / expectedRatio).toBeGreaterThan(0.5);
      expect(big.grad / small.grad / expectedRatio).toBeLessThan(2);
    }
  });

  it('summed over the batch: value and gradient grow ∝ B', () => {
    const small = measure(32, 8, summedPredictive);
    const big = measure(1024, 8, summedPredictive);
    expect(big.value / small.value).toBeGreaterThan(32 * 0.6);
    expect(big.value / small.value).toBeLessThan(32 * 1.6);
    expect(big.grad / small.grad).toBeGreaterThan(32 * 0.5);
    expect(big.grad / small.grad).toBeLessThan(32 * 2);
  });

  it('Hebbian and decorrelation values are intensive too', () => {
    const at = (B: number, M: number) => {
      const z = randNormal([B, M], new Rng(B + M), 0, 2, { dtype: 'float64' });
      return { hebb: hebbianLoss(z).item(), decorr: decorrelationLoss(z).item() };
    };
    const a = at(256, 16);
    const b = at(256, 64);
    expect(Math.abs(a.hebb - b.hebb)).toBeLessThan(0.1); // ≈ −log 4 for σ² = 4
    expect(a.hebb).toBeCloseTo(-Math.log(4), 0);
    // for independent units E[C_ik²] = σ⁴/(B−1): the same at any M
    expect(a.decorr / b.decorr).toBeGreaterThan(0.7);
    expect(a.decorr / b.decorr).toBeLessThan(1.4);
  });
});
