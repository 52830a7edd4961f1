/**
 * 2-D convolution (cross-correlation, as in PyTorch), NCHW layout:
 *   y[n,o,oh,ow] = b[o] + Σ_{c,kh,kw} x[n, c, oh·s − p + kh, ow·s − p + kw] · w[o,c,kh,kw]
 *
 * Its two gradients are ops of their own, so that every backend runs them
 * with its own kernel and they are differentiable in turn (each is linear in
 * both arguments, and the three ops are adjoint to one another).
 */
import { defineOp, type Binary, type OpFn } from '../engine.js';
import type { Conv2dParams } from '../../tensor/backend.js';
import { formatShape, ShapeError, sizeOf, windowOutputSize } from '../../tensor/shape.js';
import type { Tensor } from '../../tensor/tensor.js';

/** conv2d's inputs: x, w and an optional bias b. */
type ConvInputs = [x: Tensor, w: Tensor, b?: Tensor];
import { add, reluGrad } from './elementwise.js';
import { sum } from './reduce.js';
import { reshape, slice } from './shape-ops.js';

export interface Conv2dOptions {
  stride?: number | readonly [number, number];
  padding?: number | readonly [number, number];
}

const pair = (v: number | readonly [number, number]): [number, number] =>
  typeof v === 'number' ? [v, v] : [v[0], v[1]];

function checkConv(x: readonly number[], w: readonly number[], p: Conv2dParams): void {
  if (x.length !== 4) throw new ShapeError(`conv2d: input must be [N,C,H,W], got ${formatShape(x)}`);
  if (w.length !== 4) throw new ShapeError(`conv2d: weight must be [O,C,KH,KW], got ${formatShape(w)}`);
  if (x[1] !== w[1]) {
    throw new ShapeError(
      `conv2d: input has ${x[1]} channels but weight expects ${w[1]}: ${formatShape(x)} and ${formatShape(w)}`,
    );
  }
  for (const v of [...p.stride, ...p.padding]) {
    if (!Number.isInteger(v) || v < 0)
      throw new ShapeError(`conv2d: stride and padding must be non-negative integers`);
  }
  if (p.stride[0] < 1 || p.stride[1] < 1) throw new ShapeError(`conv2d: stride must be at least 1`);
  if (w[2]! < 1 || w[3]! < 1)
    throw new ShapeError(`conv2d: kernel must be at least 1x1, got ${formatShape(w)}`);
  const ph = x[2]! + 2 * p.padding[0];
  const pw = x[3]! + 2 * p.padding[1];
  if (w[2]! > ph || w[3]! > pw) {
    throw new ShapeError(
      `conv2d: kernel ${w[2]}x${w[3]} is larger than the padded input ${ph}x${pw} (input ${formatShape(x)})`,
    );
  }
}

/**
 * y = conv2d(x, w) (+ b), the bias fused into the kernel's output pass.
 * ∂L/∂x = conv2dInputGrad(g, w), ∂L/∂w = conv2dWeightGrad(x, g), ∂L/∂b = Σ_{n,oh,ow} g.
 * A gradient is only computed for an input that needs one: in layer-local
 * training a block's input is detached, and its ∂L/∂x would be a quarter of the work.
 */
const conv2dOp: OpFn<ConvInputs, Conv2dParams> = defineOp<ConvInputs, Conv2dParams>('conv2d', {
  check: ([x, w], p) => checkConv(x.shape, w.shape, p),
  forward: (k, [x, w, b], p) => k.conv2d(x, w, b ?? null, p),
  backward: (g, [x, w, b], p) => {
    const gx = x.requiresGrad ? conv2dInputGrad(g, w, x.shape, p) : null;
    const gw = w.requiresGrad ? conv2dWeightGrad(x, g, w.shape, p) : null;
    return b ? [gx, gw, sum(g, [0, 2, 3])] : [gx, gw];
  },
});

/**
 * ∂L/∂x of conv2d: the transposed convolution of g with w.
 * As a function of (g, w) its own gradients are: ∂/∂g = conv2d(G, w), ∂/∂w = conv2dWeightGrad(G, g).
 */
const conv2dInputGradOp = defineOp<Binary, Conv2dParams & { xShape: readonly number[] }>('conv2dInputGrad', {
  forward: (k, [g, w], { xShape, ...p }) => k.conv2dBackwardInput(g, w, xShape, p),
  backward: (G, [g, w], { stride, padding }) => [
    conv2dOp([G, w], { stride, padding }),
    conv2dWeightGrad(G, g, w.shape, { stride, padding }),
  ],
});

/**
 * ∂L/∂w of conv2d: the correlation of x with g.
 * As a function of (x, g) its own gradients are: ∂/∂x = conv2dInputGrad(g, G), ∂/∂g = conv2d(x, G).
 */
const conv2dWeightGradOp = defineOp<Binary, Conv2dParams & { wShape: readonly number[] }>(
  'conv2dWeightGrad',
  {
    forward: (k, [x, g], { wShape, ...p }) => k.conv2dBackwardWeight(x, g, wShape, p),
    backward: (G, [x, g], { stride, padding }) => [
      conv2dInputGrad(g, G, x.shape, { stride, padding }),
      conv2dOp([x, G], { stride, padding }),
    ],
  },
);

/**
 * y = relu(conv2d(x, w) + b) as one op: the ReLU is applied as the convolution
 * writes its output, and the backward masks ∂L/∂y once, inside the kernel
 * that computes ∂L/∂w and ∂L/∂b (Backend.conv2dReluBackwardParams). The
 * values and gradients are those of relu(conv2d(x, w, b)); only the passes
 * over the largest tensors of a VGG block are fewer.
 * With the mask m = [y > 0] (the same as [conv2d(x, w) + b > 0]):
 *   ∂L/∂x = conv2dInputGrad(g·m, w),  ∂L/∂w = conv2dWeightGrad(x, g·m),  ∂L/∂b = Σ_{n,oh,ow} g·m.
 */
const conv2dReluOp: OpFn<ConvInputs, Conv2dParams> = defineOp<ConvInputs, Conv2dParams>('conv2dRelu', {
  check: ([x, w], p) => checkConv(x.shape, w.shape, p),
  forward: (k, [x, w, b], p) => k.conv2d(x, w, b ?? null, p, true),
  backward: (g, [x, w, b], p, y) => {
    const weights = w.size;
    const params = w.requiresGrad || b?.requiresGrad ? conv2dReluParamGrad(x, g, y, w.shape, p) : null;
    const gx = x.requiresGrad ? conv2dInputGrad(reluGrad(g, y), w, x.shape, p) : null;
    const gw = params ? reshape(slice(params, [[0, weights]]), w.shape) : null;
    return b ? [gx, gw, params ? slice(params, [[weights, weights + b.size]]) : null] : [gx, gw];
  },
});

/**
 * [∂L/∂w flattened, ∂L/∂b] of relu(conv2d(x, w) + b) from x, g = ∂L/∂y and y, in one kernel
 * (Backend.conv2dReluBackwardParams). With m = [y > 0] and the output split as
 * [G_w, G_b], its own gradients are: ∂/∂g = (conv2d(x, G_w) + G_b)·m, ∂/∂x =
 * conv2dInputGrad(g·m, G_w), and none to y (m is flat almost everywhere).
 */
const conv2dReluParamGradOp = defineOp<
  [x: Tensor, g: Tensor, y: Tensor],
  Conv2dParams & { wShape: readonly number[] }
>('conv2dReluParamGrad', {
  forward: (k, [x, g, y], { wShape, ...p }) => k.conv2dReluBackwardParams(x, g, y, wShape, p),
  backward: (G, [x, g, y], { wShape, stride, padding }) => {
    const weights = sizeOf(wShape);
    const Gw = reshape(slice(G, [[0, weights]]), wShape);
    const Gb = slice(G, [[weights, weights + wShape[0]!]]);
    const p = { stride, padding };
    return [
      conv2dInputGrad(reluGrad(g, y), Gw, x.shape, p),
      reluGrad(add(conv2dOp([x, Gw], p), reshape(Gb, [wShape[0]!, 1, 1])), y),
      null,
    ];
  },
});

function conv2dReluParamGrad(
  x: Tensor,
  g: Tensor,
  y: Tensor,
  wShape: readonly number[],
  p: Conv2dParams,
): Tensor {
  return conv2dReluParamGradOp([x, g, y], { stride: p.stride, padding: p.padding, wShape });
}

function conv2dInputGrad(g: Tensor, w: Tensor, xShape: readonly number[], p: Conv2dParams): Tensor {
  return conv2dInputGradOp([g, w], { stride: p.stride, padding: p.padding, xShape });
}

function conv2dWeightGrad(x: Tensor, g: Tensor, wShape: readonly number[], p: Conv2dParams): Tensor {
  return conv2dWeightGradOp([x, g], { stride: p.stride, padding: p.padding, wShape });
}

/** The kernel parameters of conv2d/conv2dRelu's options, after checking the bias against w. */
function convParams(op: string, w: Tensor, b: Tensor | null, opts: Conv2dOptions): Conv2dParams {
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) {
    throw new ShapeError(`${op}: bias must be [${w.shape[0]}], got ${formatShape(b.shape)}`);
  }
  return { stride: pair(opts.stride ?? 1), padding: pair(opts.padding ?? 0) };
}

/**
 * y = conv2d(x, w) + b.  x [N,C,H,W], w [O,C,KH,KW], b [O] or null -> [N,O,OH,OW]
 * with OH = ⌊(H + 2p − KH)/s⌋ + 1.  ∂L/∂b = Σ_{n,oh,ow} g.
 */
export function conv2d(x: Tensor, w: Tensor, b: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dOp(b ? [x, w, b] : [x, w], convParams('conv2d', w, b, opts));
}

/**
 * y = relu(conv2d(x, w) + b) in one op (see conv2dReluOp): the same values and
 * gradients as relu(conv2d(x, w, b, opts)), with fewer passes over the output.
 */
export function conv2dRelu(x: Tensor, w: Tensor, b: Tensor | null = null, opts: Conv2dOptions = {}): Tensor {
  return conv2dReluOp(b ? [x, w, b] : [x, w], convParams('conv2dRelu', w, b, opts));
}

/** Output spatial size of conv2d, for callers that build layers. */
export function conv2dOutputSize(
  h: number,
  w: number,
  kernel: [number, number],
  opts: Conv2dOptions = {},
): [number, number] {
  const [sh, sw] = pair(opts.stride ?? 1);
  const [ph, pw] = pair(opts.padding ?? 0);
  return [windowOutputSize(h, kernel[0], sh, ph), windowOutputSize(w, kernel[1], sw, pw)];
}
