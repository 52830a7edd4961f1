/**
 * Initial values identical in distribution to PyTorch's defaults for
 * nn.Linear and nn.Conv2d (`reset_parameters`):
 *
 *   weight ~ kaiming_uniform(a = √5):  U(−bound, bound),
 *            bound = gain · √(3 / fan_in),  gain = √(2 / (1 + a²)) = √(1/3)
 *            so bound = 1/√fan_in
 *   bias   ~ U(−1/√fan_in, 1/√fan_in)
 *
 * fan_in = in_features for Linear, in_channels · KH · KW for Conv2d. Values
 * come from the seeded Rng (weight first, then bias), so a seed fixes them.
 */
import type { DType } from '../tensor/backend.js';
import { randUniform } from '../tensor/creation.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';

/** fan_in of a weight [out, in] or [out, in, KH, KW]: everything but the first axis. */
export function fanIn(weightShape: readonly number[]): number {
  if (weightShape.length < 2) throw new Error(`fanIn: a weight has at least 2 axes, got [${weightShape}]`);
  return weightShape.slice(1).reduce((n, d) => n * d, 1);
}

/** The bound of kaiming_uniform with negative slope a: gain(a) · √(3 / fan_in), gain(a) = √(2 / (1 + a²)). */
export function kaimingUniformBound(fan: number, a = Math.sqrt(5)): number {
  const gain = Math.sqrt(2 / (1 + a * a));
  return gain * Math.sqrt(3 / fan);
}

/** PyTorch's default weight: kaiming_uniform(a = √5), i.e. U(±1/√fan_in). */
export function defaultWeight(shape: readonly number[], rng: Rng, dtype: DType = 'float32'): Tensor {
  const bound = kaimingUniformBound(fanIn(shape));
  return randUniform(shape, rng, -bound, bound, { dtype });
}

/** PyTorch's default bias: U(±1/√fan_in) with the fan_in of its layer's weight. */
export function defaultBias(size: number, fan: number, rng: Rng, dtype: DType = 'float32'): Tensor {
  const bound = fan > 0 ? 1 / Math.sqrt(fan) : 0;
  return randUniform([size], rng, -bound, bound, { dtype });
}
