/**
 * The layer shapes the benchmarks time: VGG-11 (LPL-SPEC.md: 3x3 convs with
 * padding 1, 2x2 max pool after blocks 1, 2, 4, 6, 8, channels × width) at
 * the two configurations the project trains, plus the matmuls of the LPL
 * loss (the covariance of z over the batch for the decorrelation term).
 */
import type { Conv2dParams } from '../src/tensor/backend.js';
import type { LayerShape } from '../src/tensor/backends/auto.js';
import { scaledChannels, VGG_CONFIGS } from '../src/nn/vgg.js';

export interface ModelConfig {
  /** Short name used in tables. */
  name: string;
  inChannels: number;
  /** Side of the square input images. */
  size: number;
  width: number;
}

/** The default configuration: bundled Fashion-MNIST, 28×28 grayscale, width 0.25. */
export const FMNIST_CONFIG: ModelConfig = { name: 'fmnist28-w0.25', inChannels: 1, size: 28, width: 0.25 };
/** A CIFAR-10 configuration: 32×32 RGB, width 0.5. */
export const CIFAR_CONFIG: ModelConfig = { name: 'cifar32-w0.5', inChannels: 3, size: 32, width: 0.5 };

export interface ConvCase {
  kind: 'conv2d';
  /** e.g. 'cifar32-w0.5 b2' (block 2). */
  name: string;
  x: [number, number, number, number];
  w: [number, number, number, number];
  p: Conv2dParams;
}

export interface MatmulCase {
  kind: 'matmul';
  name: string;
  a: [number, number];
  b: [number, number];
}

export type BenchLayer = ConvCase | MatmulCase;

const same3x3: Conv2dParams = { stride: [1, 1], padding: [1, 1] };

/** The 8 conv layers of VGG-11 for a configuration and batch size (pools on 1×1 maps are left out, as in src/nn/vgg.ts). */
export function vgg11ConvLayers(config: ModelConfig, batch: number): ConvCase[] {
  const spec = VGG_CONFIGS.vgg11;
  const channels = scaledChannels(spec, config.width);
  const layers: ConvCase[] = [];
  let c = config.inChannels;
  let size = config.size;
  let conv = 0;
  for (let i = 0; i < spec.length; i++) {
    if (spec[i] === 'M') continue;
    const o = channels[conv]!;
    layers.push({
      kind: 'conv2d',
      name: `${config.name} b${conv + 1}`,
      x: [batch, c, size, size],
      w: [o, c, 3, 3],
      p: same3x3,
    });
    if (spec[i + 1] === 'M' && size >= 2) size = Math.floor(size / 2);
    c = o;
    conv++;
  }
  return layers;
}

/** The decorrelation term's covariance Cᵀ·C of z [B, M]: [M, B] @ [B, M]. */
export function covarianceMatmul(config: ModelConfig, batch: number): MatmulCase {
  const M = scaledChannels(VGG_CONFIGS.vgg11, config.width).at(-1)!;
  return { kind: 'matmul', name: `${config.name} cov ${M}x${batch}`, a: [M, batch], b: [batch, M] };
}

/**
 * The layers timed: blocks 1, 2, 4, 6 of each configuration (the first layer,
 * the widest maps, the middle, the most channels) and the covariance matmuls;
 * --quick keeps one conv per configuration and one matmul.
 */
export function benchLayers(quick: boolean, batch: number): BenchLayer[] {
  const pick = (config: ModelConfig, blocks: number[]): ConvCase[] =>
    vgg11ConvLayers(config, batch).filter((_, i) => blocks.includes(i + 1));
  if (quick) {
    return [...pick(FMNIST_CONFIG, [2]), ...pick(CIFAR_CONFIG, [2]), covarianceMatmul(FMNIST_CONFIG, batch)];
  }
  return [
    ...pick(FMNIST_CONFIG, [1, 2, 4, 6]),
    ...pick(CIFAR_CONFIG, [1, 2, 4, 6]),
    covarianceMatmul(FMNIST_CONFIG, batch),
    covarianceMatmul(CIFAR_CONFIG, batch),
  ];
}

/** The same layer with batch `batch` (convolutions only: a matmul has no batch axis here). */
export function withBatch(layer: BenchLayer, batch: number): BenchLayer {
  if (layer.kind === 'matmul') return layer;
  return { ...layer, x: [batch, layer.x[1], layer.x[2], layer.x[3]] };
}

/** The batch of a layer (1 for a matmul). */
export function batchOf(layer: BenchLayer): number {
  return layer.kind === 'matmul' ? 1 : layer.x[0];
}

/** The layers as chooseBackends takes them. */
export function asLayerShapes(layers: readonly BenchLayer[]): LayerShape[] {
  return layers.map((l) => (l.kind === 'matmul' ? { kind: 'matmul', a: l.a, b: l.b } : l));
}

/** Output side of a conv along one axis. */
export function convOut(size: number, k: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - k) / stride) + 1;
}

/**
 * Floating-point operations of one kernel call, counting a multiply-add as 2:
 * matmul 2·M·K·N; conv2d and each of its gradients 2·N·O·OH·OW·C·KH·KW
 * (every tap, padding included, as is the convention).
 */
export function flopsOf(layer: BenchLayer): number {
  if (layer.kind === 'matmul') return 2 * layer.a[0] * layer.a[1] * layer.b[1];
  const [N, C, H, W] = layer.x;
  const [O, , KH, KW] = layer.w;
  const OH = convOut(H, KH, layer.p.stride[0], layer.p.padding[0]);
  const OW = convOut(W, KW, layer.p.stride[1], layer.p.padding[1]);
  return 2 * N * O * OH * OW * C * KH * KW;
}

/** "x[256,16,14,14] w[32,16,3,3]" or "[128,256]@[256,128]". */
export function describeShape(layer: BenchLayer): string {
  if (layer.kind === 'matmul') return `[${layer.a.join(',')}]@[${layer.b.join(',')}]`;
  return `x[${layer.x.join(',')}] w[${layer.w.join(',')}]`;
}
