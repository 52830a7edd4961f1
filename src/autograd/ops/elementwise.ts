/**
 * Elementwise ops: arithmetic with NumPy broadcasting, and functions of one
 * argument. Each op's forward and backward stand side by side; gradients of
 * broadcast inputs are summed back to their shapes by the engine.
 */
import { defineOp, type Binary, type OpFn, type Unary } from '../engine.js';
import { broadcastShapes } from '../../tensor/shape.js';
import { scalar, Tensor } from '../../tensor/tensor.js';

/** A tensor, or a number that is lifted to a 0-d tensor of the other operand's dtype. */
export type TensorLike = Tensor | number;

function lift(op: string, a: TensorLike, b: TensorLike): [Tensor, Tensor] {
  if (typeof a === 'number' && typeof b === 'number')
    throw new Error(`${op}: at least one operand must be a Tensor`);
  const like = (typeof a === 'number' ? b : a) as Tensor;
  const ta = typeof a === 'number' ? scalar(a, { dtype: like.dtype }) : a;
  const tb = typeof b === 'number' ? scalar(b, { dtype: like.dtype }) : b;
  return [ta, tb];
}

const checkBroadcast =
  (op: string) =>
  ([a, b]: Binary): void => {
    broadcastShapes(op, a.shape, b.shape);
  };

// ---------------------------------------------------------------- binary ops

/** y = a + b.  ∂L/∂a = g, ∂L/∂b = g. */
const addOp = defineOp<Binary>('add', {
  check: checkBroadcast('add'),
  forward: (k, [a, b]) => k.binary('add', a, b),
  backward: (g) => [g, g],
});
export const add = (a: TensorLike, b: TensorLike): Tensor => addOp(lift('add', a, b), undefined);

/** y = a − b.  ∂L/∂a = g, ∂L/∂b = −g. */
const subOp = defineOp<Binary>('sub', {
  check: checkBroadcast('sub'),
  forward: (k, [a, b]) => k.binary('sub', a, b),
  backward: (g) => [g, neg(g)],
});
export const sub = (a: TensorLike, b: TensorLike): Tensor => subOp(lift('sub', a, b), undefined);

/** y = a · b.  ∂L/∂a = g·b, ∂L/∂b = g·a. */
const mulOp = defineOp<Binary>('mul', {
  check: checkBroadcast('mul'),
  forward: (k, [a, b]) => k.binary('mul', a, b),
  backward: (g, [a, b]) => [mul(g, b), mul(g, a)],
});
export const mul = (a: TensorLike, b: TensorLike): Tensor => mulOp(lift('mul', a, b), undefined);

/** y = a / b.  ∂L/∂a = g/b, ∂L/∂b = −g·a/b² = −g·y/b. */
const divOp = defineOp<Binary>('div', {
  check: checkBroadcast('div'),
  forward: (k, [a, b]) => k.binary('div', a, b),
  backward: (g, [, b], _attrs, y) => [div(g, b), neg(div(mul(g, y), b))],
});
export const div = (a: TensorLike, b: TensorLike): Tensor => divOp(lift('div', a, b), undefined);

/** y = 1 where a = b, else 0. Not differentiable (no gradient flows). */
const eqOp = defineOp<Binary>('eq', {
  check: checkBroadcast('eq'),
  forward: (k, [a, b]) => k.binary('eq', a, b),
  backward: () => [null, null],
});
export const eq = (a: TensorLike, b: TensorLike): Tensor => eqOp(lift('eq', a, b), undefined);

// ----------------------------------------------------------------- unary ops

/** y = −x.  ∂L/∂x = −g. */
const negOp = defineOp<Unary>('neg', {
  forward: (k, [x]) => k.unary('neg', x),
  backward: (g) => [neg(g)],
});
export const neg = (x: Tensor): Tensor => negOp([x], undefined);

/** y = eˣ.  ∂L/∂x = g·y. */
const expOp = defineOp<Unary>('exp', {
  forward: (k, [x]) => k.unary('exp', x),
  backward: (g, _x, _a, y) => [mul(g, y)],
});
export const exp = (x: Tensor): Tensor => expOp([x], undefined);

/** y = ln x.  ∂L/∂x = g/x. */
const logOp = defineOp<Unary>('log', {
  forward: (k, [x]) => k.unary('log', x),
  backward: (g, [x]) => [div(g, x)],
});
export const log = (x: Tensor): Tensor => logOp([x], undefined);

/** y = √x.  ∂L/∂x = g/(2y). */
const sqrtOp = defineOp<Unary>('sqrt', {
  forward: (k, [x]) => k.unary('sqrt', x),
  backward: (g, _x, _a, y) => [div(g, mul(y, 2))],
});
export const sqrt = (x: Tensor): Tensor => sqrtOp([x], undefined);

/** y = |x|.  ∂L/∂x = g·sign(x) (0 at x = 0). */
const absOp = defineOp<Unary>('abs', {
  forward: (k, [x]) => k.unary('abs', x),
  backward: (g, [x]) => [mul(g, sign(x))],
});
export const abs = (x: Tensor): Tensor => absOp([x], undefined);

/** y = max(x, 0).  ∂L/∂x = g·[x > 0]. */
const reluOp = defineOp<Unary>('relu', {
  forward: (k, [x]) => k.unary('relu', x),
  backward: (g, [x]) => [reluGradOp([g, x], undefined)],
});
export const relu = (x: Tensor): Tensor => reluOp([x], undefined);

/**
 * g·[x > 0], relu's backward in one kernel (the same values as mul(g, step(x))).
 * Linear in g: ∂/∂g = G·[x > 0]; ∂/∂x = 0 almost everywhere (no gradient flows).
 */
const reluGradOp: OpFn<Binary, undefined> = defineOp<Binary>('reluGrad', {
  forward: (k, [g, x]) => k.reluBackward(g, x),
  backward: (G, [, x]) => [reluGradOp([G, x], undefined), null],
});
/** g·[x > 0]: relu's backward (x may be relu's input or its output: both are > 0 at the same places). */
export const reluGrad = (g: Tensor, x: Tensor): Tensor => reluGradOp([g, x], undefined);

/** y = x².  ∂L/∂x = 2·g·x. */
const squareOp = defineOp<Unary>('square', {
  forward: (k, [x]) => k.unary('square', x),
  backward: (g, [x]) => [mul(g, mul(x, 2))],
});
export const square = (x: Tensor): Tensor => squareOp([x], undefined);

/** y = xᵖ for a constant p.  ∂L/∂x = g·p·xᵖ⁻¹. */
const powOp = defineOp<Unary, { exponent: number }>('pow', {
  check: (_x, { exponent }) => {
    if (!Number.isFinite(exponent)) throw new Error(`pow: exponent must be a finite number, got ${exponent}`);
  },
  forward: (k, [x], { exponent }) => k.unary('pow', x, exponent),
  backward: (g, [x], { exponent }) => [mul(g, mul(pow(x, exponent - 1), exponent))],
});
export const pow = (x: Tensor, exponent: number): Tensor => powOp([x], { exponent });

/** y = sign(x) ∈ {−1, 0, 1}. Not differentiable. */
const signOp = defineOp<Unary>('sign', {
  forward: (k, [x]) => k.unary('sign', x),
  backward: () => [null],
});
export const sign = (x: Tensor): Tensor => signOp([x], undefined);

/** y = [x > 0] ∈ {0, 1}, the derivative of relu. Not differentiable. */
const stepOp = defineOp<Unary>('step', {
  forward: (k, [x]) => k.unary('step', x),
  backward: () => [null],
});
export const step = (x: Tensor): Tensor => stepOp([x], undefined);
