/**
 * Assertions for tensor tests: gradient checks that report where they failed,
 * closeness of values, and a property runner with small run counts.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import {
  gradcheck,
  maxMagnitude,
  SMALLEST_NORMAL,
  sumRtol,
  worstViolation,
  type DType,
  type GradcheckOptions,
  type Tensor,
  type Tolerance,
} from '../../src/index.js';

/** Runs fast-check with `numRuns` cases (small: the suite must stay fast). */
export function property<T>(arb: fc.Arbitrary<T>, body: (value: T) => void, numRuns = 20): void {
  fc.assert(
    fc.property(arb, (v) => {
      body(v);
    }),
    { numRuns },
  );
}

/** Autograd equals central finite differences (float64, tight default tolerances). */
export function expectGradcheck(
  f: (...xs: Tensor[]) => Tensor,
  inputs: Tensor[],
  opts: GradcheckOptions = {},
): void {
  const result = gradcheck(f, inputs, opts);
  if (!result.ok) {
    const w = result.worst;
    throw new Error(
      `gradcheck failed: max |autograd − numeric| = ${result.maxAbsError}` +
        (w ? ` at input ${w.input}, element ${w.index}: autograd ${w.analytic}, numeric ${w.numeric}` : ''),
    );
  }
}

/**
 * actual ≈ expected by the project's one rule (src/tensor/tolerance.ts):
 * |actual − expected| ≤ rtol·max(|expected|, scale) + atol elementwise, same shape.
 * The scale defaults to the largest magnitude in `expected`: the values these
 * tests compare are sums, whose entries can cancel far below the terms' size.
 */
export function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: Tensor | ArrayLike<number>,
  tol: Partial<Tolerance> = {},
  what = 'values',
): void {
  if (isTensor(actual) && isTensor(expected)) expect(actual.shape).toEqual(expected.shape);
  const a = isTensor(actual) ? actual.toArray() : actual;
  const e = isTensor(expected) ? expected.toArray() : expected;
  expect(a.length).toBe(e.length);
  const full: Tolerance = {
    rtol: tol.rtol ?? 1e-9,
    scale: tol.scale ?? maxMagnitude(e),
    atol: tol.atol ?? 0,
  };
  const v = worstViolation(a, e, full);
  if (v) {
    throw new Error(
      `${what}: element ${v.index} is ${v.got}, expected ${v.want}: |Δ| = ${Math.abs(v.got - v.want)} > ${v.bound}`,
    );
  }
}

/**
 * got equals a reference within the rounding of a sum of `terms` products
 * (src/tensor/tolerance.ts): |got − want| ≤ (terms + 3)·u·magnitude + the smallest
 * normal number, where magnitude is the same computation on |inputs| (Σ|terms| per
 * element) and u the unit roundoff of `dtype`.
 */
export function expectWithinSumRounding(
  got: ArrayLike<number>,
  want: ArrayLike<number>,
  magnitude: ArrayLike<number>,
  terms: number,
  dtype: DType,
  what: string,
): void {
  const tol = { rtol: sumRtol(terms, dtype), scale: magnitude, atol: SMALLEST_NORMAL[dtype] };
  const v = worstViolation(got, want, tol);
  if (v)
    throw new Error(`element ${v.index} of ${what}: got ${v.got}, reference ${v.want}, bound ${v.bound}`);
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'view' in x && 'dtype' in x;
}
