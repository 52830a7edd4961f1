/**
 * reluGrad, relu's backward as one kernel: g·[x > 0]. It is reached only
 * inside backward (under noGrad), so the test applies it directly, checks
 * its values against mul(g, step(x)), and checks its own gradient (linear in
 * g; none flows to x).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { expectGradcheck } from '../helpers/check.js';
import { internalOp } from '../helpers/internal-ops.js';
import { leaf } from '../helpers/tensors.js';

describe('op reluGrad: gradient', () => {
  const reluGrad = internalOp<undefined>('reluGrad');

  it('equals mul(g, step(x)), with the boundary x = 0 on the flat side', () => {
    const x = T.tensor([-2, 0, 3, 0.5, -0.1, 4], [2, 3], { dtype: 'float64' });
    const g = T.tensor([1, 2, -3, -4, -5, 6], [2, 3], { dtype: 'float64' });
    const fused = reluGrad([g, x], undefined);
    expect(Array.from(fused.toArray())).toEqual([0, 0, -3, -4, -0, 6]);
    expect(Array.from(fused.toArray())).toEqual(Array.from(T.mul(g, T.step(x)).toArray()));
  });

  it('is what relu passes back', () => {
    const x = T.tensor([-1, 2, 0, 3], [4], { dtype: 'float64', requiresGrad: true });
    T.sum(T.mul(T.relu(x), T.tensor([5, 6, 7, 8], [4], { dtype: 'float64' }))).backward();
    expect(Array.from(x.grad!.toArray())).toEqual([0, 6, 0, 8]);
  });

  it('matches finite differences in g, and passes nothing to x', () => {
    const x = leaf([3, 4], { seed: 3, awayFromZero: 0.1, requiresGrad: false });
    const g = leaf([3, 4], { seed: 4, layout: 'transposed' });
    expectGradcheck((t) => reluGrad([t!, x], undefined), [g]);
    const xg = leaf([3, 4], { seed: 5, awayFromZero: 0.1 });
    const gIn = leaf([3, 4], { seed: 6 });
    T.sum(reluGrad([gIn, xg], undefined)).backward();
    expect(xg.grad).toBeNull();
  });
});
