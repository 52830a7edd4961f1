/**
 * Algebraic identities the kernels must respect, each tested on random
 * problems: conv as an unfolded (im2col) matmul, adjointness of the conv and
 * pooling gradients, matmul associativity, broadcasting as explicit expand,
 * sums of sums, softmax normalisation, cross-entropy as −mean log p.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import * as T from '../../src/index.js';
import type { Conv2dParams, Pool2dParams } from '../../src/index.js';
import {
  broadcastTriple,
  convCase,
  layout,
  permutation,
  poolCase,
  seed,
  shape,
} from '../helpers/arbitraries.js';
import { expectClose, property } from '../helpers/check.js';
import { internalOp } from '../helpers/internal-ops.js';
import { dot, leaf, values } from '../helpers/tensors.js';

const tight = { atol: 1e-11, rtol: 1e-11 };

/**
 * conv2d written as im2col + matmul with slice/pad/reshape/concat:
 *   cols[n, (c,kh,kw), (oh,ow)] = x_padded[n, c, kh + oh·sh, kw + ow·sw]
 *   y[n, o, (oh,ow)] = Σ_{(c,kh,kw)} w[o, (c,kh,kw)] · cols[n, (c,kh,kw), (oh,ow)]
 */
function convByIm2col(x: T.Tensor, w: T.Tensor, c: { stride: [number, number]; padding: [number, number] }) {
  const [N, C] = x.shape as [number, number];
  const [O, , KH, KW] = w.shape as [number, number, number, number];
  const [sh, sw] = c.stride;
  const [ph, pw] = c.padding;
  const xp = T.pad(x, [0, 0, ph, pw], [0, 0, ph, pw]);
  const OH = Math.floor((xp.shape[2]! - KH) / sh) + 1;
  const OW = Math.floor((xp.shape[3]! - KW) / sw) + 1;
  const patches: T.Tensor[] = [];
  for (let kh = 0; kh < KH; kh++)
    for (let kw = 0; kw < KW; kw++) {
      const patch = T.slice(xp, [
        null,
        null,
        [kh, kh + sh * (OH - 1) + 1, sh],
        [kw, kw + sw * (OW - 1) + 1, sw],
      ]);
      patches.push(T.reshape(patch, [N, C, 1, OH * OW]));
    }
  const cols = T.reshape(T.concat(patches, 2), [N, C * KH * KW, OH * OW]);
  return T.reshape(T.matmul(T.reshape(w, [O, C * KH * KW]), cols), [N, O, OH, OW]);
}

describe('conv2d', () => {
  it('equals an unfolded (im2col) matmul, values and gradients', () =>
    property(convCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
      const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
      const g = leaf([c.N, c.O, c.OH, c.OW], { seed: c.seed + 2, requiresGrad: false });
      const y = T.conv2d(x, w, null, { stride: c.stride, padding: c.padding });
      y.backward(g);
      const [gx, gw] = [x.grad!, w.grad!];
      x.grad = w.grad = null;
      const z = convByIm2col(x, w, c);
      z.backward(g);
      expectClose(y, z, tight);
      expectClose(gx, x.grad!, tight);
      expectClose(gw, w.grad!, tight);
    }));

  it('adds the bias per output channel', () =>
    property(convCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { seed: c.seed });
      const w = leaf([c.O, c.C, c.KH, c.KW], { seed: c.seed + 1 });
      const b = leaf([c.O], { layout: c.layouts[2], seed: c.seed + 2 });
      const opts = { stride: c.stride, padding: c.padding };
      const expected = T.add(T.conv2d(x, w, null, opts), T.reshape(b, [c.O, 1, 1]));
      expectClose(T.conv2d(x, w, b, opts), expected, tight);
    }));

  it('is adjoint to its gradients: <conv2d(x,w), g> = <x, ∂x> = <w, ∂w>', () =>
    property(convCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed });
      const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1 });
      const g = leaf([c.N, c.O, c.OH, c.OW], { layout: c.layouts[2], seed: c.seed + 2, requiresGrad: false });
      const y = T.conv2d(x, w, null, { stride: c.stride, padding: c.padding });
      y.backward(g);
      const yg = dot(y, g);
      // conv2d is bilinear, so <y, g> = <x, ∂L/∂x> = <w, ∂L/∂w> for L = <y, g>
      expect(dot(x, x.grad!)).toBeCloseTo(yg, 9);
      expect(dot(w, w.grad!)).toBeCloseTo(yg, 9);
    }));

  it('conv2dInputGrad and conv2dWeightGrad are the adjoints of conv2d in x and in w', () =>
    property(convCase, (c) => {
      const inputGrad = internalOp<Conv2dParams & { xShape: readonly number[] }>('conv2dInputGrad');
      const weightGrad = internalOp<Conv2dParams & { wShape: readonly number[] }>('conv2dWeightGrad');
      const p = { stride: c.stride, padding: c.padding };
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layouts[0], seed: c.seed, requiresGrad: false });
      const w = leaf([c.O, c.C, c.KH, c.KW], { layout: c.layouts[1], seed: c.seed + 1, requiresGrad: false });
      const g = leaf([c.N, c.O, c.OH, c.OW], { layout: c.layouts[2], seed: c.seed + 2, requiresGrad: false });
      const yg = dot(T.conv2d(x, w, null, p), g);
      // <conv2d(x, w), g> = <x, conv2dInputGrad(g, w)> = <w, conv2dWeightGrad(x, g)>
      expect(dot(x, inputGrad([g, w], { ...p, xShape: x.shape }))).toBeCloseTo(yg, 9);
      expect(dot(w, weightGrad([x, g], { ...p, wShape: w.shape }))).toBeCloseTo(yg, 9);
    }));
});

describe('pooling', () => {
  it('maxPool2d routes each output gradient to its window argmax (the first one, on ties)', () =>
    property(
      fc.record({ c: poolCase, ties: fc.boolean() }),
      ({ c, ties }) => {
        const shape = [c.N, c.C, c.H, c.W];
        // with ties: small integers, so that windows often hold several maxima
        const x = ties
          ? T.tensor(
              Array.from(new T.Rng(c.seed).permutation(c.N * c.C * c.H * c.W), (v) => v % 3),
              shape,
              { dtype: 'float64', requiresGrad: true },
            )
          : leaf(shape, { layout: c.layout, seed: c.seed, distinct: true });
        const g = leaf([c.N, c.C, c.OH, c.OW], { seed: c.seed + 1, requiresGrad: false });
        const y = T.maxPool2d(x, { kernel: c.kernel, stride: c.stride });
        y.backward(g);
        // Plain loops: find each window's argmax, add g there.
        const xs = values(x);
        const gs = values(g);
        const ys = values(y);
        const expected = new Array<number>(xs.length).fill(0);
        for (let nc = 0; nc < c.N * c.C; nc++)
          for (let oh = 0; oh < c.OH; oh++)
            for (let ow = 0; ow < c.OW; ow++) {
              let best = -1;
              for (let kh = 0; kh < c.kernel[0]; kh++)
                for (let kw = 0; kw < c.kernel[1]; kw++) {
                  const i = (nc * c.H + oh * c.stride[0] + kh) * c.W + ow * c.stride[1] + kw;
                  if (best < 0 || xs[i]! > xs[best]!) best = i;
                }
              const o = (nc * c.OH + oh) * c.OW + ow;
              expect(ys[o]).toBe(xs[best]);
              expected[best]! += gs[o]!;
            }
        expectClose(x.grad!, expected, tight);
      },
      30,
    ));

  it('avgPool2d is adjoint to its gradient: <avgPool2d(x), g> = <x, ∂x>', () =>
    property(poolCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layout, seed: c.seed });
      const g = leaf([c.N, c.C, c.OH, c.OW], { seed: c.seed + 1, requiresGrad: false });
      const y = T.avgPool2d(x, { kernel: c.kernel, stride: c.stride });
      y.backward(g);
      expect(dot(x, x.grad!)).toBeCloseTo(dot(y, g), 10);
      const gradOp = internalOp<Pool2dParams & { xShape: readonly number[] }>('avgPool2dGrad');
      const direct = gradOp([g], { kernel: c.kernel, stride: c.stride, xShape: x.shape });
      expectClose(direct, x.grad!, tight);
    }));

  it('avgPool2d equals a stride-s conv with a constant 1/(KH·KW) kernel per channel', () =>
    property(poolCase, (c) => {
      const x = leaf([c.N, c.C, c.H, c.W], { layout: c.layout, seed: c.seed });
      const [KH, KW] = c.kernel;
      const perChannel = T.concat(
        Array.from({ length: c.C }, (_, ch) => {
          const w = T.full([1, 1, KH, KW], 1 / (KH * KW), { dtype: 'float64' });
          const xc = T.slice(x, [null, [ch, ch + 1]]);
          return T.conv2d(xc, w, null, { stride: c.stride });
        }),
        1,
      );
      expectClose(T.avgPool2d(x, { kernel: c.kernel, stride: c.stride }), perChannel, tight);
    }));
});

describe('matmul', () => {
  const size = fc.integer({ min: 1, max: 5 });
  it('is associative: (AB)C = A(BC)', () =>
    property(fc.record({ M: size, K: size, L: size, N: size, seed }), ({ M, K, L, N, seed: sd }) => {
      const A = leaf([M, K], { seed: sd, layout: 'transposed' });
      const B = leaf([K, L], { seed: sd + 1, layout: 'sliced' });
      const C = leaf([L, N], { seed: sd + 2 });
      expectClose(T.matmul(T.matmul(A, B), C), T.matmul(A, T.matmul(B, C)), { atol: 1e-12, rtol: 1e-12 });
    }));

  it('satisfies (AB)ᵀ = BᵀAᵀ and equals Σ_k A[...,m,k]·B[...,k,n] by loops', () =>
    property(
      fc.record({ batch: broadcastTriple.filter(([b]) => b.length <= 2), M: size, K: size, N: size, seed }),
      ({ batch: [out, ba, bb], M, K, N, seed: sd }) => {
        const A = leaf([...ba, M, K], { seed: sd, layout: 'permuted' });
        const B = leaf([...bb, K, N], { seed: sd + 1 });
        const AB = T.matmul(A, B);
        expectClose(T.transpose(AB), T.matmul(T.transpose(B), T.transpose(A)), tight);
        // loops over the explicitly expanded operands
        const Ae = values(T.expand(A, [...out, M, K]));
        const Be = values(T.expand(B, [...out, K, N]));
        const batches = out.reduce((p, d) => p * d, 1);
        const expected: number[] = [];
        for (let t = 0; t < batches; t++)
          for (let m = 0; m < M; m++)
            for (let n = 0; n < N; n++) {
              let s = 0;
              for (let k = 0; k < K; k++) s += Ae[(t * M + m) * K + k]! * Be[(t * K + k) * N + n]!;
              expected.push(s);
            }
        expectClose(AB, expected, tight);
      },
    ));
});

describe('broadcasting', () => {
  const ops = { add: T.add, sub: T.sub, mul: T.mul, div: T.div };
  it('gives the same values and gradients as explicit expand', () =>
    property(
      fc.record({
        shapes: broadcastTriple,
        op: fc.constantFrom(...(Object.keys(ops) as (keyof typeof ops)[])),
        la: layout,
        lb: layout,
        seed,
      }),
      ({ shapes: [out, sa, sb], op, la, lb, seed: sd }) => {
        const f = ops[op];
        const a = leaf(sa, { layout: la, seed: sd });
        const b = leaf(sb, { layout: lb, seed: sd + 1, awayFromZero: 0.5 });
        const g = leaf(out, { seed: sd + 2, requiresGrad: false });
        f(a, b).backward(g);
        const [ga, gb] = [a.grad!, b.grad!];
        a.grad = b.grad = null;
        const explicit = f(T.expand(a, out), T.expand(b, out));
        explicit.backward(g);
        expectClose(f(a, b), explicit, { atol: 0, rtol: 0 });
        expectClose(ga, a.grad!, tight);
        expectClose(gb, b.grad!, tight);
      },
    ));
});

describe('reductions', () => {
  it('sum over all axes equals a sum of partial sums, in any split', () =>
    property(
      shape(1, 4, 4).chain((s) =>
        fc.record({ shape: fc.constant(s), order: permutation(s.length), split: fc.nat(), layout, seed }),
      ),
      (c) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const k = c.split % (c.shape.length + 1);
        const first = c.order.slice(0, k);
        const rest = c.order.slice(k);
        const total = T.sum(T.sum(x, first)); // sum of the partial sums over the other axes
        expect(total.shape).toEqual([]);
        expect(total.item()).toBeCloseTo(
          values(x).reduce((p, v) => p + v, 0),
          10,
        );
        // keeping the reduced axes as size 1 leaves the other axes' numbers unchanged
        const kept = T.sum(T.sum(x, first, true), rest, true);
        expect(kept.shape).toEqual(c.shape.map(() => 1));
        expect(kept.item()).toBeCloseTo(total.item(), 10);
        expect(T.sum(x).item()).toBeCloseTo(total.item(), 10);
      },
    ));

  it('max over axes equals the largest element by loops, and bounds every element', () =>
    property(
      shape(1, 3, 4).chain((s) =>
        fc.record({ shape: fc.constant(s), axis: fc.integer({ min: 0, max: s.length - 1 }), layout, seed }),
      ),
      (c) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const m = T.max(x, c.axis, true);
        expect(T.max(x).item()).toBe(Math.max(...values(x)));
        // every element is ≤ the max of its slice, and equality holds somewhere in each slice
        const diff = T.sub(T.expand(m, c.shape), x);
        expect(Math.min(...values(diff))).toBe(0);
        expect(values(T.max(T.neg(diff), c.axis)).every((v) => v === 0)).toBe(true);
      },
    ));
});

describe('softmax and cross-entropy', () => {
  const logitsCase = fc.record({
    B: fc.integer({ min: 1, max: 4 }),
    K: fc.integer({ min: 1, max: 6 }),
    scale: fc.constantFrom(1, 10, 1000),
    seed,
  });

  it('exp(logSoftmax) rows sum to 1, and adding a constant to a row changes nothing', () =>
    property(logitsCase, ({ B, K, scale, seed: sd }) => {
      const x = leaf([B, K], { seed: sd, low: -scale, high: scale });
      const lp = T.logSoftmax(x, 1);
      expect(values(lp).every((v) => Number.isFinite(v) && v <= 1e-12)).toBe(true);
      expectClose(T.sum(T.exp(lp), 1), new Array(B).fill(1), { atol: 1e-12 });
      expectClose(T.logSoftmax(T.add(x, 123.5), 1), lp, { atol: 1e-9 });
    }));

  it('crossEntropy equals −mean log p of the labelled class, p by loops', () =>
    property(
      logitsCase.chain((c) =>
        fc.record({
          c: fc.constant(c),
          labels: fc.array(fc.integer({ min: 0, max: c.K - 1 }), { minLength: c.B, maxLength: c.B }),
        }),
      ),
      ({ c, labels }) => {
        const x = leaf([c.B, c.K], { seed: c.seed, low: -c.scale, high: c.scale });
        const xs = values(x);
        let expected = 0;
        for (let b = 0; b < c.B; b++) {
          const row = xs.slice(b * c.K, (b + 1) * c.K);
          const m = Math.max(...row);
          const logZ = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
          expected -= (row[labels[b]!]! - logZ) / c.B; // −(1/B) Σ_b log p_b[y_b]
        }
        expect(T.crossEntropy(x, labels).item()).toBeCloseTo(expected, 9);
      },
    ));
});

describe('shape ops', () => {
  it('slice undoes pad, and permute by the inverse undoes permute', () =>
    property(
      shape(1, 4, 3).chain((s) =>
        fc.record({
          shape: fc.constant(s),
          axes: permutation(s.length),
          pad: fc.integer({ min: 0, max: 2 }),
          layout,
          seed,
        }),
      ),
      (c) => {
        const x = leaf(c.shape, { layout: c.layout, seed: c.seed });
        const before = c.shape.map(() => c.pad);
        const after = c.shape.map((_, i) => i % 2);
        const back = T.slice(
          T.pad(x, before, after, 7),
          c.shape.map((d) => [c.pad, c.pad + d]),
        );
        expect(values(back)).toEqual(values(x));
        const inverse = new Array<number>(c.axes.length);
        c.axes.forEach((a, i) => (inverse[a] = i));
        expect(values(T.permute(T.permute(x, c.axes), inverse))).toEqual(values(x));
        expect(values(T.reshape(x, [-1]))).toEqual(values(x)); // row-major order is kept
      },
    ));
});
