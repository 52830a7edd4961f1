/**
 * The gradient checker itself: it must catch a wrong gradient, or every
 * gradient test built on it would pass vacuously.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { leaf, values } from '../helpers/tensors.js';

describe('gradcheck', () => {
  it('passes a correct gradient', () => {
    const x = leaf([3, 2], { seed: 1 });
    const r = T.gradcheck((t) => T.mul(t!, t!), [x]);
    expect(r.ok).toBe(true);
    expect(r.worst).toBeNull();
    expect(r.maxAbsError).toBeLessThan(1e-7);
  });

  it('catches a wrong gradient: x·SG(x) has autograd gradient x, true derivative 2x', () => {
    const x = leaf([3, 2], { seed: 2, awayFromZero: 0.5 });
    const r = T.gradcheck((t) => T.mul(t!, T.detach(t!)), [x]);
    expect(r.ok).toBe(false);
    expect(r.worst).not.toBeNull();
    // The autograd value is half the numeric one at the worst element.
    expect(r.worst!.analytic / r.worst!.numeric).toBeCloseTo(0.5, 5);
  });

  it('catches a gradient that is wrong at a single element of one input', () => {
    const a = leaf([4], { seed: 3 });
    const b = leaf([4], { seed: 4 });
    // Only b[2] is seen through a detached path: its gradient is missing.
    const f = (p: T.Tensor, q: T.Tensor) =>
      T.add(p, T.concat([T.slice(q, [[0, 2]]), T.detach(T.slice(q, [[2, 3]])), T.slice(q, [[3, 4]])]));
    const r = T.gradcheck((p, q) => f(p!, q!), [a, b]);
    expect(r.ok).toBe(false);
    expect(r.worst).toMatchObject({ input: 1, index: 2, analytic: 0 });
  });

  it('leaves the inputs unchanged, strided ones included', () => {
    const x = leaf([3, 4], { layout: 'sliced', seed: 5 });
    const before = values(x);
    const baseBefore = Array.from(x.hostView().data);
    T.gradcheck((t) => T.exp(t!), [x]);
    expect(values(x)).toEqual(before);
    expect(Array.from(x.hostView().data)).toEqual(baseBefore);
  });

  it('accepts a function that ignores its input (gradient 0)', () => {
    const x = leaf([2], { seed: 6 });
    expect(T.gradcheck(() => T.ones([3], { dtype: 'float64' }), [x]).ok).toBe(true);
  });

  it('refuses float32 inputs and non-leaf inputs', () => {
    expect(() => T.gradcheck((t) => t!, [T.ones([2])])).toThrow(/float32.*float64/);
    const y = T.mul(leaf([2], { seed: 7 }), 2);
    expect(() => T.gradcheck((t) => t!, [y])).toThrow(/leaf/);
  });
});
