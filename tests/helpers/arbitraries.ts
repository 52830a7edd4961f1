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

/** A conv2d problem: sizes, stride and padding, with the kernel fitting the padded input. */
export interface ConvCase {
  N: number;
  C: number;
  O: number;
  H: number;
  W: number;
  KH: number;
  KW: number;
  /** Output size: OH = ⌊(H + 2·padding − KH) / stride⌋ + 1, likewise OW. */
  OH: number;
  OW: number;
  stride: [number, number];
  padding: [number, number];
  layouts: [Layout, Layout, Layout];
  seed: number;
}

export const convCase: fc.Arbitrary<ConvCase> = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }),
    C: fc.integer({ min: 1, max: 3 }),
    O: fc.integer({ min: 1, max: 3 }),
    KH: fc.integer({ min: 1, max: 3 }),
    KW: fc.integer({ min: 1, max: 3 }),
    stride: fc.tuple(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 2 })),
    padding: fc.tuple(fc.integer({ min: 0, max: 2 }), fc.integer({ min: 0, max: 2 })),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      H: fc.integer({ min: Math.max(1, c.KH - 2 * c.padding[0]), max: 5 }),
      W: fc.integer({ min: Math.max(1, c.KW - 2 * c.padding[1]), max: 5 }),
      layouts: fc.tuple(layout, layout, layout),
      seed,
    }),
  )
  .map(({ c, H, W, layouts, seed: s }) => ({
    ...c,
    H,
    W,
    OH: Math.floor((H + 2 * c.padding[0] - c.KH) / c.stride[0]) + 1,
    OW: Math.floor((W + 2 * c.padding[1] - c.KW) / c.stride[1]) + 1,
    layouts,
    seed: s,
  }));

/** A pooling problem (no padding): windows may overlap (stride < kernel) or leave gaps (stride > kernel). */
export interface PoolCase {
  N: number;
  C: number;
  H: number;
  W: number;
  kernel: [number, number];
  stride: [number, number];
  /** OH = ⌊(H − KH) / stride⌋ + 1, likewise OW. */
  OH: number;
  OW: number;
  layout: Layout;
  seed: number;
}

export const poolCase: fc.Arbitrary<PoolCase> = fc
  .record({
    N: fc.integer({ min: 1, max: 2 }),
    C: fc.integer({ min: 1, max: 2 }),
    kernel: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
    stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
  })
  .chain((c) =>
    fc.record({
      c: fc.constant(c),
      H: fc.integer({ min: c.kernel[0], max: 6 }),
      W: fc.integer({ min: c.kernel[1], max: 6 }),
      layout,
      seed,
    }),
  )
  .map(({ c, H, W, layout: l, seed: s }) => ({
    ...c,
    H,
    W,
    OH: Math.floor((H - c.kernel[0]) / c.stride[0]) + 1,
    OW: Math.floor((W - c.kernel[1]) / c.stride[1]) + 1,
    layout: l,
    seed: s,
  }));
