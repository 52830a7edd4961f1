/** The layers compute what they say, and their gradients check out numerically. */
import { describe, expect, it } from 'vitest';
import {
  Conv2d,
  Flatten,
  GlobalAvgPool,
  gradcheck,
  Linear,
  MaxPool2d,
  randNormal,
  ReLU,
  Rng,
  Sequential,
  tensor,
} from '../../src/index.js';

const f64 = { dtype: 'float64' as const };

describe('layers', () => {
  it('Linear: y = x·Wᵀ + b', () => {
    const layer = new Linear(3, 2, { rng: new Rng(1), ...f64 });
    const x = tensor([1, 2, 3, -1, 0, 4], [2, 3], f64);
    const W = layer.weight.toArray();
    const b = layer.bias!.toArray();
    const y = layer.forward(x).toArray();
    const xs = x.toArray();
    for (let n = 0; n < 2; n++)
      for (let o = 0; o < 2; o++) {
        let s = b[o]!;
        for (let i = 0; i < 3; i++) s += W[o * 3 + i]! * xs[n * 3 + i]!;
        expect(y[n * 2 + o]).toBeCloseTo(s, 14);
      }
    expect(() => layer.forward(tensor([1, 2], [1, 2], f64))).toThrow(/expected input \[B,3\]/);
  });

  it('Conv2d with padding keeps the size; a 1x1 input through a 3x3 pad-1 conv sees only the centre tap', () => {
    const conv = new Conv2d(2, 3, 3, { rng: new Rng(2), padding: 1, ...f64 });
    expect(conv.forward(randNormal([2, 2, 5, 7], new Rng(3), 0, 1, f64)).shape).toEqual([2, 3, 5, 7]);
    const x = tensor([2, -1], [1, 2, 1, 1], f64);
    const W = conv.weight.toArray();
    const y = conv.forward(x).toArray();
    for (let o = 0; o < 3; o++) {
      const centre = (c: number) => W[((o * 2 + c) * 3 + 1) * 3 + 1]!;
      expect(y[o]).toBeCloseTo(conv.bias!.toArray()[o]! + 2 * centre(0) - centre(1), 14);
    }
  });

  it('gradients of Linear and Conv2d parameters match finite differences', () => {
    const lin = new Linear(4, 3, { rng: new Rng(4), ...f64 });
    const x = randNormal([5, 4], new Rng(5), 0, 1, f64);
    expect(gradcheck((w, b) => x.matmul(w.transpose()).add(b), [lin.weight, lin.bias!]).ok).toBe(true);
    const conv = new Conv2d(2, 2, 3, { rng: new Rng(6), padding: 1, ...f64 });
    const img = randNormal([2, 2, 4, 4], new Rng(7), 0, 1, f64);
    const block = new Sequential(conv, new ReLU(), new MaxPool2d(2), new GlobalAvgPool());
    expect(gradcheck(() => block.forward(img), [conv.weight, conv.bias!]).ok).toBe(true);
  });

  it('pooling and flatten shapes', () => {
    const x = randNormal([2, 3, 7, 6], new Rng(8));
    expect(new MaxPool2d(2).forward(x).shape).toEqual([2, 3, 3, 3]);
    expect(new GlobalAvgPool().forward(x).shape).toEqual([2, 3]);
    expect(new Flatten().forward(x).shape).toEqual([2, 126]);
    expect(new ReLU().forward(tensor([-1, 2], [2])).toArray()).toEqual(new Float32Array([0, 2]));
  });
});
