/**
 * Strided-view helpers (src/tensor/view.ts): contiguity, row-major walks and copies.
 */
import fc from 'fast-check';
import ndarray from 'ndarray';
import { describe, expect, it } from 'vitest';
import {
  allocate,
  broadcastStrides,
  copyToArray,
  dtypeOf,
  forEachOffset,
  isContiguous,
  viewOf,
  zerosView,
} from '../../src/tensor/view.js';
import type { View } from '../../src/index.js';
import { layout, seed, shape } from '../helpers/arbitraries.js';
import { property } from '../helpers/check.js';
import { leaf } from '../helpers/tensors.js';

/** The values of a view in row-major order, by ndarray's own index arithmetic. */
function rowMajorByGet(v: View): number[] {
  const out: number[] = [];
  const index = new Array<number>(v.shape.length).fill(0);
  const walk = (axis: number): void => {
    if (axis === v.shape.length) {
      out.push(v.get(...index));
      return;
    }
    for (let i = 0; i < v.shape[axis]!; i++) {
      index[axis] = i;
      walk(axis + 1);
    }
  };
  walk(0);
  return out;
}

describe('views', () => {
  it('allocate, viewOf and zerosView make row-major views of the dtype asked', () => {
    expect(allocate('float64', 3)).toBeInstanceOf(Float64Array);
    expect(dtypeOf(allocate('float32', 3))).toBe('float32');
    const v = zerosView('float64', [2, 3]);
    expect(v.shape).toEqual([2, 3]);
    expect(v.stride).toEqual([3, 1]);
    expect(isContiguous(v)).toBe(true);
    expect(() => viewOf(new Float32Array(5), [2, 3])).toThrow('viewOf: 5 values cannot fill shape [2,3]');
  });

  it('forEachOffset and copyToArray walk any layout in row-major order', () =>
    property(fc.record({ shape: shape(0, 4, 4), layout, seed }), (c) => {
      const v = leaf(c.shape, { layout: c.layout, seed: c.seed }).hostView();
      const expected = rowMajorByGet(v);
      const seen: number[] = [];
      forEachOffset(v.shape, v.stride, v.offset, (off) => seen.push(v.data[off]!));
      expect(seen).toEqual(expected);
      expect(Array.from(copyToArray(v))).toEqual(expected);
    }));

  it('isContiguous is true exactly when the strides are row-major (size-1 axes aside)', () => {
    const base = viewOf(new Float64Array(24), [2, 3, 4]);
    expect(isContiguous(base)).toBe(true);
    expect(isContiguous(base.transpose(1, 0, 2))).toBe(false);
    expect(isContiguous(base.lo(1, 0, 0))).toBe(true); // a tail along axis 0 is still contiguous
    expect(isContiguous(base.hi(2, 3, 2))).toBe(false);
    expect(isContiguous(base.step(1, 1, 2))).toBe(false);
    expect(isContiguous(ndarray(new Float64Array(3), [3, 1], [1, 7]))).toBe(true);
    expect(isContiguous(ndarray(new Float64Array(1), [3], [0]))).toBe(false); // broadcast
  });

  it('broadcastStrides gives stride 0 along broadcast and new axes', () => {
    expect(broadcastStrides([3, 1], [1, 1], [2, 3, 4])).toEqual([0, 1, 0]);
    expect(broadcastStrides([], [], [2])).toEqual([0]);
  });

  it('walks nothing for an empty shape and once for a scalar', () => {
    let n = 0;
    forEachOffset([2, 0, 3], [0, 0, 0], 0, () => n++);
    expect(n).toBe(0);
    forEachOffset([], [], 5, (off) => {
      n++;
      expect(off).toBe(5);
    });
    expect(n).toBe(1);
  });
});
