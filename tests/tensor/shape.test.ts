/**
 * Shapes, strides and broadcasting rules (src/tensor/shape.ts).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  broadcastShapes,
  checkShape,
  contiguousStrides,
  formatShape,
  normalizeAxes,
  reducedShape,
  resolveReshape,
  sameShape,
  ShapeError,
  sizeOf,
  windowOutputSize,
} from '../../src/tensor/shape.js';
import { broadcastableTo, shape } from '../helpers/arbitraries.js';
import { property } from '../helpers/check.js';

describe('shape basics', () => {
  it('formats, sizes and compares shapes', () => {
    expect(formatShape([2, 3])).toBe('[2,3]');
    expect(formatShape([])).toBe('[]');
    expect(sizeOf([])).toBe(1);
    expect(sizeOf([2, 0, 3])).toBe(0);
    expect(sizeOf([2, 3, 4])).toBe(24);
    expect(sameShape([2, 3], [2, 3])).toBe(true);
    expect(sameShape([2, 3], [3, 2])).toBe(false);
    expect(sameShape([2], [2, 1])).toBe(false);
  });

  it('checkShape accepts non-negative integers only', () => {
    expect(() => checkShape('op', [0, 2])).not.toThrow();
    expect(() => checkShape('op', [-1])).toThrow(ShapeError);
    expect(() => checkShape('op', [1.5])).toThrow('op: sizes must be non-negative integers, got [1.5]');
  });

  it('row-major strides: the last axis has stride 1, each stride is the product of the later sizes', () =>
    property(shape(0, 5, 4), (s) => {
      const strides = contiguousStrides(s);
      s.forEach((_, i) => expect(strides[i]).toBe(sizeOf(s.slice(i + 1))));
    }));
});

describe('broadcastShapes', () => {
  it('a shape broadcast with anything that broadcasts to it gives the shape back', () =>
    property(
      shape(0, 4, 3).chain((s) => fc.tuple(fc.constant(s), broadcastableTo(s))),
      ([s, b]) => {
        expect(broadcastShapes('op', s, b)).toEqual(s);
        expect(broadcastShapes('op', b, s)).toEqual(s);
        expect(broadcastShapes('op', s, [])).toEqual(s);
        expect(broadcastShapes('op', s, s)).toEqual(s);
      },
    ));

  it('is commutative and associative', () =>
    property(
      shape(0, 4, 3).chain((s) => fc.tuple(broadcastableTo(s), broadcastableTo(s), broadcastableTo(s))),
      ([a, b, c]) => {
        expect(broadcastShapes('op', a, b)).toEqual(broadcastShapes('op', b, a));
        expect(broadcastShapes('op', broadcastShapes('op', a, b), c)).toEqual(
          broadcastShapes('op', a, broadcastShapes('op', b, c)),
        );
      },
    ));

  it('refuses sizes that differ and are not 1, naming the op and both shapes', () => {
    expect(() => broadcastShapes('add', [2, 3], [4, 3])).toThrow(
      'add: shapes cannot be broadcast together: [2,3] and [4,3]',
    );
    expect(() => broadcastShapes('mul', [3], [2, 2])).toThrow(ShapeError);
    expect(broadcastShapes('mul', [0], [1])).toEqual([0]);
  });
});

describe('axes and reductions', () => {
  it('normalizeAxes resolves negative axes, sorts, and defaults to every axis', () => {
    expect(normalizeAxes('op', undefined, 3)).toEqual([0, 1, 2]);
    expect(normalizeAxes('op', -1, 3)).toEqual([2]);
    expect(normalizeAxes('op', [2, -3], 3)).toEqual([0, 2]);
    expect(normalizeAxes('op', [], 3)).toEqual([]);
    expect(() => normalizeAxes('op', 0, 0)).toThrow('op: axis 0 is out of range for a tensor of rank 0');
    expect(() => normalizeAxes('op', [1, -1], 2)).toThrow('op: axis -1 is repeated');
  });

  it('reducedShape keeps reduced axes as 1 or drops them', () => {
    expect(reducedShape([2, 3, 4], [0, 2], true)).toEqual([1, 3, 1]);
    expect(reducedShape([2, 3, 4], [0, 2], false)).toEqual([3]);
    expect(reducedShape([2, 3], [], false)).toEqual([2, 3]);
  });
});

describe('resolveReshape', () => {
  it('fills in one −1 from the element count', () =>
    property(
      shape(1, 4, 4).chain((s) => fc.tuple(fc.constant(s), fc.integer({ min: 0, max: s.length - 1 }))),
      ([s, at]) => {
        const target = [...s];
        target[at] = -1;
        expect(resolveReshape('reshape', [sizeOf(s)], target)).toEqual(s);
      },
    ));

  it('refuses counts that differ', () => {
    expect(() => resolveReshape('reshape', [2, 3], [5])).toThrow(
      'reshape: cannot reshape [2,3] (6 elements) to [5]',
    );
    expect(() => resolveReshape('reshape', [2, 3], [0, -1])).toThrow(/cannot reshape/);
  });
});

describe('windowOutputSize', () => {
  it('counts the window positions that fit, by enumeration', () =>
    property(
      fc.record({
        input: fc.integer({ min: 1, max: 12 }),
        kernel: fc.integer({ min: 1, max: 5 }),
        stride: fc.integer({ min: 1, max: 4 }),
        padBefore: fc.integer({ min: 0, max: 3 }),
        padAfter: fc.integer({ min: 0, max: 3 }),
      }),
      ({ input, kernel, stride, padBefore, padAfter }) => {
        fc.pre(kernel <= input + padBefore + padAfter);
        let count = 0;
        for (let start = 0; start + kernel <= input + padBefore + padAfter; start += stride) count++;
        expect(windowOutputSize(input, kernel, stride, padBefore, padAfter)).toBe(count);
      },
      50,
    ));
});
