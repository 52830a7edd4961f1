/**
 * The layers a VGG and a linear probe need: Linear, Conv2d, ReLU, MaxPool2d,
 * GlobalAvgPool, Flatten and Sequential. Each forward is one or two autograd
 * ops; none has a hand-written backward.
 */
import {
  add,
  conv2d,
  conv2dRelu,
  flatten,
  globalAvgPool,
  matmul,
  maxPool2d,
  relu,
  transpose,
} from '../autograd/index.js';
import type { DType } from '../tensor/backend.js';
import type { Rng } from '../tensor/random.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';
import { defaultBias, defaultWeight } from './init.js';
import { Module } from './module.js';

export interface LayerOptions {
  /** Source of the initial values (PyTorch's default init, see init.ts). */
  rng: Rng;
  /** Add a bias (default true). */
  bias?: boolean;
  dtype?: DType;
}

/** y = x·Wᵀ + b.  x [B, in] -> y [B, out]; W [out, in], b [out]. */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    opts: LayerOptions,
  ) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.weight = this.addParameter('weight', defaultWeight([outFeatures, inFeatures], opts.rng, dtype));
    this.bias =
      (opts.bias ?? true)
        ? this.addParameter('bias', defaultBias(outFeatures, inFeatures, opts.rng, dtype))
        : null;
  }

  forward(x: Tensor): Tensor {
    if (x.rank !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`Linear: expected input [B,${this.inFeatures}], got ${formatShape(x.shape)}`);
    }
    const y = matmul(x, transpose(this.weight)); // [B, out]
    return this.bias ? add(y, this.bias) : y;
  }
}

export interface Conv2dLayerOptions extends LayerOptions {
  stride?: number;
  padding?: number;
}

/** y = conv2d(x, W) + b (cross-correlation).  x [B, C, H, W] -> [B, O, OH, OW]; W [O, C, K, K]. */
export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: number;
  readonly padding: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    readonly kernelSize: number,
    opts: Conv2dLayerOptions,
  ) {
    super();
    const dtype = opts.dtype ?? 'float32';
    this.stride = opts.stride ?? 1;
    this.padding = opts.padding ?? 0;
    const shape = [outChannels, inChannels, kernelSize, kernelSize];
    this.weight = this.addParameter('weight', defaultWeight(shape, opts.rng, dtype));
    const fan = inChannels * kernelSize * kernelSize;
    this.bias =
      (opts.bias ?? true) ? this.addParameter('bias', defaultBias(outChannels, fan, opts.rng, dtype)) : null;
  }

  forward(x: Tensor): Tensor {
    return conv2d(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

/**
 * y = max(conv2d(x, W) + b, 0): a Conv2d followed by a ReLU, computed as one op
 * (conv2dRelu), with the same parameters, values and gradients as
 * Sequential(Conv2d, ReLU) and fewer passes over the output.
 */
export class Conv2dReLU extends Conv2d {
  override forward(x: Tensor): Tensor {
    return conv2dRelu(x, this.weight, this.bias, { stride: this.stride, padding: this.padding });
  }
}

/** y = max(x, 0). */
export class ReLU extends Module {
  forward(x: Tensor): Tensor {
    return relu(x);
  }
}

/** Max over non-overlapping (by default) windows: [B, C, H, W] -> [B, C, ⌊H/k⌋, ⌊W/k⌋] for stride k. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride: number = kernelSize,
  ) {
    super();
  }

  forward(x: Tensor): Tensor {
    return maxPool2d(x, { kernel: this.kernelSize, stride: this.stride });
  }
}

/** The mean over all positions: [B, C, H, W] -> [B, C]. */
export class GlobalAvgPool extends Module {
  forward(x: Tensor): Tensor {
    return globalAvgPool(x);
  }
}

/** [B, ...] -> [B, product of the rest]. */
export class Flatten extends Module {
  forward(x: Tensor): Tensor {
    return flatten(x, 1);
  }
}

/** Runs its children in order; they are named "0", "1", ... */
export class Sequential extends Module {
  readonly layers: readonly Module[];

  constructor(...layers: Module[]) {
    super();
    layers.forEach((layer, i) => this.addModule(String(i), layer));
    this.layers = layers;
  }

  forward(x: Tensor): Tensor {
    let y = x;
    for (const layer of this.layers) y = layer.forward(y);
    return y;
  }
}
