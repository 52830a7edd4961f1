/**
 * Log-softmax and cross-entropy, composed from primitive ops so that their
 * gradients come from the engine.
 */
import { detach } from '../engine.js';
import { formatShape, normalizeAxes, ShapeError } from '../../tensor/shape.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import { exp, log, mul, neg, sub } from './elementwise.js';
import { max, mean, sum } from './reduce.js';

/**
 * log softmax(x)_i = x_i − m − log Σ_j exp(x_j − m), with m = max_j x_j
 * subtracted for numerical stability (m is detached: the result does not depend on it).
 */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  normalizeAxes('logSoftmax', axis, x.rank); // a clear error for a bad axis
  const m = detach(max(x, axis, true));
  const shifted = sub(x, m);
  return sub(shifted, log(sum(exp(shifted), axis, true)));
}

/** One-hot rows [B, K] for integer labels in [0, K). */
export function oneHot(
  labels: ArrayLike<number>,
  classes: number,
  dtype: Tensor['dtype'] = 'float32',
): Tensor {
  const values = new Float64Array(labels.length * classes);
  for (let b = 0; b < labels.length; b++) {
    const y = labels[b]!;
    if (!Number.isInteger(y) || y < 0 || y >= classes) {
      throw new ShapeError(`oneHot: label ${y} at index ${b} is not an integer in [0, ${classes})`);
    }
    values[b * classes + y] = 1;
  }
  return tensor(values, [labels.length, classes], { dtype });
}

/** Cross-entropy of logits [B, K] against integer labels: −(1/B) Σ_b log softmax(x_b)[y_b]. */
export function crossEntropy(logits: Tensor, labels: ArrayLike<number>): Tensor {
  if (logits.rank !== 2 || logits.shape[0] !== labels.length) {
    throw new ShapeError(
      `crossEntropy: logits ${formatShape(logits.shape)} do not match ${labels.length} labels`,
    );
  }
  const picked = sum(mul(logSoftmax(logits, 1), oneHot(labels, logits.shape[1]!, logits.dtype)), 1);
  return neg(mean(picked));
}
