/**
 * Attaches the ops to Tensor as methods (`a.add(b)`, `x.sum([1])`,
 * `loss.backward()`), so that tensor.ts need not import autograd.
 */
import { Tensor } from '../tensor/tensor.js';
import { backward, detach } from './engine.js';
import * as E from './ops/elementwise.js';
import type { TensorLike } from './ops/elementwise.js';
import { matmul } from './ops/matmul.js';
import { globalAvgPool, maxPool2d, avgPool2d, type Pool2dOptions } from './ops/pool.js';
import { max, mean, sum } from './ops/reduce.js';
import * as S from './ops/shape-ops.js';
import { logSoftmax } from './ops/softmax.js';

/**
 * Every method, declared once: its signature here is the method's type on Tensor (below).
 */
const methods = {
  add(this: Tensor, b: TensorLike): Tensor {
    return E.add(this, b);
  },
  sub(this: Tensor, b: TensorLike): Tensor {
    return E.sub(this, b);
  },
  mul(this: Tensor, b: TensorLike): Tensor {
    return E.mul(this, b);
  },
  div(this: Tensor, b: TensorLike): Tensor {
    return E.div(this, b);
  },
  neg(this: Tensor): Tensor {
    return E.neg(this);
  },
  exp(this: Tensor): Tensor {
    return E.exp(this);
  },
  log(this: Tensor): Tensor {
    return E.log(this);
  },
  sqrt(this: Tensor): Tensor {
    return E.sqrt(this);
  },
  abs(this: Tensor): Tensor {
    return E.abs(this);
  },
  relu(this: Tensor): Tensor {
    return E.relu(this);
  },
  square(this: Tensor): Tensor {
    return E.square(this);
  },
  pow(this: Tensor, p: number): Tensor {
    return E.pow(this, p);
  },
  sum(this: Tensor, axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return sum(this, axes, keepDims);
  },
  mean(this: Tensor, axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return mean(this, axes, keepDims);
  },
  max(this: Tensor, axes?: number | readonly number[], keepDims?: boolean): Tensor {
    return max(this, axes, keepDims);
  },
  reshape(this: Tensor, shape: readonly number[]): Tensor {
    return S.reshape(this, shape);
  },
  flatten(this: Tensor, startAxis?: number): Tensor {
    return S.flatten(this, startAxis);
  },
  permute(this: Tensor, axes: readonly number[]): Tensor {
    return S.permute(this, axes);
  },
  transpose(this: Tensor, a0?: number, a1?: number): Tensor {
    return S.transpose(this, a0, a1);
  },
  expand(this: Tensor, shape: readonly number[]): Tensor {
    return S.expand(this, shape);
  },
  slice(this: Tensor, ranges: readonly S.SliceRange[]): Tensor {
    return S.slice(this, ranges);
  },
  pad(this: Tensor, before: readonly number[], after: readonly number[], value?: number): Tensor {
    return S.pad(this, before, after, value);
  },
  matmul(this: Tensor, b: Tensor): Tensor {
    return matmul(this, b);
  },
  maxPool2d(this: Tensor, opts: Pool2dOptions): Tensor {
    return maxPool2d(this, opts);
  },
  avgPool2d(this: Tensor, opts: Pool2dOptions): Tensor {
    return avgPool2d(this, opts);
  },
  globalAvgPool(this: Tensor): Tensor {
    return globalAvgPool(this);
  },
  logSoftmax(this: Tensor, axis?: number): Tensor {
    return logSoftmax(this, axis);
  },
  /** Accumulates gradients into the leaves; see engine.backward. */
  backward(this: Tensor, grad?: Tensor): void {
    backward(this, grad);
  },
  /** SG(x): the same values, cut from the graph. */
  detach(this: Tensor): Tensor {
    return detach(this);
  },
};

/** The methods as Tensor sees them (without the explicit `this`). */
type TensorMethods = { [K in keyof typeof methods]: OmitThisParameter<(typeof methods)[K]> };

declare module '../tensor/tensor.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type
  interface Tensor extends TensorMethods {}
}

Object.assign(Tensor.prototype, methods);
