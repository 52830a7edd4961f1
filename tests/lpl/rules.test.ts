/**
 * Autograd reproduces the paper's learning rule.
 *
 * For random batch sizes B, widths M, inputs and weights λ, the gradient that
 * autograd computes from the losses (src/lpl/losses.ts, objective.ts) is
 * compared with the closed-form rule of the erratum's Eq. 7 computed with
 * plain loops (src/lpl/rules.ts), for a Linear+ReLU layer and for a conv block
 * (conv -> ReLU -> MaxPool -> global average pool). Float64, tight tolerance.
 *
 * Where every constant comes from. Write d_bi = z_bi − zbar_i. The rule is
 *   −∂L/∂W_ij = 1/(M·B) Σ_b e_bi f'(a_bi) x_bj,
 *   e_bi = −γ(z_bi − z'_bi) + λ_1 α d_bi/(σ²_i + ε) − λ_2 β Σ_{k≠i} d_bk C_ik,
 * so each constant is −∂L/∂z_bi multiplied by M·B:
 *
 * - Predictive, paper form 1/(2BM)Σ(z − SG z')²: ∂/∂z_bi = (1/(BM))·(z − z') (the
 *   2 of the square cancels the ½), so γ = 1. The symmetric MSE 1/(BM)Σ(z1 − z2)²
 *   has no ½: ∂/∂z1 = (2/(BM))(z1 − z2) and ∂/∂z2 = (2/(BM))(z2 − z1), so γ = 2,
 *   in both views (the one-sided form sends nothing to the detached view).
 * - Hebbian −(1/M)Σ_i log(σ²_i + ε), σ²_i = Σ_b d_bi²/(B−1):
 *   ∂/∂z_bi = −(1/M) · 1/(σ²_i + ε) · 2d_bi/(B−1). The log gives 1/(σ² + ε); the
 *   2 is the square's; zbar contributes nothing because Σ_b d_bi = 0. Times M·B:
 *   α = 2B/(B−1).
 * - Decorrelation 1/(M²−M)Σ_{i≠k}C_ik², C_ik = Σ_b d_bi d_bk/(B−1):
 *   ∂C_ik/∂d_bj = (δ_ij d_bk + δ_kj d_bi)/(B−1), so
 *   ∂/∂z_bj = 1/(M²−M) Σ_{i≠k} 2C_ik ∂C_ik/∂d_bj = 4/((M²−M)(B−1)) Σ_{k≠j} C_jk d_bk:
 *   4 = 2 (the square) × 2 (C_jk appears as (j,k) and as (k,j)). With M²−M = M(M−1),
 *   times M·B: β = 4B/((B−1)(M−1)).
 * - Eq. 7 is for one time step: the Hebbian and decorrelation terms act on z(t)
 *   with weight λ. The default objective averages them over the two views,
 *   ½[L(z1) + L(z2)], so each view's rule has α/2 and β/2, and both views
 *   contribute to ΔW (they share W).
 *
 * LPL-SPEC.md states α = 2B/(B−1) and β = 4B/((B−1)(M−1)) "with the
 * normalisations above"; that holds for the one-step objective (first test
 * block below). For the spec's own two-view L_layer the per-view constants are
 * α/2 = B/(B−1) and β/2 = 2B/((B−1)(M−1)), with γ = 2 for the symmetric MSE.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Conv2dReLU,
  convBlockRule,
  decorrelationLoss,
  eq7Constants,
  globalAvgPool,
  hebbianLoss,
  Linear,
  linearRule,
  lplObjective,
  maxPool2d,
  predictiveLoss,
  relu,
  Rng,
  type LplOptions,
  type Tensor,
} from '../../src/index.js';
import { expectClose, gradOf, maxAbs, twoViews } from './helpers.js';

const RTOL = 1e-9;

/** A weight: exactly 0 (term off) or in [1e-3, max]. */
const weight = (max: number) => fc.oneof(fc.constant(0), fc.double({ min: 1e-3, max, noNaN: true }));
const lambdas = fc.record({ lambdaPred: weight(5), lambdaHebb: weight(5), lambdaDecorr: weight(20) });

/** −∂L/∂(weight, bias) from autograd. */
function negativeGrads(layer: { weight: Tensor; bias: Tensor | null }, loss: Tensor): [Tensor, Tensor] {
  layer.weight.grad = null;
  layer.bias!.grad = null;
  loss.backward();
  return [gradOf(layer.weight).neg(), gradOf(layer.bias!).neg()];
}

describe('Eq. 7 (one time step): α = 2B/(B−1), β = 4B/((B−1)(M−1)) exactly', () => {
  it('holds for a Linear+ReLU layer with the paper-form predictive term', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 9 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        lambdas,
        (B, M, N, seed, l) => {
          const rng = new Rng(seed);
          const layer = new Linear(N, M, { rng, dtype: 'float64' });
          const [x1, x2] = twoViews([B, N], rng);
          const z1 = relu(layer.forward(x1)); // z(t − Δt)
          const z2 = relu(layer.forward(x2)); // z(t)
          // L(t) = 1/(2BM)Σ(z(t) − SG z(t−Δt))² + λ_1 L_hebb(z(t)) + λ_2 L_decorr(z(t))
          const loss = predictiveLoss(z1, z2, { form: 'paper' })
            .mul(l.lambdaPred)
            .add(hebbianLoss(z2).mul(l.lambdaHebb))
            .add(decorrelationLoss(z2).mul(l.lambdaDecorr));
          const [gW, gb] = negativeGrads(layer, loss);
          const rule = linearRule(layer, x1, x2, { ...l, objective: 'one-step' });
          expectClose(gW, rule.weight, RTOL, 'ΔW');
          expectClose(gb, rule.bias!, RTOL, 'Δb', maxAbs(rule.weight));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('states the constants', () => {
    expect(eq7Constants(4, 3)).toEqual({ alpha: 8 / 3, beta: 16 / 6 });
    expect(eq7Constants(1024, 512).alpha).toBeCloseTo(2, 2);
    expect(eq7Constants(10, 1).beta).toBe(0); // a single unit has no pair to decorrelate
  });
});

/** The default two-view objective vs the rule, for one combination of terms. */
function checkLinear(B: number, M: number, N: number, seed: number, opts: LplOptions): void {
  const rng = new Rng(seed);
  const layer = new Linear(N, M, { rng, dtype: 'float64' });
  const [x1, x2] = twoViews([B, N], rng);
  const terms = lplObjective(relu(layer.forward(x1)), relu(layer.forward(x2)), opts);
  const [gW, gb] = negativeGrads(layer, terms.total);
  const rule = linearRule(layer, x1, x2, {
    ...opts,
    lambdaPred: opts.usePred === false ? 0 : opts.lambdaPred,
    lambdaHebb: opts.useHebb === false ? 0 : opts.lambdaHebb,
    lambdaDecorr: opts.useDecorr === false ? 0 : opts.lambdaDecorr,
  });
  expectClose(gW, rule.weight, RTOL, 'ΔW');
  expectClose(gb, rule.bias!, RTOL, 'Δb', maxAbs(rule.weight));
}

const only = {
  pred: { useHebb: false, useDecorr: false },
  hebb: { usePred: false, useDecorr: false },
  decorr: { usePred: false, useHebb: false },
  all: {},
};

describe('the two-view objective (the default) equals the rule with α/2, β/2 per view', () => {
  for (const [name, switches] of Object.entries(only)) {
    it(`Linear+ReLU, ${name === 'all' ? 'whole objective' : `${name} term alone`}, both predictive forms`, () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 2, max: 9 }),
          fc.integer({ min: 1, max: 6 }),
          fc.integer({ min: 1, max: 5 }),
          fc.integer(),
          lambdas,
          fc.constantFrom('symmetric' as const, 'paper' as const),
          (B, M, N, seed, l, predForm) => checkLinear(B, M, N, seed, { ...l, ...switches, predForm }),
        ),
        { numRuns: 40 },
      );
    });
  }
});

describe('conv block: conv3x3 -> ReLU -> MaxPool 2x2 -> global average pool (Conv2d + relu, and the fused Conv2dReLU)', () => {
  function checkConv(
    B: number,
    C: number,
    M: number,
    H: number,
    W: number,
    pool: boolean,
    seed: number,
    opts: LplOptions,
    fused: boolean,
  ): void {
    const rng = new Rng(seed);
    // fused: the VGG blocks' Conv2dReLU (one op); otherwise Conv2d then relu
    const conv = new (fused ? Conv2dReLU : Conv2d)(C, M, 3, { padding: 1, rng, dtype: 'float64' });
    const [x1, x2] = twoViews([B, C, H, W], rng);
    const z = (x: Tensor): Tensor => {
      const r = fused ? conv.forward(x) : relu(conv.forward(x));
      return globalAvgPool(pool ? maxPool2d(r, { kernel: 2 }) : r);
    };
    const terms = lplObjective(z(x1), z(x2), opts);
    const [gW, gb] = negativeGrads(conv, terms.total);
    const rule = convBlockRule(conv, x1, x2, { ...opts, pool });
    expectClose(gW, rule.weight, RTOL, 'ΔW');
    expectClose(gb, rule.bias!, RTOL, 'Δb', maxAbs(rule.weight));
  }

  it('autograd equals the rule per position, summed, with 1/(H·W) and the ReLU and pool masks', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 2, max: 6 }),
        fc.boolean(),
        fc.integer(),
        lambdas,
        fc.constantFrom('symmetric' as const, 'paper' as const),
        fc.boolean(),
        (B, C, M, H, W, pool, seed, l, predForm, fused) =>
          checkConv(B, C, M, H, W, pool, seed, { ...l, predForm }, fused),
      ),
      { numRuns: 40 },
    );
  });

  it('each term alone', () => {
    for (const [i, switches] of [only.pred, only.hebb, only.decorr].entries()) {
      const rule = { lambdaPred: 1.3, lambdaHebb: 0.7, lambdaDecorr: 4 };
      const opts = { ...rule, ...switches };
      const zeroed = {
        lambdaPred: 'usePred' in switches ? 0 : rule.lambdaPred,
        lambdaHebb: 'useHebb' in switches ? 0 : rule.lambdaHebb,
        lambdaDecorr: 'useDecorr' in switches ? 0 : rule.lambdaDecorr,
      };
      const rng = new Rng(100 + i);
      const conv = new Conv2d(2, 3, 3, { padding: 1, rng, dtype: 'float64' });
      const [x1, x2] = twoViews([5, 2, 5, 4], rng);
      const z = (x: Tensor): Tensor => globalAvgPool(maxPool2d(relu(conv.forward(x)), { kernel: 2 }));
      const [gW, gb] = negativeGrads(conv, lplObjective(z(x1), z(x2), opts).total);
      const expected = convBlockRule(conv, x1, x2, { ...zeroed, pool: true });
      expectClose(gW, expected.weight, RTOL, `ΔW (term ${i})`);
      expectClose(gb, expected.bias!, RTOL, `Δb (term ${i})`, maxAbs(expected.weight));
    }
  });
});

describe('the rule is not trivially satisfied', () => {
  it('a wrong constant (β instead of β/2 in the two-view objective) is detected', () => {
    const rng = new Rng(7);
    const layer = new Linear(4, 5, { rng, dtype: 'float64' });
    const [x1, x2] = twoViews([8, 4], rng);
    const terms = lplObjective(relu(layer.forward(x1)), relu(layer.forward(x2)), {
      usePred: false,
      useHebb: false,
    });
    const [gW] = negativeGrads(layer, terms.total);
    const right = linearRule(layer, x1, x2, { lambdaPred: 0, lambdaHebb: 0, lambdaDecorr: 10 });
    const doubled = linearRule(layer, x1, x2, { lambdaPred: 0, lambdaHebb: 0, lambdaDecorr: 20 });
    expectClose(gW, right.weight, RTOL);
    expect(() => expectClose(gW, doubled.weight, 1e-3)).toThrow(/differ/);
  });
});
