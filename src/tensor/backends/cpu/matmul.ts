/**
 * Batched matmul on the GEMM runtime: [..., M, K] @ [..., K, N] -> [..., M, N]
 * with broadcast batch axes and any strides (transposes and slices are packed
 * straight from their strides, see sources.ts).
 */
import type { HostView } from '../../backend.js';
import { broadcastShapes, sizeOf } from '../../shape.js';
import { broadcastStrides, dtypeOf, forEachOffset, zerosView } from '../../view.js';
import { MR, NR, roundUp } from './blocking.js';
import { copyIn } from './copy.js';
import type { Heap } from './heap.js';
import type { GemmRuntime } from './runtime.js';

export function matmul(rt: GemmRuntime, a: HostView, b: HostView): HostView {
  const dtype = dtypeOf(a.data);
  const M = a.shape[a.shape.length - 2]!;
  const K = a.shape[a.shape.length - 1]!;
  const N = b.shape[b.shape.length - 1]!;
  const batchA = a.shape.slice(0, -2);
  const batchB = b.shape.slice(0, -2);
  const batchShape = broadcastShapes('matmul', batchA, batchB);
  const batch = sizeOf(batchShape);
  const out = zerosView(dtype, [...batchShape, M, N]);
  if (batch === 0 || M === 0 || N === 0 || K === 0) return out; // an empty sum is 0

  const heap = rt.heap(dtype);
  heap.reset();
  const A = copyIn(heap, a);
  const B = copyIn(heap, b);
  // Per batch item, where its A and B start relative to A.base and B.base.
  const aOffsets = batchTable(heap, batchA, A.stride, batchShape);
  const bOffsets = batchTable(heap, batchB, B.stride, batchShape);
  // C goes straight into out's layout when its rows are whole tiles (padded rows land past the end),
  // otherwise into a padded matrix per item.
  const direct = N % NR === 0 && (batch === 1 || M % MR === 0);
  const ldc = roundUp(N, NR);
  const cBatchStride = direct ? M * N : roundUp(M, MR) * ldc;
  const c = heap.alloc(batch * cBatchStride + (roundUp(M, MR) - M) * ldc);
  const plan = rt.plan(dtype, 2 * M * N * K * batch);
  const [aRow, aCol] = A.stride.slice(-2) as [number, number];
  const [bRow, bCol] = B.stride.slice(-2) as [number, number];
  rt.run(
    {
      m: M,
      n: N,
      k: K,
      a: { kind: 'strided', base: A.base, rows: M, cols: K, rowStride: aRow, colStride: aCol },
      b: { kind: 'strided', base: B.base, rows: K, cols: N, rowStride: bRow, colStride: bCol },
      c,
      ldc,
      cBatchStride,
      groupCols: 0,
      groupStride: 0,
      batch,
      aOffsets,
      bOffsets,
      // Split the larger side, so that the operand every thread packs whole is the smaller one.
      splitRows: M > N,
      ...plan,
    },
    dtype,
  );

  // out[t, i, j] = C[c + t·cBatchStride + i·ldc + j]
  const src = heap.data;
  const dst = out.data;
  if (direct) {
    dst.set(src.subarray(c, c + batch * M * N));
    return out;
  }
  for (let t = 0, o = 0; t < batch; t++) {
    for (let i = 0; i < M; i++) {
      const row = c + t * cBatchStride + i * ldc;
      for (let j = 0; j < N; j++) dst[o++] = src[row + j]!;
    }
  }
  return out;
}

/** Int32 table in the heap of each batch item's offset, or -1 when there is one item. */
function batchTable(heap: Heap, shape: readonly number[], stride: number[], batchShape: number[]): number {
  const count = sizeOf(batchShape);
  if (count === 1) return -1;
  const at = heap.allocInts(count);
  const ints = heap.ints;
  let i = at;
  forEachOffset(batchShape, broadcastStrides(shape, stride.slice(0, -2), batchShape), 0, (off) => {
    ints[i++] = off;
  });
  return at;
}
