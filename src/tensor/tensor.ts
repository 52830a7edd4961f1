/**
 * Tensor: a strided view (shape, stride, offset) over data that a backend
 * owns, plus what reverse-mode autograd needs: `requiresGrad`, the
 * accumulated `grad`, and the `node` that records which op made it.
 *
 * The data lives where its backend keeps it (`device`): in host memory for
 * the reference, cpu and gpujs backends, on the GPU for webgpu. Reading it is
 * explicit: `await t.data()` everywhere, `t.dataSync()` only for host data.
 *
 * This file knows nothing of particular ops. The methods for ops
 * (`a.matmul(b)`, `x.sum()`, `t.backward()`) are attached by
 * src/autograd/methods.ts, so imports run one way: autograd -> tensor.
 */
import {
  deviceOf,
  isHostStorage,
  type Backend,
  type Device,
  type DType,
  type FloatArray,
  type HostView,
  type View,
} from './backend.js';
import { checkShape, formatShape, ShapeError, sizeOf, type Shape } from './shape.js';
import { backendByName, getBackend } from './registry.js';
import { allocate, copyToArray, dtypeOf } from './view.js';

/** What the autograd engine records on an op's output. */
export interface GradNode {
  /** Increasing with creation, so creation order is a topological order. */
  readonly id: number;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Given ∂L/∂output, returns ∂L/∂input for each input (null where none flows). */
  backward(grad: Tensor): readonly (Tensor | null)[];
}

export class Tensor {
  private current: View;
  readonly dtype: DType;
  /** Whether gradients flow to (or through) this tensor. */
  requiresGrad: boolean;
  /** ∂L/∂this, accumulated by backward() on leaves that require grad. */
  grad: Tensor | null = null;
  /** The op that produced this tensor, or null for a leaf. */
  node: GradNode | null = null;

  constructor(view: View, opts: { requiresGrad?: boolean } = {}) {
    this.current = view;
    this.dtype = dtypeOf(view.data);
    this.requiresGrad = opts.requiresGrad ?? false;
  }

  /** The strided view over the data (shape, stride, offset, and the backend's storage). */
  get view(): View {
    return this.current;
  }

  /** Where the data lives: 'host', or the name of the device backend that owns it. */
  get device(): Device {
    return deviceOf(this.view.data);
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

  /** A row-major host copy of the values, on every backend (waits for the device). */
  async data(): Promise<FloatArray> {
    const { data, shape, stride, offset } = this.view;
    if (isHostStorage(data)) return copyToArray(this.view as HostView);
    return data.read(shape, stride, offset);
  }

  /** A row-major host copy of the values, now: only for data in host memory. */
  dataSync(): FloatArray {
    return copyToArray(this.hostView('dataSync'));
  }

  /**
   * This tensor's values on `target` (a backend or its name): the tensor itself
   * when its data already lives where that backend keeps data, else a copy
   * there (read back, then uploaded). The copy is a new leaf: moving is not
   * recorded for autograd, but `requiresGrad` is kept.
   */
  async to(target: string | Backend): Promise<Tensor> {
    const k = typeof target === 'string' ? backendByName(target) : target;
    if (this.device === k.device) return this;
    const values = await this.data();
    return new Tensor(k.upload(values, this.shape), { requiresGrad: this.requiresGrad });
  }

  /**
   * Moves this leaf's data to `target` in place (same Tensor object, so every
   * module and optimizer that holds it keeps working): for parameters and
   * optimizer buffers. Its gradient, if any, moves too.
   */
  async moveTo(target: string | Backend): Promise<void> {
    if (this.node)
      throw new Error('moveTo: only leaf tensors move in place; use await t.to(backend) for a copy');
    const moved = await this.to(target);
    if (this.grad) this.grad = await this.grad.to(target);
    this.current = moved.view;
  }

  /** The same as dataSync(). */
  toArray(): FloatArray {
    return this.dataSync();
  }

  /**
   * The view over host memory, for code that reads or writes elements in place
   * (gradcheck, the optimizers' host fallbacks). Throws for data on a device.
   */
  hostView(what = 'hostView'): HostView {
    if (!isHostStorage(this.view.data)) {
      throw new Error(
        `${what}: this ${formatShape(this.shape)} tensor lives on '${this.device}', whose data can only be ` +
          `read asynchronously: use await t.data(), or move it with await t.to('cpu')`,
      );
    }
    return this.view as HostView;
  }

  /** The value of a one-element tensor in host memory (use `await t.data()` on a device). */
  item(): number {
    if (this.size !== 1)
      throw new ShapeError(`item: tensor has ${this.size} elements, shape ${formatShape(this.shape)}`);
    return copyToArray(this.hostView('item'))[0]!;
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

/** A tensor holding a copy of `values` in row-major order, on the backend in use. */
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
  return new Tensor(getBackend().upload(data, shape), { requiresGrad: opts.requiresGrad });
}

/** A tensor over `data` on the backend in use: host backends use the array directly (no copy). */
export function fromArray(
  data: FloatArray,
  shape: readonly number[],
  opts: { requiresGrad?: boolean } = {},
): Tensor {
  checkShape('fromArray', shape);
  if (data.length !== sizeOf(shape)) {
    throw new ShapeError(`fromArray: ${data.length} values do not fill shape ${formatShape(shape)}`);
  }
  return new Tensor(getBackend().upload(data, shape), opts);
}

export function full(shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
  checkShape('full', shape);
  return new Tensor(getBackend().fill(shape, opts.dtype ?? 'float32', value), {
    requiresGrad: opts.requiresGrad,
  });
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
