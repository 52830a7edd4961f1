/**
 * Copying strided views into the heap, where the packers and the worker
 * threads can read them.
 */
import type { HostView } from '../../backend.js';
import { sizeOf } from '../../shape.js';
import { forEachOffset, isContiguous } from '../../view.js';
import type { Heap } from './heap.js';

/** A view's elements in the heap: element [i0, i1, ...] is at heap.data[base + Σ i·stride]. */
export interface HeapView {
  base: number;
  stride: number[];
}

/**
 * Copies the view into the heap keeping its strides when its elements are
 * packed densely enough (a transpose, a permutation, a slice with small gaps:
 * one block copy of the span it touches); otherwise gathers it row-major.
 */
export function copyIn(heap: Heap, v: HostView): HeapView {
  const size = sizeOf(v.shape);
  let lo = v.offset;
  let hi = v.offset;
  v.shape.forEach((d, i) => {
    const reach = (d - 1) * v.stride[i]!;
    if (reach < 0) lo += reach;
    else hi += reach;
  });
  const span = size === 0 ? 0 : hi - lo + 1;
  if (span <= 2 * size + 64) {
    const at = heap.alloc(span);
    heap.data.set(v.data.subarray(lo, lo + span), at);
    return { base: at + v.offset - lo, stride: [...v.stride] };
  }
  return { base: copyContiguous(heap, v), stride: rowMajorStrides(v.shape) };
}

/** Copies the view into the heap in row-major order; returns where it starts. */
export function copyContiguous(heap: Heap, v: HostView): number {
  const size = sizeOf(v.shape);
  const at = heap.alloc(size);
  const dst = heap.data;
  if (isContiguous(v)) {
    dst.set(v.data.subarray(v.offset, v.offset + size), at);
  } else {
    let i = at;
    const src = v.data;
    forEachOffset(v.shape, v.stride, v.offset, (off) => {
      dst[i++] = src[off]!;
    });
  }
  return at;
}

export function rowMajorStrides(shape: readonly number[]): number[] {
  const stride = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; s *= shape[i]!, i--) stride[i] = s;
  return stride;
}
