/**
 * Random tensors from the seeded generator of random.ts.
 */
import { Rng } from './random.js';
import { checkShape, sizeOf, type Shape } from './shape.js';
import { Tensor, type TensorOptions } from './tensor.js';
import { getBackend } from './registry.js';
import { allocate } from './view.js';

/** Values drawn uniformly from [low, high). */
export function randUniform(shape: Shape, rng: Rng, low = 0, high = 1, opts: TensorOptions = {}): Tensor {
  checkShape('randUniform', shape);
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.uniform(low, high);
  return new Tensor(getBackend().upload(data, shape), { requiresGrad: opts.requiresGrad });
}

/** Values drawn from N(mean, std²). */
export function randNormal(shape: Shape, rng: Rng, mean = 0, std = 1, opts: TensorOptions = {}): Tensor {
  checkShape('randNormal', shape);
  const data = allocate(opts.dtype ?? 'float32', sizeOf(shape));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal(mean, std);
  return new Tensor(getBackend().upload(data, shape), { requiresGrad: opts.requiresGrad });
}
