/**
 * Gradients of the elementwise ops against central finite differences, on
 * random shapes with NumPy broadcasting and non-contiguous (transposed,
 * permuted, sliced) float64 inputs.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import { broadcastTriple, layout, seed, shape } from '../helpers/arbitraries.js';
import { expectGradcheck, property } from '../helpers/check.js';
import { leaf, type ValueOptions } from '../helpers/tensors.js';

const binaryCase = fc.record({
  shapes: broadcastTriple,
  layoutA: layout,
  layoutB: layout,
  seedA: seed,
  seedB: seed,
});
const unaryCase = fc.record({ shape: shape(0, 4, 3), layout, seed });

function checkBinary(op: (a: T.TensorLike, b: T.TensorLike) => T.Tensor, bValues: ValueOptions = {}): void {
  property(binaryCase, ({ shapes: [out, sa, sb], layoutA, layoutB, seedA, seedB }) => {
    const a = leaf(sa, { layout: layoutA, seed: seedA });
    const b = leaf(sb, { layout: layoutB, seed: seedB, ...bValues });
    expect(op(a, b).shape).toEqual(out);
    expectGradcheck((x, y) => op(x!, y!), [a, b]);
  });
}

function checkUnary(op: (x: T.Tensor) => T.Tensor, values: ValueOptions = {}): void {
  property(unaryCase, ({ shape: s, layout: l, seed: sd }) => {
    expectGradcheck((x) => op(x!), [leaf(s, { layout: l, seed: sd, ...values })]);
  });
}

describe('op add: gradient', () => {
  it('matches finite differences, broadcasting and strided', () => checkBinary(T.add));
  it('flows only to the tensor when one operand is a number', () =>
    checkUnary((x) => T.add(T.add(x, 3), T.add(-1.5, x))));
});

describe('op sub: gradient', () => {
  it('matches finite differences, broadcasting and strided', () => checkBinary(T.sub));
  it('with a number on either side', () => checkUnary((x) => T.mul(T.sub(x, 2), T.sub(0.5, x))));
});

describe('op mul: gradient', () => {
  it('matches finite differences, broadcasting and strided', () => checkBinary(T.mul));
  it('of x·x (one tensor used twice)', () => checkUnary((x) => T.mul(x, x)));
});

describe('op div: gradient', () => {
  it('matches finite differences, broadcasting and strided (|b| ≥ 0.5)', () =>
    checkBinary(T.div, { awayFromZero: 0.5 }));
  it('of a number divided by a tensor', () => checkUnary((x) => T.div(3, x), { awayFromZero: 0.5 }));
});

describe('op neg: gradient', () => {
  it('matches finite differences', () => checkUnary(T.neg));
});

describe('op exp: gradient', () => {
  it('matches finite differences', () => checkUnary(T.exp));
});

describe('op log: gradient', () => {
  it('matches finite differences on positive inputs', () => checkUnary(T.log, { low: 0.2, high: 3 }));
});

describe('op sqrt: gradient', () => {
  it('matches finite differences on positive inputs', () => checkUnary(T.sqrt, { low: 0.2, high: 3 }));
});

describe('op abs: gradient', () => {
  it('matches finite differences away from 0', () => checkUnary(T.abs, { awayFromZero: 0.1 }));
});

describe('op relu: gradient', () => {
  it('matches finite differences away from 0', () => checkUnary(T.relu, { awayFromZero: 0.1 }));
});

describe('op square: gradient', () => {
  it('matches finite differences', () => checkUnary(T.square));
});

describe('op pow: gradient', () => {
  const exponent = fc.oneof(
    fc.constantFrom(-1, 0, 0.5, 1, 2, 3),
    fc.double({ min: -2, max: 3, noNaN: true, noDefaultInfinity: true }),
  );
  it('matches finite differences for real exponents of positive bases', () =>
    property(fc.record({ c: unaryCase, p: exponent }), ({ c, p }) => {
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed, low: 0.3, high: 2 });
      expectGradcheck((t) => T.pow(t!, p), [x]);
    }));
  it('matches finite differences for integer exponents of signed bases', () =>
    property(fc.record({ c: unaryCase, p: fc.constantFrom(1, 2, 3) }), ({ c, p }) => {
      const x = leaf(c.shape, { layout: c.layout, seed: c.seed, awayFromZero: 0.2 });
      expectGradcheck((t) => T.pow(t!, p), [x]);
    }));
});

// The indicator ops have derivative 0 almost everywhere: no gradient may flow
// through them. x·sign(x) = |x| and x·step(x) = relu(x) then differentiate
// correctly only if sign and step pass nothing back.
describe('op sign: gradient', () => {
  it('is zero: x·sign(x) differentiates like |x|', () =>
    checkUnary((x) => T.mul(x, T.sign(x)), { awayFromZero: 0.1 }));
  it('gives −1, 0, 1', () => {
    expect(Array.from(T.sign(T.tensor([-2, 0, 3], [3])).toArray())).toEqual([-1, 0, 1]);
  });
});

describe('op step: gradient', () => {
  it('is zero: x·step(x) differentiates like relu(x)', () =>
    checkUnary((x) => T.mul(x, T.step(x)), { awayFromZero: 0.1 }));
  it('gives 1 where x > 0, else 0', () => {
    expect(Array.from(T.step(T.tensor([-2, 0, 3], [3])).toArray())).toEqual([0, 0, 1]);
  });
});

describe('op eq: gradient', () => {
  it('is zero: x + eq(x, c) differentiates like x', () =>
    property(unaryCase, ({ shape: s, layout: l, seed: sd }) => {
      const c = leaf(s, { seed: sd + 1, requiresGrad: false, low: 3, high: 4 }); // never equal to x
      expectGradcheck((x) => T.add(x!, T.eq(x!, c)), [leaf(s, { layout: l, seed: sd })]);
    }));
  it('gives 1 where equal, else 0, with broadcasting', () => {
    const a = T.tensor([1, 2, 3, 4], [2, 2]);
    expect(Array.from(T.eq(a, T.tensor([1, 4], [2])).toArray())).toEqual([1, 0, 0, 1]);
  });
});
