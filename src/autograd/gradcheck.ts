/**
 * Gradient checking by central finite differences, in float64.
 *
 * For a function f of some tensors, take a fixed random projection R of its
 * output, L = Σ f(x)·R, and compare the autograd gradient ∂L/∂x with
 *   (L(x + ε·eⱼ) − L(x − ε·eⱼ)) / 2ε   for every element j of every input.
 * The projection makes one backward pass test every output at once.
 *
 * Closeness follows the project's one rule (src/tensor/tolerance.ts):
 *   |autograd − numeric| ≤ rtol·|numeric| + atol,
 * where the floor atol is what finite differences cannot resolve: each
 * projection L rounds with an error up to (n + 3)·u·Σ|f(x)·R| (a sum of n
 * terms), and the difference quotient divides two such errors by 2ε, so
 *   atol = 2·(n + 3)·u·Σ|f(x)·R| / 2ε.
 * A gradient element whose true value is near zero is then compared at the
 * resolution of the method, not at a relative precision it cannot have.
 */
import { Rng } from '../tensor/random.js';
import { isClose, toleranceBound, UNIT_ROUNDOFF } from '../tensor/tolerance.js';
import { Tensor } from '../tensor/tensor.js';
import { forEachOffset, viewOf } from '../tensor/view.js';
import { backward, noGrad } from './engine.js';

export interface GradcheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** Allowed |autograd − numeric| ≤ rtol·|numeric| + atol: rtol defaults to 1e-5, atol to the rounding floor above. */
  atol?: number;
  rtol?: number;
  /** Seed of the random projection. */
  seed?: number;
}

export interface GradcheckResult {
  ok: boolean;
  maxAbsError: number;
  /** Where the largest violation was, for error messages. */
  worst: { input: number; index: number; analytic: number; numeric: number } | null;
}

export function gradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): GradcheckResult {
  const eps = opts.eps ?? 1e-6;
  const rtol = opts.rtol ?? 1e-5;
  for (const [i, x] of inputs.entries()) {
    if (x.dtype !== 'float64')
      throw new Error(`gradcheck: input ${i} is ${x.dtype}; use float64 for exact checks`);
    if (!x.isLeaf) throw new Error(`gradcheck: input ${i} must be a leaf tensor`);
  }
  const rng = new Rng(opts.seed ?? 1);

  // The projection R, drawn once, with f's output shape.
  const out0 = noGrad(() => f(...inputs));
  const R = new Float64Array(out0.size);
  for (let i = 0; i < R.length; i++) R[i] = rng.normal();
  const project = (y: Tensor): number => {
    const values = y.toArray();
    let s = 0;
    for (let i = 0; i < values.length; i++) s += values[i]! * R[i]!;
    return s;
  };
  // The rounding floor of the difference quotient: 2·(n + 3)·u·Σ|f(x)·R| / 2ε.
  const values0 = out0.toArray();
  let termMagnitude = 0;
  for (let i = 0; i < values0.length; i++) termMagnitude += Math.abs(values0[i]! * R[i]!);
  const atol = opts.atol ?? (2 * (values0.length + 3) * UNIT_ROUNDOFF.float64 * termMagnitude) / (2 * eps);

  // Autograd: ∂L/∂x = backward of f with output gradient R.
  for (const x of inputs) {
    x.requiresGrad = true;
    x.grad = null;
  }
  const y = f(...inputs);
  const analytic: Float64Array[] = inputs.map((x) => new Float64Array(x.size));
  if (y.requiresGrad) {
    backward(y, new Tensor(viewOf(R, y.shape)));
    inputs.forEach((x, i) => {
      if (x.grad) analytic[i]!.set(x.grad.toArray());
    });
  }

  // Numeric: perturb each element where it lives in its (possibly strided) buffer.
  let maxAbsError = 0;
  let worst: GradcheckResult['worst'] = null;
  let ok = true;
  noGrad(() => {
    inputs.forEach((x, i) => {
      const data = x.hostView('gradcheck').data;
      let j = 0;
      forEachOffset(x.shape, x.view.stride, x.view.offset, (off) => {
        const saved = data[off]!;
        data[off] = saved + eps;
        const plus = project(f(...inputs));
        data[off] = saved - eps;
        const minus = project(f(...inputs));
        data[off] = saved;
        const numeric = (plus - minus) / (2 * eps);
        const a = analytic[i]![j]!;
        const err = Math.abs(a - numeric);
        if (err > maxAbsError) maxAbsError = err;
        if (!isClose(a, numeric, toleranceBound(numeric, { rtol, atol }, j))) {
          if (ok || err > Math.abs((worst?.analytic ?? 0) - (worst?.numeric ?? 0))) {
            worst = { input: i, index: j, analytic: a, numeric };
          }
          ok = false;
        }
        j++;
      });
    });
  });
  return { ok, maxAbsError, worst };
}
