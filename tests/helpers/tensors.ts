/**
 * Builders of test tensors: float64 leaves with values drawn from a seed, laid
 * out contiguously or as non-contiguous views (transposed, permuted, sliced
 * with steps) of a larger base tensor, so that every op is also exercised on
 * strided inputs.
 */
import { Rng, Tensor, fromArray, sizeOf, type DType, type FloatArray } from '../../src/index.js';

/** How a leaf's elements lie in memory. */
export type Layout = 'contiguous' | 'transposed' | 'permuted' | 'sliced';
export const layouts: readonly Layout[] = ['contiguous', 'transposed', 'permuted', 'sliced'];

export interface ValueOptions {
  /** Values lie in [low, high] (defaults −2 and 2). */
  low?: number;
  high?: number;
  /** Keep |value| ≥ this (for relu, abs, div: away from the non-differentiable point or pole). */
  awayFromZero?: number;
  /** All values pairwise distinct by a wide margin (for max and maxPool: no ties). */
  distinct?: boolean;
}

export interface LeafOptions extends ValueOptions {
  layout?: Layout;
  seed?: number;
  dtype?: DType;
  requiresGrad?: boolean;
}

/** n values drawn from `rng` under the constraints of `opts`. */
export function drawValues(n: number, rng: Rng, opts: ValueOptions = {}): number[] {
  const low = opts.low ?? -2;
  const high = opts.high ?? 2;
  if (opts.distinct) {
    // Values on a shuffled grid of n cells of [low, high], jittered inside their cell:
    // any two differ by at least 0.4 · (high − low) / n.
    const order = rng.permutation(n);
    return Array.from(order, (cell) => low + ((high - low) * (cell + 0.3 + 0.4 * rng.next())) / n);
  }
  const away = opts.awayFromZero ?? 0;
  return Array.from({ length: n }, () => {
    if (away === 0) return rng.uniform(low, high);
    // |v| in [away, max(|low|, |high|)], with a sign allowed by [low, high]
    const magnitude = rng.uniform(away, Math.max(Math.abs(low), Math.abs(high)));
    const negative = low < 0 && (high <= 0 || rng.bernoulli(0.5));
    return negative ? -Math.min(magnitude, -low) : Math.min(magnitude, high);
  });
}

/**
 * A tensor of `shape` (a leaf, float64 by default) whose view has the given
 * layout over a larger or reordered base buffer.
 */
export function leaf(shape: readonly number[], opts: LeafOptions = {}): Tensor {
  const rng = new Rng(opts.seed ?? 0);
  const dtype = opts.dtype ?? 'float64';
  let layout = opts.layout ?? 'contiguous';
  if (layout === 'transposed' && shape.length < 2) layout = 'sliced';
  if (layout === 'permuted' && shape.length < 2) layout = 'sliced';
  if (layout === 'sliced' && shape.length === 0) layout = 'contiguous';
  const base = (baseShape: readonly number[]): FloatArray => {
    const values = drawValues(sizeOf(baseShape), rng, opts);
    return dtype === 'float64' ? Float64Array.from(values) : Float32Array.from(values);
  };
  const requiresGrad = opts.requiresGrad ?? true;
  const rank = shape.length;

  if (layout === 'contiguous') return fromArray(base(shape), shape, { requiresGrad });

  if (layout === 'transposed' || layout === 'permuted') {
    // view = base.transpose(...axes): view.shape[i] = base.shape[axes[i]]
    const axes = Array.from({ length: rank }, (_, i) => i);
    if (layout === 'transposed') [axes[rank - 2], axes[rank - 1]] = [axes[rank - 1]!, axes[rank - 2]!];
    else axes.splice(0, rank, ...rng.permutation(rank));
    const baseShape = new Array<number>(rank);
    axes.forEach((a, i) => (baseShape[a] = shape[i]!));
    const b = fromArray(base(baseShape), baseShape);
    return new Tensor(b.view.transpose(...axes), { requiresGrad });
  }

  // sliced: base is larger; view = base[start : start + size·step : step] on every axis
  const start = shape.map(() => rng.int(2));
  const step = shape.map(() => 1 + rng.int(2));
  const baseShape = shape.map((d, i) => start[i]! + d * step[i]! + rng.int(2));
  const b = fromArray(base(baseShape), baseShape);
  const view = b.view
    .lo(...start)
    .step(...step)
    .hi(...shape);
  return new Tensor(view, { requiresGrad });
}

/** A float64 copy of any tensor's values, row-major. */
export function values(t: Tensor): number[] {
  return Array.from(t.toArray());
}

/** Σ a·b over all elements (the inner product <a, b>). */
export function dot(a: Tensor, b: Tensor): number {
  const x = a.toArray();
  const y = b.toArray();
  if (x.length !== y.length) throw new Error(`dot: ${x.length} vs ${y.length} elements`);
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i]! * y[i]!;
  return s;
}
