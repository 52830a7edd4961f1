/**
 * The VGG conv stack (Simonyan & Zisserman 2015) as LPL trains it
 * (Halvagal & Zenke 2023, Methods; LPL-SPEC.md "Layer-local training"):
 * blocks of Conv3x3(pad 1, bias) -> ReLU [-> MaxPool 2x2], no BatchNorm,
 * PyTorch-default init. Each block is a Sequential (conv+relu[, pool]), the
 * conv and its ReLU one Conv2dReLU layer, so the layer-local encoder
 * (src/lpl/encoder.ts) can run the blocks one at a time.
 *
 * Depths are data: a config lists output channels, with 'M' for a 2x2 max
 * pool after the previous conv (torchvision's notation).
 *
 * Small inputs: five 2x2 pools need at least 32x32 pixels. 28x28 inputs
 * (Fashion-MNIST) go 28 -> 14 -> 7 -> 3 -> 1, and a fifth pool would leave
 * 0x0. When `inputSize` is given, a pool whose input is already 1x1 is left
 * out (listed in `skippedPools`); the block is then conv+relu alone. Without
 * `inputSize` every pool is kept and too small an input fails in maxPool2d.
 * Odd sizes are floored, as in PyTorch (7 -> 3).
 */
import type { DType } from '../tensor/backend.js';
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { Conv2dReLU, MaxPool2d, Sequential } from './layers.js';
import { Module } from './module.js';

/** A conv with this many output channels, or 'M': a 2x2 max pool. */
export type VggLayerSpec = number | 'M';

export const VGG_CONFIGS = {
  vgg11: [64, 'M', 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg13: [64, 64, 'M', 128, 128, 'M', 256, 256, 'M', 512, 512, 'M', 512, 512, 'M'],
  vgg16: [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M'],
  vgg19: [
    64,
    64,
    'M',
    128,
    128,
    'M',
    256,
    256,
    256,
    256,
    'M',
    512,
    512,
    512,
    512,
    'M',
    512,
    512,
    512,
    512,
    'M',
  ],
} as const satisfies Record<string, readonly VggLayerSpec[]>;

export type VggName = keyof typeof VGG_CONFIGS;

export interface VggOptions {
  /** Channels of the input images (3 for RGB, 1 for Fashion-MNIST). */
  inChannels: number;
  /** Multiplies every channel count (rounded, at least 1). Default 1. */
  width?: number;
  rng: Rng;
  dtype?: DType;
  /** Side of the (square) input; when given, pools that would act on 1x1 maps are left out. */
  inputSize?: number;
  /** Conv biases (default true, as in the paper). */
  bias?: boolean;
}

/** Output channels of a config's convs times `width`: max(1, round(c · width)). */
export function scaledChannels(config: readonly VggLayerSpec[], width = 1): number[] {
  if (!(width > 0)) throw new Error(`vgg: width must be positive, got ${width}`);
  return config.filter((s): s is number => s !== 'M').map((c) => Math.max(1, Math.round(c * width)));
}

export class VggEncoder extends Module {
  /** The blocks, in order; block k is Sequential(Conv2dReLU[, pool]). */
  readonly blocks: readonly Sequential[];
  /** Output channels of each block (M of its z). */
  readonly channels: readonly number[];
  /** Whether each block ends with a max pool. */
  readonly pools: readonly boolean[];
  /** Blocks whose pool the config asks for but `inputSize` made pointless (already 1x1). */
  readonly skippedPools: readonly number[];

  constructor(config: readonly VggLayerSpec[], opts: VggOptions) {
    super();
    const channels = scaledChannels(config, opts.width ?? 1);
    const blocks: Sequential[] = [];
    const pools: boolean[] = [];
    const skipped: number[] = [];
    let inChannels = opts.inChannels;
    let size = opts.inputSize;
    let conv = 0;
    for (let i = 0; i < config.length; i++) {
      if (config[i] === 'M') continue; // pools are attached to the conv before them
      const out = channels[conv]!;
      // conv -> ReLU as one layer (Conv2dReLU: the same values and gradients, fewer passes over memory)
      const layers: Module[] = [
        new Conv2dReLU(inChannels, out, 3, { padding: 1, rng: opts.rng, dtype: opts.dtype, bias: opts.bias }),
      ];
      let pool = config[i + 1] === 'M';
      if (pool && size !== undefined) {
        if (size < 2) {
          pool = false;
          skipped.push(conv);
        } else size = Math.floor(size / 2);
      }
      if (pool) layers.push(new MaxPool2d(2));
      blocks.push(new Sequential(...layers));
      pools.push(pool);
      inChannels = out;
      conv++;
    }
    this.addModule('blocks', new Sequential(...blocks));
    this.blocks = blocks;
    this.channels = channels;
    this.pools = pools;
    this.skippedPools = skipped;
  }

  /** The last block's feature map [B, C_last, H', W'] (no pooling over space). */
  forward(x: Tensor): Tensor {
    let y = x;
    for (const block of this.blocks) y = block.forward(y);
    return y;
  }

  /** Spatial side after each block, for a square input of side `inputSize`. */
  outputSizes(inputSize: number): number[] {
    let size = inputSize;
    return this.pools.map((pool) => (size = pool ? Math.floor(size / 2) : size));
  }
}

/** A VGG conv stack by name ('vgg11', 'vgg13', ...). */
export function vggEncoder(name: VggName, opts: VggOptions): VggEncoder {
  return new VggEncoder(VGG_CONFIGS[name], opts);
}

/**
 * The VGG-11 conv stack of LPL-SPEC.md: 8 blocks, channels 64,128,256,256,512,512,512,512 (× width),
 * max pool after blocks 1, 2, 4, 6, 8.
 */
export function vgg11Encoder(opts: VggOptions): VggEncoder {
  return vggEncoder('vgg11', opts);
}
