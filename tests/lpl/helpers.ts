/** Shared helpers for the LPL tests: float64 data and tensor comparison. */
import { maxMagnitude, randNormal, Rng, type Tensor } from '../../src/index.js';
import { expectClose as expectCloseAtScale } from '../helpers/check.js';

/** Largest |a − b| over all elements. */
export function maxAbsDiff(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  if (x.length !== y.length) throw new Error(`maxAbsDiff: ${x.length} vs ${y.length} elements`);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i]! - y[i]!));
  return m;
}

/** Largest |a| over all elements. */
export function maxAbs(a: Tensor): number {
  return maxMagnitude(a.toArray());
}

/**
 * Asserts a ≈ b by the project's one rule (src/tensor/tolerance.ts), at the
 * scale of the whole computation: max |a − b| ≤ rtol · max(|a|, |b|, termScale).
 *
 * A relative tolerance alone fails when the values are sums that cancel to
 * nearly zero (a bias gradient of a centred loss, Σ_b d_bi = 0): what is left
 * is the rounding of the summands, not of the sum. So the tolerance is taken
 * relative to the magnitude of the terms that were summed, `termScale`, when
 * the caller knows it (for a bias gradient, the weight gradient's scale: its
 * entries sum the same e_bi·f'(a_bi), times inputs of order 1).
 */
export function expectClose(a: Tensor, b: Tensor, rtol = 1e-10, what = 'values', termScale = 0): void {
  const scale = Math.max(maxAbs(a), maxAbs(b), termScale);
  expectCloseAtScale(a, b, { rtol, scale }, `${what} differ (scale ${scale}, rtol ${rtol})`);
}

/** Two correlated "views" of the same float64 data: x2 = x1 + noise·N(0, 1). */
export function twoViews(shape: number[], rng: Rng, noise = 0.3): [Tensor, Tensor] {
  const x1 = randNormal(shape, rng, 0, 1, { dtype: 'float64' });
  const jitter = randNormal(shape, rng, 0, noise, { dtype: 'float64' });
  return [x1, x1.add(jitter)];
}

/** The gradient of a parameter after backward, as a tensor (zeros when none arrived). */
export function gradOf(p: Tensor): Tensor {
  if (!p.grad) throw new Error('no gradient');
  return p.grad;
}
