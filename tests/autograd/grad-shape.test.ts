/**
 * Gradients of the ops that move values: reshape, permute/transpose, expand,
 * slice (with steps), pad (the embed op) and concat, on strided inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { broadcastableTo, layout, permutation, seed, shape } from '../helpers/arbitraries.js';
import { expectGradcheck, property } from '../helpers/check.js';
import { leaf } from '../helpers/tensors.js';

const leafCase = (minRank: number, maxRank: number, maxDim = 3) =>
  shape(minRank, maxRank, maxDim).chain((s) => fc.record({ shape: fc.constant(s), layout, seed }));

describe('op reshape: gradient', () => {
  // Any reordering of the sizes, with 1s inserted and one size possibly −1, holds the same count.
  const reshapeCase = leafCase(0, 4).chain((c) =>
    fc.record({
      c: fc.constant(c),
      order: permutation(c.shape.length),
      ones: fc.array(fc.integer({ min: 0, max: c.shape.length }), { maxLength: 2 }),
      minusOne: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
    }),
  );
  it('matches finite differences for any target shape', () =>
    property(reshapeCase, ({ c, order, ones, minusOne }) => {
      const target = order.map((a) => c.shape[a]!);
      for (const at of ones) target.splice(at, 0, 1);
      const full = [...target];
      if (minusOne !== undefined && target.length > 0) target[minusOne % target.length] = -1;
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
      expect(T.reshape(x, target).shape).toEqual(full);
      expectGradcheck((t) => T.reshape(t!, target), [x]);
    }));
  it('flatten keeps the leading axes', () => {
    expect(T.flatten(T.zeros([2, 3, 4, 5])).shape).toEqual([2, 60]);
    expect(T.flatten(T.zeros([2, 3, 4, 5]), 2).shape).toEqual([2, 3, 20]);
  });
});

describe('op permute: gradient', () => {
  it('matches finite differences for any permutation', () =>
    property(
      leafCase(0, 4).chain((c) => fc.record({ c: fc.constant(c), axes: permutation(c.shape.length) })),
      ({ c, axes }) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        expect(T.permute(x, axes).shape).toEqual(axes.map((a) => c.shape[a]));
        expectGradcheck((t) => T.permute(t!, axes), [x]);
      },
    ));
  it('transpose swaps two axes, negative axes counting from the end', () =>
    property(
      leafCase(2, 4).chain((c) => {
        const r = c.shape.length;
        const axis = fc.integer({ min: -r, max: r - 1 });
        return fc.record({ c: fc.constant(c), a0: axis, a1: axis });
      }),
      ({ c, a0, a1 }) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const r = c.shape.length;
        const expected = [...c.shape];
        [expected[(a0 + r) % r], expected[(a1 + r) % r]] = [c.shape[(a1 + r) % r]!, c.shape[(a0 + r) % r]!];
        expect(T.transpose(x, a0, a1).shape).toEqual(expected);
        expectGradcheck((t) => T.transpose(t!, a0, a1), [x]);
      },
    ));
});

describe('op expand: gradient', () => {
  it('matches finite differences (the engine sums the broadcast axes)', () =>
    property(
      shape(0, 4, 3).chain((out) =>
        fc.record({ out: fc.constant(out), from: broadcastableTo(out), layout, seed }),
      ),
      ({ out, from, layout: l, seed: sd }) => {
        const x = leaf(from, { layout: l, seed: sd });
        expect(T.expand(x, out).shape).toEqual(out);
        expectGradcheck((t) => T.expand(t!, out), [x]);
      },
    ));
});

describe('op slice: gradient', () => {
  const range = (d: number) =>
    fc.option(
      fc
        .tuple(
          fc.integer({ min: 0, max: d }),
          fc.integer({ min: 0, max: d }),
          fc.integer({ min: 1, max: 3 }),
          fc.boolean(),
        )
        .map(([i, j, step, negative]): [number, number, number] => {
          const [start, end] = i <= j ? [i, j] : [j, i];
          // negative indices count from the end: −1 is d − 1
          return negative && start > 0 ? [start - d, end, step] : [start, end, step];
        }),
      { nil: null },
    );
  it('matches finite differences with starts, ends, steps and negative indices', () =>
    property(
      leafCase(1, 3, 5).chain((c) =>
        fc.record({ c: fc.constant(c), ranges: fc.tuple(...c.shape.map(range)) }),
      ),
      ({ c, ranges }) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const expected = c.shape.map((d, i) => {
          const r = ranges[i];
          if (!r) return d;
          const start = r[0] < 0 ? r[0] + d : r[0];
          return Math.ceil((r[1] - start) / r[2]);
        });
        expect(T.slice(x, ranges).shape).toEqual(expected);
        expectGradcheck((t) => T.slice(t!, ranges), [x]);
      },
    ));
});

describe('op embed: gradient (through pad)', () => {
  it('matches finite differences for constant padding on every axis', () =>
    property(
      leafCase(1, 3, 3).chain((c) => {
        const pads = fc.array(fc.integer({ min: 0, max: 2 }), {
          minLength: c.shape.length,
          maxLength: c.shape.length,
        });
        return fc.record({
          c: fc.constant(c),
          before: pads,
          after: pads,
          value: fc.double({ min: -5, max: 5, noNaN: true }),
        });
      }),
      ({ c, before, after, value }) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const y = T.pad(x, before, after, value);
        expect(y.shape).toEqual(c.shape.map((d, i) => d + before[i]! + after[i]!));
        expect(T.sum(y).item()).toBeCloseTo(T.sum(x).item() + value * (y.size - x.size), 9);
        expectGradcheck((t) => T.pad(t!, before, after, value), [x]);
      },
    ));
});

describe('op concat: gradient', () => {
  it('matches finite differences for 1 to 3 parts along any axis', () =>
    property(
      shape(1, 3, 3).chain((s) =>
        fc.record({
          shape: fc.constant(s),
          axis: fc.integer({ min: -s.length, max: s.length - 1 }),
          sizes: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 3 }),
          layouts: fc.array(layout, { minLength: 3, maxLength: 3 }),
          seed,
        }),
      ),
      (c) => {
        const a = (c.axis + c.shape.length) % c.shape.length;
        const parts = c.sizes.map((n, i) =>
          leaf(
            c.shape.map((d, j) => (j === a ? n : d)),
            { layout: c.layouts[i], seed: c.seed + i },
          ),
        );
        const y = T.concat(parts, c.axis);
        expect(y.shape[a]).toBe(c.sizes.reduce((s, n) => s + n, 0));
        expectGradcheck((...ts) => T.concat(ts, c.axis), parts);
      },
    ));
});
