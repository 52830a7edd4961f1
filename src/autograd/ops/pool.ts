/**
 * Pooling over 2-D windows of NCHW tensors (no padding): max, average, and
 * the global average over all positions.
 */
import { defineOp, defineSavingOp, type OpFn, type Unary } from '../engine.js';
import type { Pool2dParams, PoolIndices } from '../../tensor/backend.js';
import { formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { mean } from './reduce.js';

export interface Pool2dOptions {
  kernel: number | readonly [number, number];
  /** Defaults to the kernel size (non-overlapping windows). */
  stride?: number | readonly [number, number];
}

const pair = (v: number | readonly [number, number]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];

function params(op: string, x: Tensor, opts: Pool2dOptions): Pool2dParams {
  const kernel = pair(opts.kernel);
  const stride = pair(opts.stride ?? opts.kernel);
  if (x.rank !== 4) throw new ShapeError(`${op}: input must be [N,C,H,W], got ${formatShape(x.shape)}`);
  for (const v of [...kernel, ...stride]) {
    if (!Number.isInteger(v) || v < 1)
      throw new ShapeError(`${op}: kernel and stride must be positive integers`);
  }
  if (kernel[0] > x.shape[2]! || kernel[1] > x.shape[3]!) {
    throw new ShapeError(
      `${op}: kernel ${kernel[0]}x${kernel[1]} is larger than the input ${formatShape(x.shape)}`,
    );
  }
  return { kernel, stride };
}

/** y = max over each window.  ∂L/∂x = g routed to the argmax of each window. */
const maxPool2dOp = defineSavingOp<Unary, Pool2dParams, PoolIndices>('maxPool2d', {
  forward: (k, [x], p) => {
    const { out, argmax } = k.maxPool2d(x, p);
    return { out, saved: argmax };
  },
  backward: (g, [x], _p, _y, argmax) => [maxPool2dGradOp([g], { argmax, xShape: x.shape })],
});

/** Scatters g into zeros of x's shape at the argmax positions. Linear in g; its gradient gathers back. */
const maxPool2dGradOp = defineOp<Unary, { argmax: PoolIndices; xShape: readonly number[] }>('maxPool2dGrad', {
  forward: (k, [g], { argmax, xShape }) => k.maxPool2dBackward(g, argmax, xShape),
  backward: () => {
    throw new Error('maxPool2d: second derivatives are not supported');
  },
});

export function maxPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return maxPool2dOp([x], params('maxPool2d', x, opts));
}

/** y = mean over each window.  ∂L/∂x = g / (KH·KW) spread over each window. */
const avgPool2dOp: OpFn<Unary, Pool2dParams> = defineOp<Unary, Pool2dParams>('avgPool2d', {
  forward: (k, [x], p) => k.avgPool2d(x, p),
  backward: (g, [x], p) => [avgPool2dGradOp([g], { ...p, xShape: x.shape })],
});

/** The adjoint of avgPool2d; its own gradient is avgPool2d. */
const avgPool2dGradOp: OpFn<Unary, Pool2dParams & { xShape: readonly number[] }> = defineOp<
  Unary,
  Pool2dParams & { xShape: readonly number[] }
>('avgPool2dGrad', {
  forward: (k, [g], { xShape, ...p }) => k.avgPool2dBackward(g, xShape, p),
  backward: (G, _g, { kernel, stride }) => [avgPool2dOp([G], { kernel, stride })],
});

export function avgPool2d(x: Tensor, opts: Pool2dOptions): Tensor {
  return avgPool2dOp([x], params('avgPool2d', x, opts));
}

/** Global average pooling: [N,C,H,W] -> [N,C], the mean over all positions. */
export function globalAvgPool(x: Tensor): Tensor {
  if (x.rank !== 4)
    throw new ShapeError(`globalAvgPool: input must be [N,C,H,W], got ${formatShape(x.shape)}`);
  return mean(x, [2, 3]);
}
