/**
 * Running a stack of blocks for LPL (Halvagal & Zenke, Nature Neuroscience
 * 2023; the authors' models/encoders.py; LPL-SPEC.md "Layer-local training").
 *
 * Layer-local (the paper's setting): the input of every block is detached,
 *   x_k = block_k(SG(x_{k−1})),   z_k = globalAvgPool(x_k): [B, M_k]
 * so block k's weights receive gradient only from block k's own loss.
 * End-to-end (the variant): no detach, so a loss on the last block reaches
 * every block by backprop.
 */
import { detach, globalAvgPool, permute, reshape } from '../autograd/index.js';
import type { Module } from '../nn/module.js';
import { formatShape, ShapeError } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

export type TrainingMode = 'layer-local' | 'end-to-end';

export interface EncoderOutput {
  /** z of every block: its output, globally average-pooled, [B, M_k]. */
  z: Tensor[];
  /** Every block's output map [B, M_k, H_k, W_k] when `keepMaps` was asked, else empty. */
  maps: Tensor[];
}

/** Runs `blocks` in order on x [B, C, H, W] and collects z (and maps) of each. */
export function encodeBlocks(
  blocks: readonly Module[],
  x: Tensor,
  opts: { mode?: TrainingMode; keepMaps?: boolean } = {},
): EncoderOutput {
  const layerLocal = (opts.mode ?? 'layer-local') === 'layer-local';
  const z: Tensor[] = [];
  const maps: Tensor[] = [];
  let h = x;
  for (const block of blocks) {
    h = block.forward(layerLocal ? detach(h) : h); // x_k = block_k(SG(x_{k−1})) when layer-local
    z.push(globalAvgPool(h)); // z_k: [B, M_k]
    if (opts.keepMaps) maps.push(h);
  }
  return { z, maps };
}

/** [B, C, H, W] -> [B·H·W, C]: every position becomes a sample, channels stay the units. */
export function stackPositions(map: Tensor): Tensor {
  if (map.rank !== 4)
    throw new ShapeError(`stackPositions: expected [B,C,H,W], got ${formatShape(map.shape)}`);
  const [, C] = map.shape as [number, number];
  return reshape(permute(map, [0, 2, 3, 1]), [-1, C]);
}

/** [B, C, H, W] -> [B, C·H·W]: every (channel, position) becomes a unit. */
export function unitsPerPosition(map: Tensor): Tensor {
  if (map.rank !== 4)
    throw new ShapeError(`unitsPerPosition: expected [B,C,H,W], got ${formatShape(map.shape)}`);
  return reshape(map, [map.shape[0]!, -1]);
}
