/**
 * The Tensor class and its constructors (src/tensor/tensor.ts).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';

describe('constructors', () => {
  it('tensor() copies the values, float32 by default', () => {
    const src = [0.1, 2, 3, 4, 5, 6];
    const t = T.tensor(src, [2, 3]);
    src[0] = 99;
    expect(t.dtype).toBe('float32');
    expect(t.shape).toEqual([2, 3]);
    expect(t.rank).toBe(2);
    expect(t.size).toBe(6);
    expect(t.toArray()[0]).toBe(Math.fround(0.1)); // rounded to float32, not the source value
    expect(t.toNested()).toEqual([
      [Math.fround(0.1), 2, 3],
      [4, 5, 6],
    ]);
    expect(T.tensor([0.1], [1], { dtype: 'float64' }).item()).toBe(0.1);
  });

  it('fromArray shares the buffer it is given', () => {
    const data = new Float64Array([1, 2, 3, 4]);
    const t = T.fromArray(data, [2, 2]);
    data[3] = 7;
    expect(t.dtype).toBe('float64');
    expect(t.toNested()).toEqual([
      [1, 2],
      [3, 7],
    ]);
  });

  it('zeros, ones, full, scalar and arange', () => {
    expect(Array.from(T.zeros([2]).toArray())).toEqual([0, 0]);
    expect(Array.from(T.ones([2, 1]).toArray())).toEqual([1, 1]);
    expect(Array.from(T.full([3], -2.5, { dtype: 'float64' }).toArray())).toEqual([-2.5, -2.5, -2.5]);
    const s = T.scalar(4);
    expect(s.shape).toEqual([]);
    expect(s.size).toBe(1);
    expect(s.item()).toBe(4);
    expect(s.toNested()).toBe(4);
    expect(Array.from(T.arange(4).toArray())).toEqual([0, 1, 2, 3]);
    expect(T.zeros([2, 0]).size).toBe(0);
    expect(T.zeros([2, 0]).toNested()).toEqual([[], []]);
  });

  it('new tensors are leaves that do not require grad unless asked', () => {
    const t = T.ones([2]);
    expect(t.isLeaf).toBe(true);
    expect(t.requiresGrad).toBe(false);
    expect(t.grad).toBeNull();
    expect(T.ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
    expect(String(T.zeros([2, 3], { dtype: 'float64', requiresGrad: true }))).toBe(
      'Tensor([2,3], float64, requiresGrad)',
    );
  });

  it('reads strided views in row-major order', () => {
    const base = T.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const t = new T.Tensor(base.view.transpose(1, 0));
    expect(t.shape).toEqual([3, 2]);
    expect(Array.from(t.toArray())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(t.toNested()).toEqual([
      [1, 4],
      [2, 5],
      [3, 6],
    ]);
  });
});

describe('Tensor methods', () => {
  it('call the ops', () => {
    const a = T.tensor([1, 2, 3, 4], [2, 2], { dtype: 'float64' });
    expect(a.add(1).sub(1).mul(2).div(2).toNested()).toEqual(a.toNested());
    expect(a.matmul(a).toNested()).toEqual([
      [7, 10],
      [15, 22],
    ]);
    expect(a.sum().item()).toBe(10);
    expect(a.mean(0).toNested()).toEqual([2, 3]);
    expect(a.max(1, true).toNested()).toEqual([[2], [4]]);
    expect(a.transpose().toNested()).toEqual([
      [1, 3],
      [2, 4],
    ]);
    expect(
      a
        .reshape([4])
        .slice([[1, 4, 2]])
        .toNested(),
    ).toEqual([2, 4]);
    expect(a.pad([0, 1], [0, 0]).toNested()).toEqual([
      [0, 1, 2],
      [0, 3, 4],
    ]);
    expect(a.neg().abs().square().sqrt().toNested()).toEqual(a.toNested());
    expect(a.log().exp().sub(a).abs().max().item()).toBeLessThan(1e-12);
    expect(a.pow(2).toNested()).toEqual(a.square().toNested());
    expect(a.sub(2.5).relu().toNested()).toEqual([
      [0, 0],
      [0.5, 1.5],
    ]);
    expect(a.flatten(0).shape).toEqual([4]);
    expect(a.permute([1, 0]).toNested()).toEqual(a.transpose().toNested());
    expect(a.expand([3, 2, 2]).shape).toEqual([3, 2, 2]);
    expect(a.logSoftmax().exp().sum(1).sub(1).abs().max().item()).toBeLessThan(1e-12);
    const img = T.tensor([1, 2, 3, 4], [1, 1, 2, 2]);
    expect(img.maxPool2d({ kernel: 2 }).item()).toBe(4);
    expect(img.avgPool2d({ kernel: 2 }).item()).toBe(2.5);
    expect(img.globalAvgPool().shape).toEqual([1, 1]);
    const x = T.ones([2], { requiresGrad: true });
    x.mul(3).sum().backward();
    expect(Array.from(x.grad!.toArray())).toEqual([3, 3]);
    expect(x.mul(3).detach().requiresGrad).toBe(false);
  });
});
