/** Shared helpers for the LPL tests: float64 data and tensor comparison. */
import { randNormal, Rng, type Tensor } from '../../src/index.js';

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
  let m = 0;
  for (const v of a.toArray()) m = Math.max(m, Math.abs(v));
  return m;
}

/** Asserts a ≈ b up to rtol relative to the larger magnitude (plus an absolute floor of 1e-12 for values that are zero up to rounding). */
export function expectClose(a: Tensor, b: Tensor, rtol = 1e-10, what = 'values'): void {
  const scale = Math.max(maxAbs(a), maxAbs(b));
  const diff = maxAbsDiff(a, b);
  if (!(diff <= rtol * scale + 1e-12)) {
    throw new Error(`${what} differ: max |Δ| = ${diff} at scale ${scale} (rtol ${rtol})`);
  }
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
