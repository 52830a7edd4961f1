/**
 * The tape engine: accumulation, reuse of tensors, noGrad, detach,
 * requiresGrad propagation, float32, deep graphs, un-broadcasting.
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { expectClose } from '../helpers/check.js';
import { leaf, values } from '../helpers/tensors.js';

const f64 = { dtype: 'float64' as const };

describe('backward', () => {
  it('accumulates into .grad across calls', () => {
    const x = T.tensor([1, -2, 3], [3], { ...f64, requiresGrad: true });
    T.sum(T.square(x)).backward();
    expect(values(x.grad!)).toEqual([2, -4, 6]); // ∂Σx²/∂x = 2x
    T.sum(T.square(x)).backward();
    expect(values(x.grad!)).toEqual([4, -8, 12]);
    x.grad = null; // resetting is the caller's job
    T.sum(x).backward();
    expect(values(x.grad!)).toEqual([1, 1, 1]);
  });

  it('adds up the gradients of a tensor used twice, leaf or not', () => {
    const x = T.tensor([0.5, -1, 2], [3], { ...f64, requiresGrad: true });
    T.sum(T.add(T.mul(x, x), x)).backward(); // ∂(x² + x)/∂x = 2x + 1
    expect(values(x.grad!)).toEqual([2, -1, 5]);

    const z = T.tensor([0.5, -1, 2], [3], { ...f64, requiresGrad: true });
    const h = T.exp(z); // a non-leaf used three times: y = h·h + h
    T.sum(T.add(T.mul(h, h), h)).backward(); // ∂y/∂z = (2h + 1)·h
    expectClose(
      z.grad!,
      values(z).map((v) => (2 * Math.exp(v) + 1) * Math.exp(v)),
      { atol: 1e-12 },
    );
  });

  it('handles a diamond: two paths from one input meet again', () => {
    const x = T.tensor([1, 2], [2], { ...f64, requiresGrad: true });
    const a = T.mul(x, 3);
    const b = T.square(x);
    T.sum(T.mul(a, b)).backward(); // y = 3x³, ∂y/∂x = 9x²
    expect(values(x.grad!)).toEqual([9, 36]);
  });

  it('takes an explicit output gradient for a non-scalar output', () => {
    const x = T.tensor([1, 2, 3], [3], { ...f64, requiresGrad: true });
    T.mul(x, x).backward(T.tensor([1, 0, -1], [3], f64));
    expect(values(x.grad!)).toEqual([2, 0, -6]);
  });

  it('on a leaf stores the given gradient', () => {
    const x = T.tensor([1, 2], [2], { ...f64, requiresGrad: true });
    x.backward(T.tensor([5, 6], [2], f64));
    expect(values(x.grad!)).toEqual([5, 6]);
  });

  it('gives leaves a row-major .grad of their own (no shared or broadcast buffers)', () => {
    const w = T.ones([2, 3], { requiresGrad: true });
    T.sum(w).backward(); // the gradient arrives as a broadcast (stride 0) view of one 1
    expect(w.grad!.view.data.length).toBe(6);
    expect(Array.from(w.grad!.view.stride)).toEqual([3, 1]);

    const a = T.ones([2], { requiresGrad: true });
    const b = T.ones([2], { requiresGrad: true });
    T.sum(T.add(a, b)).backward(); // add passes the same g to a and b
    expect(a.grad!.view.data).not.toBe(b.grad!.view.data);

    const g = T.ones([2, 3]);
    const x = T.ones([2, 3], { requiresGrad: true });
    T.reshape(T.reshape(x, [6]), [2, 3]).backward(g);
    expect(x.grad!.view.data).not.toBe(g.view.data);
  });

  it('un-broadcasts gradients to the input shape, scalars included', () => {
    const s = T.scalar(2, { ...f64, requiresGrad: true });
    const col = T.tensor([1, 2], [2, 1], { ...f64, requiresGrad: true });
    const m = T.tensor([1, 2, 3, 4, 5, 6], [2, 3], f64);
    T.sum(T.mul(T.mul(m, col), s)).backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(1 * 6 + 2 * 15); // Σ m·col
    expect(col.grad!.shape).toEqual([2, 1]);
    expect(values(col.grad!)).toEqual([12, 30]); // s · Σ_j m[i,j]
  });

  it('gives strided leaves a gradient of their own shape', () => {
    const x = leaf([3, 4], { layout: 'transposed', seed: 3 });
    T.sum(T.mul(x, T.arange(4, f64))).backward();
    expect(x.grad!.shape).toEqual([3, 4]);
    expect(values(x.grad!)).toEqual([0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3]);
  });
});

describe('requiresGrad and the graph', () => {
  it('propagates requiresGrad from any input', () => {
    const a = T.ones([2], { requiresGrad: true });
    const b = T.ones([2]);
    const y = T.add(a, b);
    expect(y.requiresGrad).toBe(true);
    expect(y.node?.op).toBe('add');
    expect(y.node?.inputs).toEqual([a, b]);
    const z = T.add(b, b);
    expect(z.requiresGrad).toBe(false);
    expect(z.node).toBeNull();
    T.sum(y).backward();
    expect(b.grad).toBeNull(); // b did not ask for a gradient
  });

  it('gives non-leaf tensors no .grad', () => {
    const x = T.ones([2], { requiresGrad: true });
    const h = T.mul(x, 2);
    T.sum(h).backward();
    expect(h.isLeaf).toBe(false);
    expect(h.grad).toBeNull();
    expect(x.grad).not.toBeNull();
  });

  it('noGrad records nothing, and restores grad mode even when fn throws', () => {
    const x = T.ones([2], { requiresGrad: true });
    const y = T.noGrad(() => {
      expect(T.isGradEnabled()).toBe(false);
      return T.mul(x, 2);
    });
    expect(T.isGradEnabled()).toBe(true);
    expect(y.requiresGrad).toBe(false);
    expect(y.node).toBeNull();
    expect(() => T.sum(y).backward()).toThrow(/does not require grad/);
    expect(() =>
      T.noGrad(() => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(T.isGradEnabled()).toBe(true);
    // nested noGrad keeps grad off until the outermost returns
    T.noGrad(() => {
      T.noGrad(() => undefined);
      expect(T.isGradEnabled()).toBe(false);
    });
  });

  it('detach shares the values and cuts the gradient: ∂(x·SG(x))/∂x = x', () => {
    const x = T.tensor([1, -2, 3], [3], { ...f64, requiresGrad: true });
    const d = T.detach(x);
    expect(d.requiresGrad).toBe(false);
    expect(d.isLeaf).toBe(true);
    expect(d.view.data).toBe(x.view.data);
    T.sum(T.mul(x, d)).backward();
    expect(values(x.grad!)).toEqual([1, -2, 3]);
    const y = T.mul(T.exp(x), 2);
    expect(y.detach().node).toBeNull();
  });

  it('node ids increase with creation order', () => {
    const x = T.ones([2], { requiresGrad: true });
    const a = T.exp(x);
    const b = T.neg(a);
    expect(b.node!.id).toBeGreaterThan(a.node!.id);
  });
});

describe('deep graphs', () => {
  it('back-propagates through a chain of 10 000 ops without overflowing the stack', () => {
    const x = T.tensor([1, 2], [2], { ...f64, requiresGrad: true });
    let y = x;
    for (let i = 0; i < 10_000; i++) y = i % 2 === 0 ? T.mul(y, 1.0001) : T.add(y, 0.001);
    T.sum(y).backward();
    // y = 1.0001^5000 · x + const, so ∂Σy/∂x = 1.0001^5000
    expectClose(x.grad!, [Math.pow(1.0001, 5000), Math.pow(1.0001, 5000)], { rtol: 1e-10 });
  });

  it('handles 10 000 uses of one leaf', () => {
    const x = T.tensor([3], [1], { ...f64, requiresGrad: true });
    const parts: T.Tensor[] = [];
    for (let i = 0; i < 10_000; i++) parts.push(T.mul(x, 1));
    T.sum(T.concat(parts)).backward();
    expect(x.grad!.item()).toBe(10_000);
  });
});

describe('float32', () => {
  it('computes what float64 computes, to float32 precision, forward and backward', () => {
    // A small network: conv -> relu -> maxPool -> matmul -> crossEntropy.
    const build = (dtype: 'float32' | 'float64') => {
      const x = leaf([2, 2, 6, 6], { seed: 1, dtype });
      const w = leaf([3, 2, 3, 3], { seed: 2, dtype, low: -0.5, high: 0.5 });
      const b = leaf([3], { seed: 3, dtype });
      const v = leaf([12, 4], { seed: 4, dtype, low: -0.5, high: 0.5 });
      const h = T.maxPool2d(T.relu(T.conv2d(x, w, b, { padding: 1 })), { kernel: 3 }); // [2,3,2,2]
      const loss = T.crossEntropy(T.matmul(T.reshape(h, [2, 12]), v), [1, 3]);
      loss.backward();
      expect(loss.dtype).toBe(dtype);
      expect(w.grad!.dtype).toBe(dtype);
      return { loss, grads: [x, w, b, v].map((t) => t.grad!) };
    };
    const single = build('float32');
    const double = build('float64');
    expectClose([single.loss.item()], [double.loss.item()], { atol: 1e-6, rtol: 1e-5 });
    single.grads.forEach((g, i) =>
      expectClose(g.toArray(), double.grads[i]!.toArray(), { atol: 1e-5, rtol: 1e-4 }),
    );
    expect(Math.max(...double.grads[1]!.toArray().map(Math.abs))).toBeGreaterThan(1e-3); // not vacuous
  });

  it('makes float32 tensors by default and lifts numbers to the tensor dtype', () => {
    const x = T.ones([2]);
    expect(x.dtype).toBe('float32');
    expect(T.add(x, 0.5).dtype).toBe('float32');
    expect(T.add(0.5, T.ones([2], f64)).dtype).toBe('float64');
  });
});

describe('sumToShape', () => {
  it('sums leading and size-1 axes away', () => {
    const g = T.tensor(
      Array.from({ length: 24 }, (_, i) => i),
      [2, 3, 4],
      f64,
    );
    const r = T.sumToShape(g, [3, 1], 'test');
    expect(r.shape).toEqual([3, 1]);
    // r[j] = Σ_{i,k} g[i,j,k] = Σ_{i,k} (12i + 4j + k)
    expect(values(r)).toEqual([0, 1, 2].map((j) => 2 * 4 * 4 * j + 4 * 12 + 2 * 6)); // 16j + 60
    expect(T.sumToShape(g, [2, 3, 4], 'test')).toBe(g);
  });

  it('refuses shapes the gradient does not broadcast to', () => {
    const g = T.zeros([2, 3]);
    expect(() => T.sumToShape(g, [2], 'myop')).toThrow(
      /myop: gradient \[2,3\] does not broadcast to input \[2\]/,
    );
    expect(() => T.sumToShape(g, [1, 2, 3], 'myop')).toThrow(/myop: gradient \[2,3\] has lower rank/);
  });
});
