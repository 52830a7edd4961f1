/**
 * fast-check arbitraries for tensor tests: shapes, broadcastable shape
 * pairs, axes, permutations and memory layouts. They describe tensors
 * (shapes, layouts, seeds) rather than hold them, so that counterexamples
 * print readably; tests build the tensors with helpers/tensors.ts.
 */
import fc from 'fast-check';
import { layouts, type Layout } from './tensors.js';

export const seed = fc.integer({ min: 0, max: 0x7fffffff });
export const layout: fc.Arbitrary<Layout> = fc.constantFrom(...layouts);

/** Shapes with ranks in [minRank, maxRank] and sizes in [1, maxDim]. */
export function shape(minRank = 0, maxRank = 3, maxDim = 3): fc.Arbitrary<number[]> {
  return fc.array(fc.integer({ min: 1, max: maxDim }), { minLength: minRank, maxLength: maxRank });
}

/**
 * A shape that broadcasts to `out`: some leading axes dropped, some of the
 * rest set to 1.
 */
export function broadcastableTo(out: readonly number[]): fc.Arbitrary<number[]> {
  return fc
    .tuple(
      fc.integer({ min: 0, max: out.length }),
      fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }),
    )
    .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] ? 1 : d)));
}

/** [out, a, b]: two shapes that broadcast together to out (computed here by the rules, independently). */
export const broadcastTriple: fc.Arbitrary<[number[], number[], number[]]> = shape(0, 4, 3)
  .chain((full) => fc.tuple(broadcastableTo(full), broadcastableTo(full)))
  .map(([a, b]) => {
    const rank = Math.max(a.length, b.length);
    const at = (s: number[], i: number) => s[s.length - rank + i] ?? 1;
    const out = Array.from({ length: rank }, (_, i) => Math.max(at(a, i), at(b, i)));
    return [out, a, b];
  });

/** A permutation of 0..n−1. */
export function permutation(n: number): fc.Arbitrary<number[]> {
  const identity = Array.from({ length: n }, (_, i) => i);
  return fc.shuffledSubarray(identity, { minLength: n, maxLength: n });
}

/** A set of axes of a rank-`rank` tensor, each written as positive or negative, or undefined (all axes). */
export function axes(rank: number): fc.Arbitrary<number[] | undefined> {
  const all = Array.from({ length: rank }, (_, i) => i);
  return fc.option(
    fc
      .tuple(fc.subarray(all), fc.array(fc.boolean(), { minLength: rank, maxLength: rank }))
      .map(([list, negative]) => list.map((a) => (negative[a] ? a - rank : a))),
    { nil: undefined },
  );
}

/** A described leaf: a shape, a layout, a seed. */
export interface LeafSpec {
  shape: number[];
  layout: Layout;
  seed: number;
}
export function leafSpec(shapes: fc.Arbitrary<number[]>): fc.Arbitrary<LeafSpec> {
  return fc.record({ shape: shapes, layout, seed });
}
