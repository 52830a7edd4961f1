/**
 * Gradient of matmul: 2-D, and batched with broadcast batch axes (including
 * a 2-D matrix against a batch), on transposed and sliced inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { broadcastTriple, layout, seed } from '../helpers/arbitraries.js';
import { expectGradcheck, property } from '../helpers/check.js';
import { leaf } from '../helpers/tensors.js';

const size = fc.integer({ min: 1, max: 4 });

describe('op matmul: gradient', () => {
  it('matches finite differences for 2-D operands', () =>
    property(
      fc.record({ M: size, K: size, N: size, layoutA: layout, layoutB: layout, seed }),
      ({ M, K, N, layoutA, layoutB, seed: sd }) => {
        const a = leaf([M, K], { layout: layoutA, seed: sd });
        const b = leaf([K, N], { layout: layoutB, seed: sd + 1 });
        expect(T.matmul(a, b).shape).toEqual([M, N]);
        expectGradcheck((x, y) => T.matmul(x!, y!), [a, b]);
      },
    ));

  it('matches finite differences for batched operands with broadcast batch axes', () =>
    property(
      fc.record({
        batch: broadcastTriple.filter(([out]) => out.length <= 2),
        M: size,
        K: size,
        N: size,
        layoutA: layout,
        layoutB: layout,
        seed,
      }),
      ({ batch: [out, batchA, batchB], M, K, N, layoutA, layoutB, seed: sd }) => {
        const a = leaf([...batchA, M, K], { layout: layoutA, seed: sd });
        const b = leaf([...batchB, K, N], { layout: layoutB, seed: sd + 1 });
        expect(T.matmul(a, b).shape).toEqual([...out, M, N]);
        expectGradcheck((x, y) => T.matmul(x!, y!), [a, b]);
      },
    ));
});
