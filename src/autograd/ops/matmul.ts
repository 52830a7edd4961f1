/**
 * Matrix product, 2-D or batched: [..., M, K] @ [..., K, N] -> [..., M, N],
 * with NumPy broadcasting of the batch axes.
 */
import { defineOp, type Binary } from '../engine.js';
import { broadcastShapes, formatShape, ShapeError } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';
import { transpose } from './shape-ops.js';

/** Y = A·B.  ∂L/∂A = G·Bᵀ, ∂L/∂B = Aᵀ·G (batch broadcasting summed away by the engine). */
const matmulOp = defineOp<Binary>('matmul', {
  check: ([a, b]) => {
    if (a.rank < 2 || b.rank < 2) {
      throw new ShapeError(
        `matmul: both operands need at least 2 dimensions: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`,
      );
    }
    if (a.shape[a.rank - 1] !== b.shape[b.rank - 2]) {
      throw new ShapeError(
        `matmul: inner dimensions differ: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`,
      );
    }
    try {
      broadcastShapes('matmul', a.shape.slice(0, -2), b.shape.slice(0, -2));
    } catch {
      throw new ShapeError(
        `matmul: batch dimensions cannot be broadcast: ${formatShape(a.shape)} @ ${formatShape(b.shape)}`,
      );
    }
  },
  forward: (k, [a, b]) => k.matmul(a, b),
  // only for the operands that need a gradient (e.g. not for a frozen input)
  backward: (g, [a, b]) => [
    a.requiresGrad ? matmul(g, transpose(b)) : null,
    b.requiresGrad ? matmul(transpose(a), g) : null,
  ],
});

export function matmul(a: Tensor, b: Tensor): Tensor {
  return matmulOp([a, b], undefined);
}
