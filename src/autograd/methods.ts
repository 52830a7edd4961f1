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

declare module '../tensor/tensor.js' {
  interface Tensor {
    add(b: TensorLike): Tensor;
    sub(b: TensorLike): Tensor;
    mul(b: TensorLike): Tensor;
    div(b: TensorLike): Tensor;
    neg(): Tensor;
    exp(): Tensor;
    log(): Tensor;
    sqrt(): Tensor;
    abs(): Tensor;
    relu(): Tensor;
    square(): Tensor;
    pow(exponent: number): Tensor;
    sum(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    mean(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    max(axes?: number | readonly number[], keepDims?: boolean): Tensor;
    reshape(shape: readonly number[]): Tensor;
    flatten(startAxis?: number): Tensor;
    permute(axes: readonly number[]): Tensor;
    transpose(axis0?: number, axis1?: number): Tensor;
    expand(shape: readonly number[]): Tensor;
    slice(ranges: readonly S.SliceRange[]): Tensor;
    pad(before: readonly number[], after: readonly number[], value?: number): Tensor;
    matmul(b: Tensor): Tensor;
    maxPool2d(opts: Pool2dOptions): Tensor;
    avgPool2d(opts: Pool2dOptions): Tensor;
    globalAvgPool(): Tensor;
    logSoftmax(axis?: number): Tensor;
    /** Accumulates gradients into the leaves; see engine.backward. */
    backward(grad?: Tensor): void;
    /** SG(x): the same values, cut from the graph. */
    detach(): Tensor;
  }
}

const methods: Partial<Record<keyof Tensor, (this: Tensor, ...args: never[]) => unknown>> = {
  add(this: Tensor, b: TensorLike) {
    return E.add(this, b);
  },
  sub(this: Tensor, b: TensorLike) {
    return E.sub(this, b);
  },
  mul(this: Tensor, b: TensorLike) {
    return E.mul(this, b);
  },
  div(this: Tensor, b: TensorLike) {
    return E.div(this, b);
  },
  neg(this: Tensor) {
    return E.neg(this);
  },
  exp(this: Tensor) {
    return E.exp(this);
  },
  log(this: Tensor) {
    return E.log(this);
  },
  sqrt(this: Tensor) {
    return E.sqrt(this);
  },
  abs(this: Tensor) {
    return E.abs(this);
  },
  relu(this: Tensor) {
    return E.relu(this);
  },
  square(this: Tensor) {
    return E.square(this);
  },
  pow(this: Tensor, p: number) {
    return E.pow(this, p);
  },
  sum(this: Tensor, axes?: number | readonly number[], keepDims?: boolean) {
    return sum(this, axes, keepDims);
  },
  mean(this: Tensor, axes?: number | readonly number[], keepDims?: boolean) {
    return mean(this, axes, keepDims);
  },
  max(this: Tensor, axes?: number | readonly number[], keepDims?: boolean) {
    return max(this, axes, keepDims);
  },
  reshape(this: Tensor, shape: readonly number[]) {
    return S.reshape(this, shape);
  },
  flatten(this: Tensor, startAxis?: number) {
    return S.flatten(this, startAxis);
  },
  permute(this: Tensor, axes: readonly number[]) {
    return S.permute(this, axes);
  },
  transpose(this: Tensor, a0?: number, a1?: number) {
    return S.transpose(this, a0, a1);
  },
  expand(this: Tensor, shape: readonly number[]) {
    return S.expand(this, shape);
  },
  slice(this: Tensor, ranges: readonly S.SliceRange[]) {
    return S.slice(this, ranges);
  },
  pad(this: Tensor, before: readonly number[], after: readonly number[], value?: number) {
    return S.pad(this, before, after, value);
  },
  matmul(this: Tensor, b: Tensor) {
    return matmul(this, b);
  },
  maxPool2d(this: Tensor, opts: Pool2dOptions) {
    return maxPool2d(this, opts);
  },
  avgPool2d(this: Tensor, opts: Pool2dOptions) {
    return avgPool2d(this, opts);
  },
  globalAvgPool(this: Tensor) {
    return globalAvgPool(this);
  },
  logSoftmax(this: Tensor, axis?: number) {
    return logSoftmax(this, axis);
  },
  backward(this: Tensor, grad?: Tensor) {
    backward(this, grad);
  },
  detach(this: Tensor) {
    return detach(this);
  },
};

Object.assign(Tensor.prototype, methods);
