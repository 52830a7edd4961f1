/**
 * Gradients of the reductions (sum, mean, max over given axes, with and
 * without keepDims) and of log-softmax and cross-entropy.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { axes, layout, seed, shape } from '../helpers/arbitraries.js';
import { expectGradcheck, property } from '../helpers/check.js';
import { leaf } from '../helpers/tensors.js';

const reduceCase = shape(0, 4, 3).chain((s) =>
  fc.record({ shape: fc.constant(s), axes: axes(s.length), keepDims: fc.boolean(), layout, seed }),
);

/** The shape a reduction must produce, computed independently of the library. */
function expectedShape(s: number[], list: number[] | undefined, keepDims: boolean): number[] {
  const reduced = new Set((list ?? s.map((_, i) => i)).map((a) => (a < 0 ? a + s.length : a)));
  return s.flatMap((d, i) => (reduced.has(i) ? (keepDims ? [1] : []) : [d]));
}

describe('op sum: gradient', () => {
  it('matches finite differences over any axes, keepDims or not', () =>
    property(reduceCase, (c) => {
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
      expect(T.sum(x, c.axes, c.keepDims).shape).toEqual(expectedShape(c.shape, c.axes, c.keepDims));
      expectGradcheck((t) => T.sum(t!, c.axes, c.keepDims), [x]);
    }));
});

describe('mean (composite): gradient', () => {
  it('matches finite differences over any axes, keepDims or not', () =>
    property(reduceCase, (c) => {
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
      expect(T.mean(x, c.axes, c.keepDims).shape).toEqual(expectedShape(c.shape, c.axes, c.keepDims));
      expectGradcheck((t) => T.mean(t!, c.axes, c.keepDims), [x]);
    }));
});

describe('op max: gradient', () => {
  it('matches finite differences over any axes, keepDims or not (no ties)', () =>
    property(reduceCase, (c) => {
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed, distinct: true });
      expect(T.max(x, c.axes, c.keepDims).shape).toEqual(expectedShape(c.shape, c.axes, c.keepDims));
      expectGradcheck((t) => T.max(t!, c.axes, c.keepDims), [x]);
    }));
  it('shares the gradient equally between tied maxima', () => {
    const x = T.tensor([3, 1, 3, 2], [4], { requiresGrad: true });
    T.max(x).backward();
    expect(Array.from(x.grad!.toArray())).toEqual([0.5, 0, 0.5, 0]);
  });
});

describe('logSoftmax (composite): gradient', () => {
  it('matches finite differences along any axis', () =>
    property(
      shape(1, 3, 4).chain((s) =>
        fc.record({
          shape: fc.constant(s),
          axis: fc.integer({ min: -s.length, max: s.length - 1 }),
          layout,
          seed,
        }),
      ),
      (c) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed, low: -3, high: 3 });
        expectGradcheck((t) => T.logSoftmax(t!, c.axis), [x]);
      },
    ));
});

describe('crossEntropy (composite): gradient', () => {
  it('matches finite differences for random labels', () =>
    property(
      fc.tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 5 })).chain(([B, K]) =>
        fc.record({
          B: fc.constant(B),
          K: fc.constant(K),
          labels: fc.array(fc.integer({ min: 0, max: K - 1 }), { minLength: B, maxLength: B }),
          layout,
          seed,
        }),
      ),
      (c) => {
        const logits = leaf([c.B, c.K], { layout: c.layout, seed: c.seed, low: -3, high: 3 });
        expectGradcheck((t) => T.crossEntropy(t!, c.labels), [logits]);
      },
    ));
});
