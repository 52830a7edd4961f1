/**
 * Bad input gets a clear error that names the op and the shapes at fault,
 * never a silently wrong answer.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { shape } from '../helpers/arbitraries.js';
import { property } from '../helpers/check.js';

const { ShapeError } = T;
const z = (s: number[], dtype: T.DType = 'float32') => T.zeros(s, { dtype });

/** Expects fn to throw a ShapeError whose message matches every pattern. */
function expectShapeError(fn: () => unknown, ...patterns: (string | RegExp)[]): void {
  let error: unknown = null;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error, 'expected a ShapeError').toBeInstanceOf(ShapeError);
  for (const p of patterns) expect((error as Error).message).toMatch(p);
}

describe('mismatched shapes', () => {
  it('matmul names both shapes', () => {
    expectShapeError(() => T.matmul(z([2, 3]), z([4, 5])), 'matmul: inner dimensions differ: [2,3] @ [4,5]');
    expectShapeError(
      () => T.matmul(z([3]), z([3, 2])),
      'matmul: both operands need at least 2 dimensions: [3] @ [3,2]',
    );
    expectShapeError(
      () => T.matmul(z([2, 2, 3]), z([3, 3, 2])),
      'matmul: batch dimensions cannot be broadcast: [2,2,3] @ [3,3,2]',
    );
  });

  it('elementwise ops name the op and both shapes', () => {
    for (const [name, op] of Object.entries({ add: T.add, sub: T.sub, mul: T.mul, div: T.div, eq: T.eq })) {
      expectShapeError(
        () => op(z([2, 3]), z([3, 2])),
        `${name}: shapes cannot be broadcast together: [2,3] and [3,2]`,
      );
    }
  });

  it('elementwise ops succeed exactly when NumPy broadcasting allows, with the broadcast shape', () =>
    property(
      fc.tuple(shape(0, 3, 3), shape(0, 3, 3)),
      ([a, b]) => {
        const rank = Math.max(a.length, b.length);
        const at = (s: number[], i: number) => s[s.length - rank + i] ?? 1;
        const compatible = Array.from(
          { length: rank },
          (_, i) => at(a, i) === at(b, i) || at(a, i) === 1 || at(b, i) === 1,
        );
        if (compatible.every(Boolean)) {
          const out = Array.from({ length: rank }, (_, i) => Math.max(at(a, i), at(b, i)));
          expect(T.mul(z(a), z(b)).shape).toEqual(out);
        } else {
          expectShapeError(() => T.mul(z(a), z(b)), `[${a.join(',')}] and [${b.join(',')}]`);
        }
      },
      50,
    ));

  it('matmul succeeds exactly when inner sizes agree', () =>
    property(
      fc.tuple(shape(2, 3, 3), shape(2, 3, 3)),
      ([a, b]) => {
        const ok = a[a.length - 1] === b[b.length - 2];
        const batchOk = (() => {
          try {
            T.broadcastShapes('x', a.slice(0, -2), b.slice(0, -2));
            return true;
          } catch {
            return false;
          }
        })();
        if (ok && batchOk)
          expect(T.matmul(z(a), z(b)).shape.slice(-2)).toEqual([a[a.length - 2], b[b.length - 1]]);
        else expectShapeError(() => T.matmul(z(a), z(b)), /^matmul: /, `[${a.join(',')}] @ [${b.join(',')}]`);
      },
      50,
    ));

  it('concat names the differing shapes', () => {
    expectShapeError(
      () => T.concat([z([2, 3]), z([3, 3])], 1),
      'concat: shapes differ off axis 1: [2,3] and [3,3]',
    );
    expectShapeError(() => T.concat([z([2, 3]), z([2, 3, 1])]), /concat: shapes differ/);
    expectShapeError(() => T.concat([]), 'concat: no tensors given');
  });

  it('expand names both shapes', () => {
    expectShapeError(() => T.expand(z([2, 3]), [3, 3]), 'expand: cannot expand [2,3] to [3,3]');
    expectShapeError(() => T.expand(z([2, 3]), [3]), 'expand: cannot expand [2,3] to [3]');
  });
});

describe('negative or non-integer sizes', () => {
  it('are refused by every constructor', () => {
    const rng = new T.Rng(0);
    for (const bad of [[2, -1], [2.5], [NaN]]) {
      expectShapeError(() => T.zeros(bad), /sizes must be non-negative integers/);
      expectShapeError(() => T.ones(bad), /sizes must be non-negative integers/);
      expectShapeError(() => T.full(bad, 1), /full: sizes must be non-negative integers/);
      expectShapeError(() => T.tensor([], bad), /tensor: sizes must be non-negative integers/);
      expectShapeError(() => T.fromArray(new Float32Array(0), bad), /fromArray: sizes must be/);
      expectShapeError(() => T.randUniform(bad, rng), /randUniform: sizes must be/);
      expectShapeError(() => T.randNormal(bad, rng), /randNormal: sizes must be/);
      expectShapeError(() => T.expand(z([1]), bad.slice(-1)), /expand: sizes must be non-negative integers/);
    }
    expectShapeError(() => T.arange(-1), /sizes must be non-negative integers/);
  });

  it('in reshape targets', () => {
    expectShapeError(
      () => T.reshape(z([2, 3]), [4, 2]),
      'reshape: cannot reshape [2,3] (6 elements) to [4,2]',
    );
    expectShapeError(() => T.reshape(z([2, 3]), [-1, -1]), 'reshape: only one size may be -1, got [-1,-1]');
    expectShapeError(
      () => T.reshape(z([2, 3]), [-2, -3]),
      /reshape: sizes must be non-negative integers or -1/,
    );
    expectShapeError(
      () => T.reshape(z([2, 3]), [2.5, 2]),
      /reshape: sizes must be non-negative integers or -1/,
    );
    expectShapeError(
      () => T.reshape(z([2, 3]), [4, -1]),
      'reshape: cannot reshape [2,3] (6 elements) to [4,-1]',
    );
  });

  it('in padding', () => {
    expectShapeError(
      () => T.pad(z([2, 3]), [1, -1], [0, 0]),
      /pad: padding sizes must be non-negative integers/,
    );
    expectShapeError(
      () => T.pad(z([2, 3]), [0.5, 0], [0, 0]),
      /pad: padding sizes must be non-negative integers/,
    );
    expectShapeError(
      () => T.pad(z([2, 3]), [1], [1]),
      'pad: need 2 padding sizes before and after for [2,3]',
    );
  });
});

describe('conv2d and pooling', () => {
  it('refuses a kernel larger than the padded input', () => {
    expectShapeError(
      () => T.conv2d(z([1, 1, 2, 2]), z([1, 1, 5, 5])),
      'conv2d: kernel 5x5 is larger than the padded input 2x2 (input [1,1,2,2])',
    );
    expectShapeError(
      () => T.conv2d(z([1, 1, 2, 2]), z([1, 1, 5, 5]), null, { padding: 1 }),
      /padded input 4x4/,
    );
    expect(T.conv2d(z([1, 1, 2, 2]), z([1, 1, 5, 5]), null, { padding: [2, 2] }).shape).toEqual([1, 1, 2, 2]);
  });

  it('names channel mismatches, bad ranks, bad bias, stride and padding', () => {
    expectShapeError(
      () => T.conv2d(z([1, 2, 4, 4]), z([1, 3, 3, 3])),
      'conv2d: input has 2 channels but weight expects 3: [1,2,4,4] and [1,3,3,3]',
    );
    expectShapeError(
      () => T.conv2d(z([2, 4, 4]), z([1, 2, 3, 3])),
      'conv2d: input must be [N,C,H,W], got [2,4,4]',
    );
    expectShapeError(
      () => T.conv2d(z([1, 2, 4, 4]), z([2, 3, 3])),
      'conv2d: weight must be [O,C,KH,KW], got [2,3,3]',
    );
    expectShapeError(
      () => T.conv2d(z([1, 1, 4, 4]), z([2, 1, 3, 3]), z([3])),
      'conv2d: bias must be [2], got [3]',
    );
    expectShapeError(() => T.conv2d(z([1, 1, 4, 4]), z([2, 1, 0, 0])), /conv2d: kernel must be at least 1x1/);
    expectShapeError(
      () => T.conv2d(z([1, 1, 4, 4]), z([1, 1, 3, 3]), null, { stride: 0 }),
      /conv2d: stride must be at least 1/,
    );
    expectShapeError(
      () => T.conv2d(z([1, 1, 4, 4]), z([1, 1, 3, 3]), null, { padding: -1 }),
      /conv2d: stride and padding/,
    );
    expectShapeError(
      () => T.conv2d(z([1, 1, 4, 4]), z([1, 1, 3, 3]), null, { stride: 1.5 }),
      /conv2d: stride and padding/,
    );
  });

  it('pooling refuses a window larger than the input, bad strides and bad ranks', () => {
    for (const [name, pool] of Object.entries({ maxPool2d: T.maxPool2d, avgPool2d: T.avgPool2d })) {
      expectShapeError(
        () => pool(z([1, 1, 2, 2]), { kernel: 3 }),
        `${name}: kernel 3x3 is larger than the input [1,1,2,2]`,
      );
      expectShapeError(
        () => pool(z([1, 1, 4, 4]), { kernel: 2, stride: 0 }),
        `${name}: kernel and stride must be positive integers`,
      );
      expectShapeError(
        () => pool(z([1, 1, 4, 4]), { kernel: 1.5 }),
        `${name}: kernel and stride must be positive integers`,
      );
      expectShapeError(() => pool(z([4, 4]), { kernel: 2 }), `${name}: input must be [N,C,H,W], got [4,4]`);
    }
    expectShapeError(() => T.globalAvgPool(z([2, 3])), 'globalAvgPool: input must be [N,C,H,W], got [2,3]');
  });
});

describe('backward', () => {
  it('on a non-scalar without a gradient says what to do', () => {
    const y = T.mul(T.ones([2, 3], { requiresGrad: true }), 2);
    expectShapeError(
      () => y.backward(),
      'backward: the output has shape [2,3]; pass its gradient, or call backward on a scalar',
    );
  });
  it('refuses a gradient of the wrong shape or dtype', () => {
    const y = T.mul(T.ones([2], { requiresGrad: true }), 2);
    expectShapeError(
      () => y.backward(z([3])),
      'backward: gradient [3] float32 does not match output [2] float32',
    );
    expectShapeError(
      () => y.backward(z([2], 'float64')),
      'backward: gradient [2] float64 does not match output [2] float32',
    );
  });
  it('refuses a tensor that does not require grad', () => {
    expect(() => T.sum(T.ones([2])).backward()).toThrow(/backward: the tensor does not require grad/);
  });
});

describe('mixed dtypes', () => {
  it('are refused by every op with more than one tensor input', () => {
    const a = z([2, 2]);
    const b = z([2, 2], 'float64');
    for (const [name, op] of Object.entries({
      add: T.add,
      sub: T.sub,
      mul: T.mul,
      div: T.div,
      eq: T.eq,
      matmul: T.matmul,
    })) {
      expectShapeError(() => op(a, b), `${name}: dtypes differ: float32 and float64`);
    }
    expectShapeError(() => T.concat([a, b]), 'concat: dtypes differ: float32 and float64');
    expectShapeError(() => T.conv2d(z([1, 1, 2, 2]), z([1, 1, 1, 1], 'float64')), 'conv2d: dtypes differ');
    expectShapeError(() => T.conv2d(z([1, 1, 2, 2]), z([1, 1, 1, 1]), z([1], 'float64')), /dtypes differ/);
  });
});

describe('bad axes', () => {
  it('in reductions name the op and the axis', () => {
    for (const [name, op] of Object.entries({ sum: T.sum, mean: T.mean, max: T.max })) {
      expectShapeError(() => op(z([2, 3]), 2), `${name}: axis 2 is out of range for a tensor of rank 2`);
      expectShapeError(() => op(z([2, 3]), -3), `${name}: axis -3 is out of range for a tensor of rank 2`);
      expectShapeError(() => op(z([2, 3]), 0.5), `${name}: axis 0.5 is out of range`);
      expectShapeError(() => op(z([2, 3]), [0, -2]), `${name}: axis -2 is repeated`);
    }
    expectShapeError(
      () => T.logSoftmax(z([2, 3]), 5),
      'logSoftmax: axis 5 is out of range for a tensor of rank 2',
    );
    expect(() => T.max(z([0, 2]), 0)).toThrow(/max: cannot reduce an empty axis of \[0,2\]/);
  });

  it('in permute, transpose and concat', () => {
    expectShapeError(
      () => T.permute(z([2, 3]), [0, 0]),
      'permute: [0,0] is not a permutation of the axes of [2,3]',
    );
    expectShapeError(
      () => T.permute(z([2, 3]), [0]),
      'permute: [0] is not a permutation of the axes of [2,3]',
    );
    expectShapeError(() => T.permute(z([2, 3]), [0, 2]), /permute: \[0,2\] is not a permutation/);
    expectShapeError(() => T.transpose(z([2, 3]), 0, 3), 'transpose: axes 0, 3 are out of range for [2,3]');
    expectShapeError(() => T.transpose(z([2])), 'transpose: axes -2, -1 are out of range for [2]');
    expectShapeError(() => T.concat([z([2, 3])], 2), 'concat: axis 2 is out of range for rank 2');
  });
});

describe('bad slices', () => {
  it('name the range, the axis and the shape', () => {
    expectShapeError(
      () => T.slice(z([2, 3]), [[0, 5]]),
      'slice: range [0,5] is out of bounds for axis 0 of [2,3]',
    );
    expectShapeError(
      () => T.slice(z([2, 3]), [null, [2, 1]]),
      'slice: range [2,1] is out of bounds for axis 1 of [2,3]',
    );
    expectShapeError(
      () => T.slice(z([2, 3]), [[-5, 1]]),
      /slice: range \[-5,1\] is out of bounds for axis 0/,
    );
    expectShapeError(
      () => T.slice(z([2, 3]), [[0, 2, 0]]),
      'slice: range [0,2,0] on axis 0 must be integers with step ≥ 1',
    );
    expectShapeError(() => T.slice(z([2, 3]), [[0, 2, -1]]), /step ≥ 1/);
    expectShapeError(
      () => T.slice(z([2, 3]), [[0.5, 1]]),
      /slice: range \[0.5,1\] on axis 0 must be integers/,
    );
    expectShapeError(
      () => T.slice(z([2, 3]), [null, null, null]),
      'slice: 3 ranges for a tensor of shape [2,3]',
    );
  });
});

describe('values that do not fill the shape', () => {
  it('tensor() and fromArray() count the values', () => {
    expectShapeError(
      () => T.tensor([1, 2, 3], [2, 2]),
      'tensor: 3 values do not fill shape [2,2] (4 elements)',
    );
    expectShapeError(
      () => T.tensor([1, 2, 3, 4, 5], [2, 2]),
      'tensor: 5 values do not fill shape [2,2] (4 elements)',
    );
    expectShapeError(
      () => T.fromArray(new Float64Array(5), [2, 2]),
      'fromArray: 5 values do not fill shape [2,2]',
    );
    expectShapeError(() => T.ones([2]).item(), 'item: tensor has 2 elements, shape [2]');
  });

  it('crossEntropy checks its labels', () => {
    expectShapeError(
      () => T.crossEntropy(z([2, 3]), [0]),
      'crossEntropy: logits [2,3] do not match 1 labels',
    );
    expectShapeError(
      () => T.crossEntropy(z([2, 3]), [0, 3]),
      'oneHot: label 3 at index 1 is not an integer in [0, 3)',
    );
    expectShapeError(() => T.crossEntropy(z([2, 3]), [0, 1.5]), /oneHot: label 1.5 at index 1/);
  });

  it('pow refuses a non-finite exponent, and two numbers are not a tensor op', () => {
    expect(() => T.pow(T.ones([2]), NaN)).toThrow('pow: exponent must be a finite number, got NaN');
    expect(() => T.add(1 as unknown as T.Tensor, 2)).toThrow('add: at least one operand must be a Tensor');
  });
});
