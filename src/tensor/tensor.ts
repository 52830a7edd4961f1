/**
 * Tensor: a strided view (ndarray) over a Float32Array or Float64Array, plus
 * what reverse-mode autograd needs: `requiresGrad`, the accumulated `grad`,
 * and the `node` that records which op made it.
 *
 * This file knows nothing of particular ops. The methods for ops
 * (`a.matmul(b)`, `x.sum()`, `t.backward()`) are attached by
 * src/autograd/methods.ts, so imports run one way: autograd -> tensor.
 */
import type { DType, FloatArray, View } from './backend.js';
import { checkShape, formatShape, ShapeError, sizeOf, type Shape } from './shape.js';
import { allocate, copyToArray, dtypeOf, viewOf } from './view.js';

/** What the autograd engine records on an op's output. */
export interface GradNode {
  /** Increasing with creation, so creation order is a topological order. */
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given ∂L/∂output, returns ∂L/∂input for each input (null where none flows). */
  backward(grad: Tensor): (Tensor | null)[];
}

export class Tensor {
  readonly view: View;
  readonly dtype: DType;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad: boolean;
  /** ∂L/∂this, accumulated by backward() on leaves that require grad. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for a leaf. */
  node: GradNode | null = null;

  constructor(view: View, opts: { requiresGrad?: boolean } = {}) {
    this.view = view;
    this.dtype = dtypeOf(view.data);
    this.requiresGrad = opts.requiresGrad ?? false;
  }

  get shape(): readonly number[] {
    return this.view.shape;
  }

  get rank(): number {
    return this.view.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    return sizeOf(this.view.shape);
  }

  /** True for tensors not produced by a recorded op. */
  get isLeaf(): boolean {
    return this.node === null;
  }

  /** A contiguous row-major copy of the values. */
  toArray(): FloatArray {
    return copyToArray(this.view);
  }

  /** The value of a one-element tensor. */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: tensor has ${this.size} elements, shape ${formatShape(this.shape)}`);
    return this.toArray()[0]!;
  }

  /** Nested arrays, for printing and tests. */
  toNested(): unknown {
    const flat = this.toArray();
    const build = (axis: number, start: number): unknown => {
      if (axis === this.rank) return flat[start];
      const stride = sizeOf(this.shape.slice(axis + 1));
      return Array.from({ length: this.shape[axis]! }, (_, i) => build(axis + 1, start + i * stride));
    };
    return build(0, 0);
  }

  toString(): string {
    return `Tensor(${formatShape(this.shape)}, ${this.dtype}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

export interface TensorOptions {
  dtype?: DType;
  requiresGrad?: boolean;
}

/** A tensor holding a copy of `values` in row-major order. */
export function tensor(
  values: ArrayLike<number>,
  shape: readonly number[],
  opts: TensorOptions = {},
): Tensor {
  checkShape('tensor', shape);
  const n = sizeOf(shape);
  if (values.length !== n) {
    throw new ShapeError(
      `tensor: ${values.length} values do not fill shape ${formatShape(shape)} (${n} elements)`,
    );
  }
  const data = allocate(opts.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = values[i]!;
  return new Tensor(viewOf(data, shape), { requiresGrad: opts.requiresGrad });
}

/** A tensor that uses `data` directly (no copy). */
export function fromArray(
  data: FloatArray,
  shape: readonly number[],
  opts: { requiresGrad?: boolean } = {},
): Tensor {
  checkShape('fromArray', shape);
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`fromArray: ${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  return new Tensor(viewOf(data, shape), opts);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  if (value !== 0) data.fill(value);
  return new Tensor(viewOf(data, shape), { requiresGrad: opts.requiresGrad });
}

export function zeros(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 0, opts);
}

export function ones(shape: Shape, opts: TensorOptions = {}): Tensor {
  return full(shape, 1, opts);
}

/** A 0-dimensional tensor. */
export function scalar(value: number, opts: TensorOptions = {}): Tensor {
  return full([], value, opts);
}

/** 0, 1, ..., n−1 as a 1-D tensor. */
export function arange(n: number, opts: TensorOptions = {}): Tensor {
  return tensor(
    Array.from({ length: n }, (_, i) => i),
    [n],
    opts,
  );
}
