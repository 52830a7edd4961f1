/**
 * Reductions over axes: sum, mean and max, with or without keeping the
 * reduced axes as size 1.
 */
import { defineOp, type Unary } from '../engine.js';
import { normalizeAxes, reducedShape } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { div, eq, mul } from './elementwise.js';
import { expand, reshape } from './shape-ops.js';
import { reshapeRowMajor } from '../../tensor/view.js';

type ReduceAttrs = { axes: number[]; keepDims: boolean };

/** The output view of a keepdims reduction (row-major), reshaped to drop the axes when asked. */
const shaped = reshapeRowMajor;

/** g reshaped to keep the reduced axes, then broadcast to the input's shape. */
function spread(g: Tensor, x: Tensor, axes: number[]): Tensor {
  return expand(reshape(g, reducedShape(x.shape, axes, true)), x.shape);
}

/** y = Σ over axes of x.  ∂L/∂x = g broadcast back over the summed axes. */
const sumOp = defineOp<Unary, ReduceAttrs>('sum', {
  forward: (k, [x], { axes, keepDims }) =>
    shaped(k.reduce('sum', x, axes), reducedShape(x.shape, axes, keepDims)),
  backward: (g, [x], { axes }) => [spread(g, x, axes)],
});

/** Sum over `axes` (all by default). */
export function sum(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return sumOp([x], { axes: normalizeAxes('sum', axes, x.rank), keepDims });
}

/** Mean over `axes` (all by default): sum / count. */
export function mean(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  const list = normalizeAxes('mean', axes, x.rank);
  const count = list.reduce((n, a) => n * x.shape[a]!, 1);
  return div(sum(x, list, keepDims), count);
}

/**
 * y = max over axes of x.  ∂L/∂x = g at the positions that attain the
 * maximum (shared equally between ties), 0 elsewhere.
 */
const maxOp = defineOp<Unary, ReduceAttrs>('max', {
  check: ([x], { axes }) => {
    if (axes.some((a) => x.shape[a] === 0))
      throw new Error(`max: cannot reduce an empty axis of [${x.shape}]`);
  },
  forward: (k, [x], { axes, keepDims }) =>
    shaped(k.reduce('max', x, axes), reducedShape(x.shape, axes, keepDims)),
  backward: (g, [x], { axes }, y) => {
    const isMax = eq(x, spread(y, x, axes)); // 1 where x attains the max
    const ties = spread(sum(isMax, axes, true), x, axes);
    return [div(mul(spread(g, x, axes), isMax), ties)];
  },
});

/** Maximum over `axes` (all by default). */
export function max(x: Tensor, axes?: number | readonly number[], keepDims = false): Tensor {
  return maxOp([x], { axes: normalizeAxes('max', axes, x.rank), keepDims });
}
