/**
 * Ops that move values without arithmetic: reshape, permute, expand, slice,
 * pad and concat. Reshape (of row-major data), permute, expand and slice
 * return views that share the input's data: no copy is made.
 */
import ndarray from 'ndarray';
import { defineOp, type Unary } from '../engine.js';
import type { View } from '../../tensor/backend.js';
import {
  checkShape,
  contiguousStrides,
  formatShape,
  resolveReshape,
  ShapeError,
} from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { broadcastStrides, isContiguous } from '../../tensor/view.js';
import { dtypeOf } from '../../tensor/view.js';

// ------------------------------------------------------------------ reshape

/** Same values, new shape (one size may be −1). ∂L/∂x = reshape(g, x.shape). */
const reshapeOp = defineOp<Unary, { shape: number[] }>('reshape', {
  forward: (k, [x], { shape }) => {
    const source = isContiguous(x) ? x : k.contiguous(x);
    return ndarray(source.data, shape, contiguousStrides(shape), source.offset);
  },
  backward: (g, [x]) => [reshape(g, x.shape)],
});
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return reshapeOp([x], { shape: resolveReshape('reshape', x.shape, shape) });
}

/** Flattens every axis from `startAxis` on into one. */
export function flatten(x: Tensor, startAxis = 1): Tensor {
  return reshape(x, [...x.shape.slice(0, startAxis), -1]);
}

// ------------------------------------------------------------------ permute

/** y = x with its axes reordered: y.shape[i] = x.shape[axes[i]]. ∂L/∂x = permute(g, axes⁻¹). */
const permuteOp = defineOp<Unary, { axes: number[] }>('permute', {
  check: ([x], { axes }) => {
    const sorted = [...axes].sort((a, b) => a - b);
    if (axes.length !== x.rank || sorted.some((a, i) => a !== i)) {
      throw new ShapeError(
        `permute: [${axes.join(',')}] is not a permutation of the axes of ${formatShape(x.shape)}`,
      );
    }
  },
  forward: (_k, [x], { axes }) => x.transpose(...axes),
  backward: (g, _x, { axes }) => {
    const inverse = new Array<number>(axes.length);
    axes.forEach((a, i) => (inverse[a] = i));
    return [permute(g, inverse)];
  },
});
export function permute(x: Tensor, axes: readonly number[]): Tensor {
  return permuteOp([x], { axes: axes.map((a) => (a < 0 ? a + x.rank : a)) });
}

/** Swaps two axes (default: the last two, a matrix transpose). */
export function transpose(x: Tensor, axis0 = -2, axis1 = -1): Tensor {
  const axes = Array.from({ length: x.rank }, (_, i) => i);
  const a = axis0 < 0 ? axis0 + x.rank : axis0;
  const b = axis1 < 0 ? axis1 + x.rank : axis1;
  if (a < 0 || b < 0 || a >= x.rank || b >= x.rank) {
    throw new ShapeError(`transpose: axes ${axis0}, ${axis1} are out of range for ${formatShape(x.shape)}`);
  }
  axes[a] = b;
  axes[b] = a;
  return permute(x, axes);
}

// ------------------------------------------------------------------- expand

/** Broadcasts x to `shape` as a view (stride 0 on new axes). ∂L/∂x = g summed back (by the engine). */
const expandOp = defineOp<Unary, { shape: number[] }>('expand', {
  check: ([x], { shape }) => {
    checkShape('expand', shape);
    const lead = shape.length - x.rank;
    const ok = lead >= 0 && x.shape.every((d, i) => d === shape[lead + i] || d === 1);
    if (!ok) throw new ShapeError(`expand: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  },
  forward: (_k, [x], { shape }) =>
    ndarray(x.data, shape, broadcastStrides(x.shape, x.stride, shape), x.offset),
  backward: (g) => [g],
});
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  return expandOp([x], { shape: [...shape] });
}

// -------------------------------------------------------------------- slice

/** One axis of a slice: [start, end) with a positive step; null keeps the whole axis. */
export type SliceRange = readonly [start: number, end: number, step?: number] | null;

interface Region {
  start: number[];
  end: number[];
  step: number[];
}

function resolveRegion(op: string, shape: readonly number[], ranges: readonly SliceRange[]): Region {
  if (ranges.length > shape.length) {
    throw new ShapeError(`${op}: ${ranges.length} ranges for a tensor of shape ${formatShape(shape)}`);
  }
  const region: Region = { start: [], end: [], step: [] };
  shape.forEach((d, i) => {
    const r = ranges[i] ?? null;
    let start = r ? r[0] : 0;
    let end = r ? r[1] : d;
    const step = r ? (r[2] ?? 1) : 1;
    if (start < 0) start += d;
    if (end < 0) end += d;
    if (!Number.isInteger(start) || !Number.isInteger(end) || !Number.isInteger(step) || step < 1) {
      throw new ShapeError(`${op}: range [${r?.join(',')}] on axis ${i} must be integers with step ≥ 1`);
    }
    if (start < 0 || end > d || start > end) {
      throw new ShapeError(
        `${op}: range [${r?.join(',')}] is out of bounds for axis ${i} of ${formatShape(shape)}`,
      );
    }
    region.start.push(start);
    region.end.push(end);
    region.step.push(step);
  });
  return region;
}

/** The strided sub-view of v that a region selects. */
function regionOf(v: View, r: Region): View {
  return v
    .hi(...r.end)
    .lo(...r.start)
    .step(...r.step);
}

/** y = x[start:end:step, ...] as a view. ∂L/∂x = g placed back into zeros of x's shape. */
const sliceOp = defineOp<Unary, Region>('slice', {
  forward: (_k, [x], region) => regionOf(x, region),
  backward: (g, [x], region) => [embed(g, { shape: [...x.shape], region, value: 0 })],
});
export function slice(x: Tensor, ranges: readonly SliceRange[]): Tensor {
  return sliceOp([x], resolveRegion('slice', x.shape, ranges));
}

/**
 * y = a tensor of `shape` filled with `value`, with x written into `region`.
 * The adjoint of slice (and the forward of pad). ∂L/∂x = g[region].
 */
const embedOp = defineOp<Unary, { shape: number[]; region: Region; value: number }>('embed', {
  check: ([x], { shape, region }) => {
    const regionShape = region.start.map((s, i) => Math.ceil((region.end[i]! - s) / region.step[i]!));
    if (regionShape.length !== x.rank || regionShape.some((d, i) => d !== x.shape[i])) {
      throw new ShapeError(
        `embed: ${formatShape(x.shape)} does not fill region ${formatShape(regionShape)} of ${formatShape(shape)}`,
      );
    }
  },
  forward: (k, [x], { shape, region, value }) => {
    const out = k.fill(shape, dtypeOf(x.data), value);
    k.assign(regionOf(out, region), x);
    return out;
  },
  backward: (g, _x, { region }) => [sliceOp([g], region)],
});
function embed(x: Tensor, attrs: { shape: number[]; region: Region; value: number }): Tensor {
  return embedOp([x], attrs);
}

/** Pads each axis with `before[i]` and `after[i]` copies of a constant. ∂L/∂x = the interior of g. */
export function pad(x: Tensor, before: readonly number[], after: readonly number[], value = 0): Tensor {
  if (before.length !== x.rank || after.length !== x.rank) {
    throw new ShapeError(`pad: need ${x.rank} padding sizes before and after for ${formatShape(x.shape)}`);
  }
  if ([...before, ...after].some((p) => !Number.isInteger(p) || p < 0)) {
    throw new ShapeError(`pad: padding sizes must be non-negative integers, got [${before}] and [${after}]`);
  }
  const shape = x.shape.map((d, i) => d + before[i]! + after[i]!);
  const region: Region = {
    start: [...before],
    end: x.shape.map((d, i) => before[i]! + d),
    step: x.shape.map(() => 1),
  };
  return embed(x, { shape, region, value });
}

// ------------------------------------------------------------------- concat

/** Joins tensors along `axis`. ∂L/∂xᵢ = the slice of g that xᵢ filled. */
const concatOp = defineOp<readonly [Tensor, ...Tensor[]], { axis: number }>('concat', {
  check: (xs, { axis }) => {
    const first = xs[0];
    for (const x of xs) {
      if (x.rank !== first.rank || x.shape.some((d, i) => i !== axis && d !== first.shape[i])) {
        throw new ShapeError(
          `concat: shapes differ off axis ${axis}: ${formatShape(first.shape)} and ${formatShape(x.shape)}`,
        );
      }
    }
  },
  forward: (k, xs, { axis }) => {
    const shape = [...xs[0].shape];
    shape[axis] = xs.reduce((s, x) => s + x.shape[axis]!, 0);
    const out = k.fill(shape, dtypeOf(xs[0].data), 0);
    let at = 0;
    for (const x of xs) {
      const lo = shape.map((_, i) => (i === axis ? at : 0));
      const hi = shape.map((d, i) => (i === axis ? at + x.shape[axis]! : d));
      k.assign(out.hi(...hi).lo(...lo), x);
      at += x.shape[axis]!;
    }
    return out;
  },
  backward: (g, xs, { axis }) => {
    let at = 0;
    const grads = xs.map((x) => {
      const ranges: SliceRange[] = x.shape.map((d, i) => (i === axis ? [at, at + d] : null));
      at += x.shape[axis]!;
      return slice(g, ranges);
    });
    return grads as [Tensor, ...Tensor[]]; // one per input: a map keeps the length
  },
});
export function concat(xs: readonly Tensor[], axis = 0): Tensor {
  const [first, ...rest] = xs;
  if (first === undefined) throw new ShapeError('concat: no tensors given');
  const rank = first.rank;
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new ShapeError(`concat: axis ${axis} is out of range for rank ${rank}`);
  return concatOp([first, ...rest], { axis: a });
}
