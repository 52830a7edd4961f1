/**
 * The backend registry, the dispatch of ops to the selected backend, and the
 * kernel contract of the reference backend: new row-major outputs, inputs untouched.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import type { HostView } from '../../src/index.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { isContiguous } from '../../src/tensor/view.js';
import { layout, seed, shape } from '../helpers/arbitraries.js';
import { property } from '../helpers/check.js';
import { leaf } from '../helpers/tensors.js';

/** A reference backend that counts the kernels it runs. */
class CountingBackend extends ReferenceBackend {
  override readonly name = 'counting';
  calls: string[] = [];
  override matmul(a: HostView, b: HostView): HostView {
    this.calls.push('matmul');
    return super.matmul(a, b);
  }
  override binary(op: T.BinaryOp, a: HostView, b: HostView): HostView {
    this.calls.push(op);
    return super.binary(op, a, b);
  }
}

describe('backend registry', () => {
  it('has the reference backend registered', () => {
    expect(T.availableBackends()).toContain('reference');
    expect(T.backendByName('reference')).toBe(T.backendByName('reference')); // created once
    expect(T.backendByName('reference').name).toBe('reference');
  });

  it('names the available backends when asked for an unknown one', () => {
    expect(() => T.backendByName('nope')).toThrow(/unknown backend 'nope'; available: .*reference/);
    expect(() => T.setBackend('nope')).toThrow(/unknown backend 'nope'/);
  });

  it('runs ops on the selected backend, forward and backward', () => {
    const counting = new CountingBackend();
    const a = T.ones([2, 2], { requiresGrad: true });
    T.withBackend(counting, () => T.sum(T.matmul(a, a)).backward());
    expect(counting.calls.filter((c) => c === 'matmul')).toHaveLength(3); // forward + two gradients
    const before = counting.calls.length;
    T.matmul(a, a);
    expect(counting.calls.length).toBe(before); // restored afterwards
  });

  it('withBackend restores the previous backend even when fn throws', () => {
    const previous = T.getBackend();
    expect(() =>
      T.withBackend(new CountingBackend(), () => {
        throw new Error('inside');
      }),
    ).toThrow('inside');
    expect(T.getBackend()).toBe(previous);
  });

  it('registers new backends by name, replacing the instance on re-registration', () => {
    T.registerBackend('counting-test', () => new CountingBackend());
    const first = T.backendByName('counting-test');
    expect(first.name).toBe('counting');
    T.registerBackend('counting-test', () => new CountingBackend());
    expect(T.backendByName('counting-test')).not.toBe(first);
    const previous = T.getBackend();
    try {
      expect(T.setBackend('counting-test')).toBe(T.getBackend());
      T.add(T.ones([1]), T.ones([1]));
      expect((T.getBackend() as CountingBackend).calls).toEqual(['add']);
    } finally {
      T.setBackend(previous);
    }
  });
});

describe('reference kernels', () => {
  const k = new ReferenceBackend();
  const kernelCase = fc.record({ shape: shape(2, 4, 3), la: layout, lb: layout, seed });

  it('return new row-major views and never modify their inputs', () =>
    property(kernelCase, (c) => {
      const a = leaf(c.shape, { layout: c.la, seed: c.seed, low: 0.5, high: 2 }).hostView();
      const b = leaf(c.shape, { layout: c.lb, seed: c.seed + 1 }).hostView();
      const aData = Array.from(a.data);
      const bData = Array.from(b.data);
      const r = c.shape.length;
      const K = c.shape[r - 1]!;
      const square = leaf([K, K], { layout: c.lb, seed: c.seed + 2 }).hostView(); // b [..., M, K] @ [K, K]
      const img = leaf([1, 2, 4, 4], { layout: c.la, seed: c.seed + 3 }).hostView();
      const w = leaf([2, 2, 3, 3], { layout: c.lb, seed: c.seed + 4 }).hostView();
      const outputs = [
        k.unary('log', a),
        k.unary('pow', a, 1.5),
        k.binary('div', b, a),
        k.reduce('sum', a, [0]),
        k.reduce('max', b, [r - 1]),
        k.matmul(b, square),
        k.conv2d(img, w, null, { stride: [1, 1], padding: [1, 1] }),
        k.maxPool2d(img, { kernel: [2, 2], stride: [1, 1] }).out,
        k.avgPool2d(img, { kernel: [3, 3], stride: [1, 1] }),
      ];
      for (const out of outputs) {
        expect(isContiguous(out) && out.offset === 0).toBe(true);
        expect(out.data.length).toBe(out.shape.reduce((p, d) => p * d, 1));
        expect(out.data).not.toBe(a.data);
        expect(out.data).not.toBe(b.data);
      }
      expect(Array.from(a.data)).toEqual(aData);
      expect(Array.from(b.data)).toEqual(bData);
    }));

  it('contiguous() copies only what is not already row-major', () => {
    const v = T.tensor([1, 2, 3, 4, 5, 6], [2, 3]).hostView();
    expect(k.contiguous(v)).toBe(v);
    const t = v.transpose(1, 0);
    const c = k.contiguous(t);
    expect(c).not.toBe(t);
    expect(Array.from(c.data)).toEqual([1, 4, 2, 5, 3, 6]);
  });

  it('assign() writes through a strided destination', () => {
    const dst = T.zeros([3, 4]).hostView();
    k.assign(dst.step(1, 2), T.tensor([1, 2, 3, 4, 5, 6], [3, 2]).hostView());
    expect(Array.from(dst.data)).toEqual([1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0]);
    const filled = k.fill([2], 'float64', 3);
    expect(filled.data).toBeInstanceOf(Float64Array);
    expect(Array.from(filled.data)).toEqual([3, 3]);
  });
});
