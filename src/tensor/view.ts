/**
 * Helpers for strided views (ndarray): creating row-major views, testing
 * contiguity, and walking every element of a view in row-major order.
 */
import ndarray from 'ndarray';
import {
  isHostStorage,
  type DType,
  type FloatArray,
  type HostView,
  type Storage,
  type View,
} from './backend.js';
import { contiguousStrides, sizeOf, type Shape } from './shape.js';

export function allocate(dtype: DType, length: number): FloatArray {
  return dtype === 'float64' ? new Float64Array(length) : new Float32Array(length);
}

export function dtypeOf(data: Storage): DType {
  if (!isHostStorage(data)) return data.dtype;
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** A row-major view over `data` (which must hold exactly the elements). */
export function viewOf(data: FloatArray, shape: Shape): HostView {
  if (data.length < sizeOf(shape)) {
    throw new Error(`viewOf: ${data.length} values cannot fill shape [${shape.join(',')}]`);
  }
  return ndarray(data, [...shape], contiguousStrides(shape), 0);
}

/** A row-major view of `shape` over the data of the row-major view v (no copy). */
export function reshapeRowMajor<D extends Storage>(v: ndarray.NdArray<D>, shape: Shape): ndarray.NdArray<D> {
  return ndarray(v.data, [...shape], contiguousStrides(shape), v.offset);
}

/** A new zero-filled row-major view. */
export function zerosView(dtype: DType, shape: Shape): HostView {
  return viewOf(allocate(dtype, sizeOf(shape)), shape);
}

/** True when the view's elements lie in row-major order without gaps (size-1 axes ignored). */
export function isContiguous(v: View): boolean {
  let expected = 1;
  for (let i = v.shape.length - 1; i >= 0; i--) {
    const d = v.shape[i]!;
    if (d === 1) continue;
    if (v.stride[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Calls body(offset) for each element of a view in row-major order, where
 * offset indexes v.data. Equivalent to nested loops over every axis.
 */
export function forEachOffset(
  shape: Shape,
  stride: readonly number[],
  offset: number,
  body: (offset: number) => void,
): void {
  const rank = shape.length;
  const n = sizeOf(shape);
  if (n === 0) return;
  if (rank === 0) {
    body(offset);
    return;
  }
  const index = new Array<number>(rank).fill(0);
  let off = offset;
  for (let count = 0; count < n; count++) {
    body(off);
    // Advance the odometer: increment the last axis, carrying into earlier ones.
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis]!++;
      off += stride[axis]!;
      if (index[axis]! < shape[axis]!) break;
      off -= stride[axis]! * shape[axis]!;
      index[axis] = 0;
    }
  }
}

/** Strides that read `shape`-sized data broadcast to `outShape` (stride 0 on broadcast axes). */
export function broadcastStrides(shape: Shape, stride: readonly number[], outShape: Shape): number[] {
  const out = new Array<number>(outShape.length).fill(0);
  const lead = outShape.length - shape.length;
  for (let i = 0; i < shape.length; i++) {
    out[lead + i] = shape[i] === 1 ? 0 : stride[i]!;
  }
  return out;
}

/** A row-major copy of the elements of a view over host memory (throws for a device's storage). */
export function copyToArray(v: View): FloatArray {
  const src = v.data;
  if (!isHostStorage(src)) {
    throw new Error(`copyToArray: the data lives on '${src.device}'; read it with await backend.read(view)`);
  }
  const out = allocate(dtypeOf(src), sizeOf(v.shape));
  let i = 0;
  forEachOffset(v.shape, v.stride, v.offset, (off) => {
    out[i++] = src[off]!;
  });
  return out;
}
