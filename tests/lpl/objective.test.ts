/** lplObjective: the weighted sum, the two-view averages, and the ablation switches. */
import { describe, expect, it } from 'vitest';
import {
  decorrelationLoss,
  hebbianLoss,
  lplObjective,
  predictiveLoss,
  randNormal,
  Rng,
} from '../../src/index.js';

const views = (seed: number) => {
  const rng = new Rng(seed);
  return [
    randNormal([6, 4], rng, 1, 1, { dtype: 'float64', requiresGrad: true }),
    randNormal([6, 4], rng, 1, 1, { dtype: 'float64', requiresGrad: true }),
  ] as const;
};

describe('lplObjective', () => {
  it('total = λ_pred·L_pred + λ_1·½[L_hebb(z1) + L_hebb(z2)] + λ_2·½[L_decorr(z1) + L_decorr(z2)]', () => {
    const [z1, z2] = views(1);
    const t = lplObjective(z1, z2, { lambdaPred: 0.5, lambdaHebb: 2, lambdaDecorr: 7, eps: 1e-3 });
    const pred = predictiveLoss(z1, z2).item();
    const hebb = (hebbianLoss(z1, { eps: 1e-3 }).item() + hebbianLoss(z2, { eps: 1e-3 }).item()) / 2;
    const decorr = (decorrelationLoss(z1).item() + decorrelationLoss(z2).item()) / 2;
    expect(t.pred.item()).toBeCloseTo(pred, 14);
    expect(t.hebb.item()).toBeCloseTo(hebb, 14);
    expect(t.decorr.item()).toBeCloseTo(decorr, 14);
    expect(t.total.item()).toBeCloseTo(0.5 * pred + 2 * hebb + 7 * decorr, 13);
  });

  it('defaults: λ_pred = 1, λ_1 = 1, λ_2 = 10, symmetric predictive term', () => {
    const [z1, z2] = views(2);
    const t = lplObjective(z1, z2);
    expect(t.total.item()).toBeCloseTo(t.pred.item() + t.hebb.item() + 10 * t.decorr.item(), 13);
    expect(t.pred.item()).toBeCloseTo(predictiveLoss(z1, z2).item(), 14);
    const paper = lplObjective(z1, z2, { predForm: 'paper' });
    expect(paper.pred.item()).toBeCloseTo(t.pred.item() / 2, 14);
  });

  it('a switched-off term leaves the total and the gradient, but is still reported', () => {
    const [z1, z2] = views(3);
    for (const off of ['usePred', 'useHebb', 'useDecorr'] as const) {
      const t = lplObjective(z1, z2, { [off]: false });
      const key = { usePred: 'pred', useHebb: 'hebb', useDecorr: 'decorr' }[off] as
        'pred' | 'hebb' | 'decorr';
      const weights = { pred: 1, hebb: 1, decorr: 10 };
      const expected = (['pred', 'hebb', 'decorr'] as const)
        .filter((k) => k !== key)
        .reduce((s, k) => s + weights[k] * t[k].item(), 0);
      expect(t.total.item()).toBeCloseTo(expected, 13);
      expect(Number.isFinite(t[key].item())).toBe(true);
      expect(t[key].requiresGrad).toBe(false); // computed for logging only
    }
    const none = lplObjective(z1, z2, { usePred: false, useHebb: false, useDecorr: false });
    expect(none.total.item()).toBe(0);
  });
});
