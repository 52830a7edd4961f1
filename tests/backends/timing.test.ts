/** TimingBackend: delegates every kernel unchanged and counts calls and time per kernel. */
import { describe, expect, it } from 'vitest';
import { Rng, randUniform } from '../../src/index.js';
import { copyToArray } from '../../src/tensor/view.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { HEAVY_KERNELS, TimingBackend } from '../../src/tensor/backends/timing.js';

/** A reference backend whose matmul takes at least `ms` milliseconds. */
class SlowMatmul extends ReferenceBackend {
  constructor(private readonly ms: number) {
    super();
  }
  override matmul(...args: Parameters<ReferenceBackend['matmul']>) {
    const start = performance.now();
    while (performance.now() - start < this.ms);
    return super.matmul(...args);
  }
}

describe('TimingBackend', () => {
  it('returns what the inner backend returns, and counts calls per kernel', () => {
    const rng = new Rng(1);
    const inner = new ReferenceBackend();
    const timed = new TimingBackend(inner);
    const a = randUniform([3, 4], rng).hostView();
    const b = randUniform([4, 2], rng).hostView();
    expect(Array.from(copyToArray(timed.matmul(a, b)))).toEqual(Array.from(inner.matmul(a, b).data));
    timed.matmul(a, b);
    expect(Array.from(copyToArray(timed.unary('exp', a)))).toEqual(Array.from(inner.unary('exp', a).data));
    const dst = inner.fill([3, 4], 'float32', 0);
    timed.assign(dst, a);
    expect(Array.from(dst.data)).toEqual(Array.from(a.data));
    const report = timed.report();
    expect(report.matmul?.calls).toBe(2);
    expect(report.unary?.calls).toBe(1);
    expect(report.assign?.calls).toBe(1);
    expect(report.conv2d).toBeUndefined();
    expect(timed.name).toBe('timed(reference)');
    timed.reset();
    expect(timed.report()).toEqual({});
  });

  it('attributes time to the kernel that spent it', () => {
    const rng = new Rng(2);
    const timed = new TimingBackend(new SlowMatmul(20));
    const a = randUniform([2, 2], rng).hostView();
    timed.matmul(a, a);
    timed.unary('neg', a);
    expect(timed.totalMs(['matmul'])).toBeGreaterThanOrEqual(20);
    expect(timed.totalMs(['unary'])).toBeLessThan(20);
    expect(timed.totalMs()).toBeCloseTo(timed.totalMs(['matmul']) + timed.totalMs(['unary']), 9);
    expect(timed.totalMs(HEAVY_KERNELS)).toBe(timed.totalMs(['matmul']));
  });

  it('counts a call that throws', () => {
    const timed = new TimingBackend(new ReferenceBackend());
    const rng = new Rng(3);
    // Batch axes 2 and 3 do not broadcast.
    expect(() =>
      timed.matmul(randUniform([2, 1, 1], rng).hostView(), randUniform([3, 1, 1], rng).view),
    ).toThrow();
    expect(timed.report().matmul?.calls).toBe(1);
  });
});
