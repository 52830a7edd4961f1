/**
 * Gradients of 2-D convolution (NCHW, stride, padding, bias) and of its two
 * gradient ops, which are ops in their own right (each linear in both
 * arguments, adjoint to conv2d).
 */
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import type { Conv2dParams } from '../../src/index.js';
import { convCase } from '../helpers/arbitraries.js';
import { expectGradcheck, property } from '../helpers/check.js';
import { internalOp } from '../helpers/internal-ops.js';
import { leaf } from '../helpers/tensors.js';

const paramsOf = (c: { stride: [number, number]; padding: [number, number] }): Conv2dParams => ({
  stride: c.stride,
  padding: c.padding,
});

describe('op conv2d: gradient', () => {
  it('matches finite differences for x and w (stride, padding, strided inputs)', () =>
    property(
      convCase,
      (c) => {
        const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
        const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
        const opts = { stride: c.stride, padding: c.padding };
        expect(T.conv2d(x, w, null, opts).shape).toEqual([c.N, c.O, c.OH, c.OW]);
        expectGradcheck((a, b) => T.conv2d(a!, b!, null, opts), [x, w]);
      },
      25,
    ));
});

describe('conv2d with bias: gradient', () => {
  it('matches finite differences for x, w and b', () =>
    property(
      convCase,
      (c) => {
        const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
        const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
        const b = leaf([c.O], { layout: c.layouts[2], seed: c.seed + 2 });
        const opts = { stride: c.stride, padding: c.padding };
        expectGradcheck((p, q, r) => T.conv2d(p!, q!, r!, opts), [x, w, b]);
      },
      15,
    ));
});

describe('op conv2dInputGrad: gradient', () => {
  it('matches finite differences in both arguments (g, w)', () =>
    property(
      convCase,
      (c) => {
        const op = internalOp<Conv2dParams & { xShape: readonly number[] }>('conv2dInputGrad');
        const g = leaf([c.N, c.O, c.OH, c.OW], { layout: c.layouts[0], seed: c.seed });
        const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
        const attrs = { ...paramsOf(c), xShape: [c.N, c.C, c.H, c.W] };
        expect(op([g, w], attrs).shape).toEqual([c.N, c.C, c.H, c.W]);
        expectGradcheck((p, q) => op([p!, q!], attrs), [g, w]);
      },
      15,
    ));
});

describe('op conv2dWeightGrad: gradient', () => {
  it('matches finite differences in both arguments (x, g)', () =>
    property(
      convCase,
      (c) => {
        const op = internalOp<Conv2dParams & { wShape: readonly number[] }>('conv2dWeightGrad');
        const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
        const g = leaf([c.N, c.O, c.OH, c.OW], { layout: c.layouts[1], seed: c.seed + 1 });
        const attrs = { ...paramsOf(c), wShape: [c.O, c.C, c.KH, c.KW] };
        expect(op([x, g], attrs).shape).toEqual([c.O, c.C, c.KH, c.KW]);
        expectGradcheck((p, q) => op([p!, q!], attrs), [x, g]);
      },
      15,
    ));
});

describe('op conv2dRelu: gradient', () => {
  it('has the values and gradients of relu(conv2d(x, w, b)), exactly', () =>
    property(
      convCase,
      (c) => {
        const opts = { stride: c.stride, padding: c.padding };
        const run = (fused: boolean) => {
          const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
          const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
          const b = leaf([c.O], { layout: c.layouts[2], seed: c.seed + 2 });
          const g = leaf([c.N, c.O, c.OH, c.OW], { seed: c.seed + 3, requiresGrad: false });
          const y = fused ? T.conv2dRelu(x, w, b, opts) : T.relu(T.conv2d(x, w, b, opts));
          T.sum(T.mul(y, g)).backward();
          return [y, x.grad!, w.grad!, b.grad!].map((t) => Array.from(t.toArray()));
        };
        const [fused, plain] = [run(true), run(false)];
        expect(fused).toEqual(plain);
      },
      25,
    ));

  it('matches finite differences for x, w and b', () =>
    property(
      convCase,
      (c) => {
        const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
        const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
        const b = leaf([c.O], { layout: c.layouts[2], seed: c.seed + 2 });
        const opts = { stride: c.stride, padding: c.padding };
        expectGradcheck((p, q, r) => T.conv2dRelu(p!, q!, r!, opts), [x, w, b]);
      },
      15,
    ));
});

describe('op conv2dReluParamGrad: gradient', () => {
  it('equals [conv2dWeightGrad(x, g·m) flattened, Σ g·m] and matches finite differences in x and g', () =>
    property(
      convCase,
      (c) => {
        const op = internalOp<Conv2dParams & { wShape: readonly number[] }>('conv2dReluParamGrad');
        const weightGrad = internalOp<Conv2dParams & { wShape: readonly number[] }>('conv2dWeightGrad');
        const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
        const g = leaf([c.N, c.O, c.OH, c.OW], { layout: c.layouts[1], seed: c.seed + 1 });
        // y only supplies the mask [y > 0]; no gradient flows to it
        const y = leaf([c.N, c.O, c.OH, c.OW], { seed: c.seed + 2, awayFromZero: 0.1, requiresGrad: false });
        const attrs = { ...paramsOf(c), wShape: [c.O, c.C, c.KH, c.KW] };
        const masked = T.reluGrad(g, y);
        const expected = [...weightGrad([x, masked], attrs).toArray(), ...T.sum(masked, [0, 2, 3]).toArray()];
        expect(Array.from(op([x, g, y], attrs).toArray())).toEqual(expected);
        expectGradcheck((p, q) => op([p!, q!, y], attrs), [x, g]);
      },
      15,
    ));
});
