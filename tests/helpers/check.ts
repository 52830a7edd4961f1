/**
 * Assertions for tensor tests: gradient checks that report where they failed,
 * closeness of values, and a property runner with small run counts.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import { gradcheck, type GradcheckOptions, type Tensor } from '../../src/index.js';

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

/** |actual − expected| ≤ atol + rtol·|expected| elementwise, same shape. */
export function expectClose(
  actual: Tensor | ArrayLike<number>,
  expected: Tensor | ArrayLike<number>,
  tol: { atol?: number; rtol?: number } = {},
): void {
  const atol = tol.atol ?? 1e-10;
  const rtol = tol.rtol ?? 1e-9;
  if (isTensor(actual) && isTensor(expected)) expect(actual.shape).toEqual(expected.shape);
  const a = isTensor(actual) ? actual.toArray() : actual;
  const e = isTensor(expected) ? expected.toArray() : expected;
  expect(a.length).toBe(e.length);
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i]! - e[i]!);
    if (!(err <= atol + rtol * Math.abs(e[i]!))) {
      throw new Error(`element ${i}: ${a[i]} differs from ${e[i]} by ${err}`);
    }
  }
}

function isTensor(x: unknown): x is Tensor {
  return typeof x === 'object' && x !== null && 'view' in x && 'dtype' in x;
}
