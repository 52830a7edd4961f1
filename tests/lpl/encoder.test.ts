/** The layer-local encoder, the end-to-end variant, the controls, and the network objective. */
import { describe, expect, it } from 'vitest';
import {
  encodeBlocks,
  globalAvgPool,
  lplObjective,
  networkObjective,
  randNormal,
  Rng,
  shuffledPositives,
  stackViews,
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

describe('shuffle positives (src/lpl/controls.ts, the function the trainer calls)', () => {
  it('stacks [view 1; view 2], view 2 reordered by the permutation, which is fixed by (seed, epoch, step)', () => {
    const [B, C, H, W] = [5, 1, 2, 3];
    const x1 = Float64Array.from({ length: B * 6 }, (_, i) => i);
    const x2 = Float64Array.from({ length: B * 6 }, (_, i) => 1000 + i);
    const plain = stackViews(x1, x2, [B, C, H, W]);
    expect(plain.shape).toEqual([2 * B, C, H, W]);
    expect(Array.from(plain.toArray())).toEqual([...x1, ...x2]);
    const perm = shuffledPositives(7, 2, 3, B);
    expect(Array.from(perm).sort()).toEqual([0, 1, 2, 3, 4]);
    expect(Array.from(shuffledPositives(7, 2, 3, B))).toEqual(Array.from(perm)); // replayable on resume
    const steps = [0, 1, 2, 3, 4, 5].map((step) => Array.from(shuffledPositives(7, 2, step, B)).join());
    expect(new Set(steps).size).toBeGreaterThan(1); // a new permutation per step
    const shuffled = stackViews(x1, x2, [B, C, H, W], perm).toArray();
    expect(Array.from(shuffled.subarray(0, B * 6))).toEqual(Array.from(x1));
    perm.forEach((p, b) =>
      expect(Array.from(shuffled.subarray((B + b) * 6, (B + b + 1) * 6))).toEqual(
        Array.from(x2.subarray(p * 6, p * 6 + 6)),
      ),
    );
    expect(() => stackViews(x1, x2, [B, C, H, W], [0, 1])).toThrow(/2 indices for 5 images/);
    expect(() => stackViews(x1, x2.subarray(1), [B, C, H, W])).toThrow(/stackViews/);
  });

  it('pairs each image with another image’s second view; Hebbian and decorrelation do not change', () => {
    const B = 16;
    const [x1, x2] = twoViews([B, 1, 8, 8], new Rng(10), 0.1);
    const a1 = x1.toArray() as Float64Array;
    const a2 = x2.toArray() as Float64Array;
    const both = stackViews(a1, a2, [B, 1, 8, 8], shuffledPositives(11, 0, 0, B));
    const shuffled = both.slice([[B, 2 * B]]);
    const rows = (t: Tensor) => Array.from({ length: B }, (_, b) => t.toArray()[b * 64]!).sort();
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
