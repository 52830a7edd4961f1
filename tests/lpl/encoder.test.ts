/** The layer-local encoder, the end-to-end variant, the controls, and the network objective. */
import { describe, expect, it } from 'vitest';
import {
  encodeBlocks,
  globalAvgPool,
  lplObjective,
  networkObjective,
  permuteRows,
  randNormal,
  Rng,
  shufflePositives,
  stackPositions,
  sum,
  unitsPerPosition,
  unpooledObjective,
  vgg11Encoder,
  decorrelationLoss,
  hebbianLoss,
  predictiveLoss,
  type Tensor,
} from '../../src/index.js';
import { expectClose, gradOf, maxAbs, twoViews } from './helpers.js';

function smallVgg(seed = 1) {
  // channels 2,4,8,8,16,16,16,16; 8x8 input: 8 -> 4 -> 2 -> (2) -> 1, later pools skipped
  return vgg11Encoder({ inChannels: 1, width: 1 / 32, inputSize: 8, rng: new Rng(seed), dtype: 'float64' });
}

const input = (seed: number, B = 4): Tensor =>
  randNormal([B, 1, 8, 8], new Rng(seed), 0, 1, { dtype: 'float64' });

describe('encodeBlocks', () => {
  it('returns z = the globally pooled output of every block, [B, M_k]', () => {
    const net = smallVgg();
    const x = input(1);
    const out = encodeBlocks(net.blocks, x, { keepMaps: true });
    expect(out.z.map((z) => z.shape)).toEqual(net.channels.map((c) => [4, c]));
    out.maps.forEach((map, k) => expectClose(globalAvgPool(map), out.z[k]!, 1e-15));
    // the same values as running the network in one go
    expectClose(out.maps[7]!, net.forward(x), 0);
    expect(encodeBlocks(net.blocks, x).maps).toEqual([]);
  });

  it('layer-local: block k gets no gradient from block k+1’s loss, only from its own', () => {
    const net = smallVgg();
    const [x1, x2] = twoViews([4, 1, 8, 8], new Rng(2));
    const o1 = encodeBlocks(net.blocks, x1);
    const o2 = encodeBlocks(net.blocks, x2);
    lplObjective(o1.z[3]!, o2.z[3]!).total.backward(); // the loss of block 3 only
    for (const [k, block] of net.blocks.entries()) {
      for (const p of block.parameters()) {
        if (k === 3) expect(maxAbs(gradOf(p))).toBeGreaterThan(0);
        else expect(p.grad).toBeNull();
      }
    }
  });

  it('end-to-end: a loss on the last block reaches the first block', () => {
    const net = smallVgg();
    const [x1, x2] = twoViews([4, 1, 8, 8], new Rng(3));
    const o1 = encodeBlocks(net.blocks, x1, { mode: 'end-to-end' });
    const o2 = encodeBlocks(net.blocks, x2, { mode: 'end-to-end' });
    lplObjective(o1.z[7]!, o2.z[7]!).total.backward();
    for (const block of net.blocks) expect(maxAbs(gradOf(block.parameters()[0]!))).toBeGreaterThan(0);
  });
});

describe('networkObjective', () => {
  it('layer-local: the sum of every block’s objective; end-to-end: the last block’s only', () => {
    const net = smallVgg(4);
    const [x1, x2] = twoViews([5, 1, 8, 8], new Rng(5));
    const o1 = encodeBlocks(net.blocks, x1);
    const o2 = encodeBlocks(net.blocks, x2);
    const { total, layers } = networkObjective(o1, o2);
    const perBlock = o1.z.map((z, k) => lplObjective(z, o2.z[k]!).total.item());
    expect(total.item()).toBeCloseTo(
      perBlock.reduce((a, b) => a + b, 0),
      12,
    );
    expect(layers.every((l) => l !== null)).toBe(true);

    const e2e = networkObjective(o1, o2, { mode: 'end-to-end' });
    expect(e2e.total.item()).toBeCloseTo(perBlock[7]!, 12);
    expect(e2e.layers.slice(0, 7).every((l) => l === null)).toBe(true);
  });

  it('noPooling needs the maps, and then uses them', () => {
    const net = smallVgg(6);
    const [x1, x2] = twoViews([4, 1, 8, 8], new Rng(6));
    const o1 = encodeBlocks(net.blocks, x1, { keepMaps: true });
    const o2 = encodeBlocks(net.blocks, x2, { keepMaps: true });
    expect(() => networkObjective(encodeBlocks(net.blocks, x1), o2, { noPooling: true })).toThrow(/keepMaps/);
    const { layers } = networkObjective(o1, o2, { noPooling: true });
    expect(layers[0]!.total.item()).toBeCloseTo(unpooledObjective(o1.maps[0]!, o2.maps[0]!).total.item(), 12);
  });
});

describe('the no-pooling control, as in the authors’ code', () => {
  it('stackPositions: [B,C,H,W] -> [B·H·W, C], row (b·H + h)·W + w', () => {
    const map = randNormal([2, 3, 2, 4], new Rng(7), 0, 1, { dtype: 'float64' });
    const m = map.toArray();
    const s = stackPositions(map).toArray();
    for (let b = 0; b < 2; b++)
      for (let c = 0; c < 3; c++)
        for (let h = 0; h < 2; h++)
          for (let w = 0; w < 4; w++)
            expect(s[((b * 2 + h) * 4 + w) * 3 + c]).toBe(m[((b * 3 + c) * 2 + h) * 4 + w]);
    expect(unitsPerPosition(map).shape).toEqual([2, 24]);
  });

  it('pred on the maps, Hebbian per (channel, position), decorrelation between channels over B·H·W', () => {
    const rng = new Rng(8);
    const m1 = randNormal([3, 2, 3, 3], rng, 0, 1, { dtype: 'float64' });
    const m2 = randNormal([3, 2, 3, 3], rng, 0, 1, { dtype: 'float64' });
    const t = unpooledObjective(m1, m2, { lambdaPred: 2, lambdaHebb: 3, lambdaDecorr: 5 });
    const mse = sum(m1.sub(m2).square()).item() / m1.size;
    expect(t.pred.item()).toBeCloseTo(mse, 12);
    const hebb = (hebbianLoss(unitsPerPosition(m1)).item() + hebbianLoss(unitsPerPosition(m2)).item()) / 2;
    expect(t.hebb.item()).toBeCloseTo(hebb, 12);
    const decorr =
      (decorrelationLoss(stackPositions(m1)).item() + decorrelationLoss(stackPositions(m2)).item()) / 2;
    expect(t.decorr.item()).toBeCloseTo(decorr, 12);
    expect(t.total.item()).toBeCloseTo(2 * mse + 3 * hebb + 5 * decorr, 11);
  });
});

describe('shuffle positives', () => {
  it('permutes rows; with or without gradient the values agree, and the gradient flows back permuted', () => {
    const rng = new Rng(9);
    const z = randNormal([5, 3], rng, 0, 1, { dtype: 'float64' });
    const perm = [2, 0, 4, 1, 3];
    const copied = permuteRows(z, perm);
    const zg = randNormal([5, 3], new Rng(9), 0, 1, { dtype: 'float64', requiresGrad: true });
    const viaMatmul = permuteRows(zg, perm);
    expectClose(copied, viaMatmul, 0);
    const zs = z.toArray();
    const cs = copied.toArray();
    perm.forEach((p, b) =>
      expect(Array.from(cs.subarray(b * 3, b * 3 + 3))).toEqual(Array.from(zs.subarray(p * 3, p * 3 + 3))),
    );
    // L = Σ w ⊙ P z  ->  ∂L/∂z = Pᵀ w
    const w = randNormal([5, 3], rng, 0, 1, { dtype: 'float64' });
    sum(viaMatmul.mul(w)).backward();
    const back = new Float64Array(15);
    const ws = w.toArray();
    perm.forEach((p, b) => back.set(ws.subarray(b * 3, b * 3 + 3), p * 3));
    expect(Array.from(gradOf(zg).toArray())).toEqual(Array.from(back));
  });

  it('pairs each image with another image’s second view; Hebbian and decorrelation do not change', () => {
    const [x1, x2] = twoViews([16, 1, 8, 8], new Rng(10), 0.1);
    const shuffled = shufflePositives(x2, new Rng(11));
    const rows = (t: Tensor) => Array.from({ length: 16 }, (_, b) => t.toArray()[b * 64]!).sort();
    expect(rows(shuffled)).toEqual(rows(x2)); // the same images, reordered
    const net = smallVgg(12);
    const z1 = encodeBlocks(net.blocks, x1).z[0]!;
    const z2 = encodeBlocks(net.blocks, x2).z[0]!;
    const zs = encodeBlocks(net.blocks, shuffled).z[0]!;
    expect(hebbianLoss(zs).item()).toBeCloseTo(hebbianLoss(z2).item(), 12);
    expect(decorrelationLoss(zs).item()).toBeCloseTo(decorrelationLoss(z2).item(), 12);
    // matched views predict each other far better than shuffled ones
    expect(predictiveLoss(z1, zs).item()).toBeGreaterThan(3 * predictiveLoss(z1, z2).item());
  });
});
