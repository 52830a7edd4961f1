/**
 * Gradients of pooling: maxPool2d and avgPool2d (overlapping windows too),
 * their gradient ops, and global average pooling.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import type { Pool2dParams } from '../../src/index.js';
import { poolCase, shape } from '../helpers/arbitraries.js';
import { expectClose, expectGradcheck, property } from '../helpers/check.js';
import { internalOp } from '../helpers/internal-ops.js';
import { leaf } from '../helpers/tensors.js';
import fc from 'fast-check';

describe('op maxPool2d: gradient', () => {
  it('matches finite differences (distinct values: no ties)', () =>
    property(poolCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layout, seed: c.seed, distinct: true });
      const opts = { kernel: c.kernel, stride: c.stride };
      expect(T.maxPool2d(x, opts).shape).toEqual([c.N, c.C, c.OH, c.OW]);
      expectGradcheck((t) => T.maxPool2d(t!, opts), [x]);
    }));
});

describe('op maxPool2dGrad: gradient', () => {
  // maxPool2dGrad scatters g to the argmax positions. It is reached only inside
  // backward (under noGrad), so its own derivative is not implemented; asking
  // for it must fail loudly rather than return something wrong.
  it('scatters g to the argmax positions, and refuses to be differentiated', () => {
    const x = T.tensor([1, 5, 2, 3, 9, 4, 0, 8, 7], [1, 1, 3, 3], { dtype: 'float64', requiresGrad: true });
    const y = T.maxPool2d(x, { kernel: 2, stride: 1 }); // [[9, 9], [9, 9]]: every window holds the 9
    y.backward(T.tensor([1, 2, 3, 4], [1, 1, 2, 2], { dtype: 'float64' }));
    expect(Array.from(x.grad!.toArray())).toEqual([0, 0, 0, 0, 10, 0, 0, 0, 0]);

    const op = internalOp<{ argmax: Int32Array; xShape: readonly number[] }>('maxPool2dGrad');
    const g = T.tensor([1, 2], [1, 1, 1, 2], { dtype: 'float64', requiresGrad: true });
    const scattered = op([g], { argmax: Int32Array.from([4, 0]), xShape: [1, 1, 2, 3] });
    expect(Array.from(scattered.toArray())).toEqual([2, 0, 0, 0, 1, 0]);
    expect(() => T.sum(scattered).backward()).toThrow(/maxPool2d: second derivatives are not supported/);
  });
});

describe('op avgPool2d: gradient', () => {
  it('matches finite differences (overlapping and gapped windows)', () =>
    property(poolCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layout, seed: c.seed });
      const opts = { kernel: c.kernel, stride: c.stride };
      expect(T.avgPool2d(x, opts).shape).toEqual([c.N, c.C, c.OH, c.OW]);
      expectGradcheck((t) => T.avgPool2d(t!, opts), [x]);
    }));
});

describe('op avgPool2dGrad: gradient', () => {
  it('matches finite differences (its gradient is avgPool2d)', () =>
    property(poolCase, (c) => {
      const op = internalOp<Pool2dParams & { xShape: readonly number[] }>('avgPool2dGrad');
      const g = leaf([c.N, c.C, c.OH, c.OW], { layout: c.layout, seed: c.seed });
      const attrs = { kernel: c.kernel, stride: c.stride, xShape: [c.N, c.C, c.H, c.W] };
      expect(op([g], attrs).shape).toEqual([c.N, c.C, c.H, c.W]);
      expectGradcheck((t) => op([t!], attrs), [g]);
    }));
});

describe('globalAvgPool (composite): gradient', () => {
  it('matches finite differences and equals the mean over H and W', () =>
    property(fc.record({ s: shape(4, 4, 4), seed: fc.nat() }), ({ s, seed }) => {
      const x = leaf(s, { layout: 'permuted', seed });
      const y = T.globalAvgPool(x);
      expect(y.shape).toEqual([s[0], s[1]]);
      expectClose(y, T.mean(T.mean(x, 3), 2), { atol: 1e-12 });
      expectGradcheck((t) => T.globalAvgPool(t!), [x]);
    }));
});
