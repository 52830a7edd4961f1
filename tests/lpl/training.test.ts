/**
 * A small end-to-end property: on a fixed synthetic two-view data set, Adam on
 * the full LPL objective lowers the loss and keeps the units' variance, while
 * without the Hebbian term the representation collapses (variance -> 0), the
 * paper's "Hebbian term off" result in miniature.
 *
 * Data: 256 latent points s ∈ R⁴, observed as x = s·A ∈ R¹² (A fixed); each
 * view adds independent noise N(0, 0.3²), the "augmentation".
 */
import { describe, expect, it } from 'vitest';
import {
  Adam,
  fromArray,
  Linear,
  lplObjective,
  noGrad,
  randNormal,
  relu,
  Rng,
  unitVarianceSummary,
  weightDecayGroups,
  type LplOptions,
  type Tensor,
} from '../../src/index.js';

const N = 12;
const D = 4;
const B = 32;
const M = 8;
const STEPS = 200;

function dataset() {
  const rng = new Rng(1);
  const A = randNormal([D, N], rng, 0, 1, { dtype: 'float64' });
  const S = randNormal([256, D], rng, 0, 1, { dtype: 'float64' }).toArray();
  /** A batch of B random points, seen twice with independent noise: [B, N] each. */
  return (r: Rng): [Tensor, Tensor] => {
    const s = new Float64Array(B * D);
    for (let b = 0; b < B; b++) {
      const i = r.int(256);
      s.set(S.subarray(i * D, i * D + D), b * D);
    }
    const x = fromArray(s, [B, D]).matmul(A);
    const noise = () => randNormal([B, N], r, 0, 0.3, { dtype: 'float64' });
    return [x.add(noise()), x.add(noise())];
  };
}

function train(opts: LplOptions) {
  const batch = dataset();
  const layer = new Linear(N, M, { rng: new Rng(2), dtype: 'float64' });
  const optimizer = new Adam(weightDecayGroups(layer.namedParameters(), 1.5e-6), { lr: 1e-2 });
  const [e1, e2] = batch(new Rng(99)); // a fixed evaluation batch
  const evaluate = () =>
    noGrad(() => {
      const z1 = relu(layer.forward(e1));
      const z2 = relu(layer.forward(e2));
      return { loss: lplObjective(z1, z2, opts).total.item(), variance: unitVarianceSummary(z1).mean };
    });
  const before = evaluate();
  const rng = new Rng(5);
  for (let step = 0; step < STEPS; step++) {
    const [x1, x2] = batch(rng);
    optimizer.zeroGrad();
    lplObjective(relu(layer.forward(x1)), relu(layer.forward(x2)), opts).total.backward();
    optimizer.step();
  }
  return { before, after: evaluate() };
}

describe('training a Linear+ReLU layer with LPL', () => {
  it('the full objective goes down and the variance of z does not collapse', () => {
    const { before, after } = train({});
    expect(after.loss).toBeLessThan(before.loss - 0.5);
    expect(after.variance).toBeGreaterThan(0.5 * before.variance);
  });

  it('without the Hebbian term its own objective goes down by collapsing the variance toward 0', () => {
    const { before, after } = train({ useHebb: false });
    expect(after.loss).toBeLessThan(before.loss);
    expect(after.variance).toBeLessThan(0.1 * before.variance);
  });
});
