/**
 * Reading many scalars at once. On a device backend every read waits for the
 * device; packing the scalars into one tensor first makes it one wait and one
 * transfer, however many scalars a training step reports.
 */
import type { Tensor } from '../tensor/tensor.js';
import { noGrad } from './engine.js';
import { concat, reshape } from './ops/shape-ops.js';

/** The values of one-element tensors, in order, read back with a single transfer. */
export async function readScalars(scalars: readonly Tensor[]): Promise<number[]> {
  if (scalars.length === 0) return [];
  for (const [i, s] of scalars.entries()) {
    if (s.size !== 1) throw new Error(`readScalars: tensor ${i} has ${s.size} elements, not 1`);
  }
  const packed = noGrad(() => concat(scalars.map((s) => reshape(s, [1]))));
  return Array.from(await packed.data());
}
