/**
 * WebAssembly SIMD twins of the memory-bound passes around the convolutions,
 * run on the shared heap by the main thread: each reads and writes its
 * arrays once, four floats at a time, where the plain-TypeScript loops spend
 * 3–5 ns an element. Each gives the same bits as the TypeScript it replaces
 * (tests/backends/cpu-passes.test.ts checks NaN, ±0 and ±∞ too).
 *
 * Byte addresses throughout; `pixels` and `w` are counts of floats.
 *
 *   bias_add(y, planes, pixels, bias, channels)
 *       y[p, q] = y[p, q] + bias[p mod channels]                 (conv.ts addBiasRelu)
 *   bias_relu(y, planes, pixels, bias, channels)
 *       the same, then y = y > 0 ? y : +0 (−0 and NaN become +0)
 *   mask_grad(g, y, out, planes, pixels, channels, sums)
 *       out[p, q] = g[p, q] · [y[p, q] > 0];  sums[p mod channels] += out[p, q]
 *       summed in float64, q in order, as conv.ts maskedGradIntoHeap does
 *   max_pool_2x2(x, out, arg, planes, h, w, oh)
 *       out, arg [planes, oh, w/2] = the max of each 2×2 window of x [planes, h, w] and its
 *       flat index into x: the first strict maximum in reading order, a NaN never beats
 *       (pooling.ts maxPool2x2)
 *
 * pixels % 4 = 0 and w % 8 = 0 (the callers check), every count ≥ 1.
 */
import {
  add,
  doWhile,
  eqz,
  F64,
  f32Load,
  f32x4Add,
  f32x4Const,
  f32x4ExtractLane,
  f32x4Gt,
  f32x4Mul,
  f32x4Shuffle,
  f32x4Splat,
  f64Add,
  f64Load,
  f64PromoteF32,
  f64Store,
  get,
  I32,
  i32,
  i32x4Add,
  i32x4Const,
  i32x4Splat,
  ifThen,
  inc,
  ltU,
  mul,
  set,
  shl,
  sub,
  V128,
  v128And,
  v128Bitselect,
  v128Load,
  v128Store,
  v128Zero,
  type Bytes,
  type WasmFunction,
} from './wasm-encoder.js';

const bytes = (floats: Bytes): Bytes => shl(floats, i32(2));
const EVEN: [number, number, number, number] = [0, 2, 4, 6]; // lanes 0, 2 of a and 0, 2 of b
const ODD: [number, number, number, number] = [1, 3, 5, 7];

/** c = c + 1, back to 0 at `count`: the channel of the next plane. */
const nextChannel = (c: number, count: number): Bytes => [
  ...inc(c, i32(1)),
  ...ifThen(eqz(sub(get(c), get(count))), set(c, i32(0))),
];

function biasFunction(relu: boolean): WasmFunction {
  const [y, planes, pixels, bias, channels] = [0, 1, 2, 3, 4];
  const [plane, c, end] = [5, 6, 7];
  const [b, v] = [8, 9];
  const value = f32x4Add(v128Load(get(y)), get(b)); // rounded to float32, as a separate add would store it
  const body = [
    set(plane, i32(0)),
    set(c, i32(0)),
    doWhile(
      ltU(get(plane), get(planes)),
      set(b, f32x4Splat(f32Load(add(get(bias), bytes(get(c)))))),
      set(end, add(get(y), bytes(get(pixels)))),
      doWhile(
        ltU(get(y), get(end)),
        relu
          ? [...set(v, value), ...v128Store(get(y), v128And(get(v), f32x4Gt(get(v), v128Zero())))]
          : v128Store(get(y), value),
        inc(y, i32(16)),
      ),
      nextChannel(c, channels),
      inc(plane, i32(1)),
    ),
  ];
  return {
    name: relu ? 'bias_relu' : 'bias_add',
    params: [I32, I32, I32, I32, I32],
    locals: [I32, I32, I32, V128, V128],
    body: body.flat(),
  };
}

function maskGradFunction(): WasmFunction {
  const [g, y, out, planes, pixels, channels, sums] = [0, 1, 2, 3, 4, 5, 6];
  const [plane, c, end, at] = [7, 8, 9, 10];
  const v = 11;
  const s = 12;
  const ONE = f32x4Const([1, 1, 1, 1]);
  const lane = (k: number): Bytes => f64PromoteF32(f32x4ExtractLane(get(v), k));
  const body = [
    set(plane, i32(0)),
    set(c, i32(0)),
    doWhile(
      ltU(get(plane), get(planes)),
      set(at, add(get(sums), shl(get(c), i32(3)))),
      set(s, f64Load(get(at))),
      set(end, add(get(g), bytes(get(pixels)))),
      doWhile(
        ltU(get(g), get(end)),
        // g · 1 or g · 0, exact (−0 for a negative g and NaN for a NaN, as in TypeScript)
        set(v, f32x4Mul(v128Load(get(g)), v128And(f32x4Gt(v128Load(get(y)), v128Zero()), ONE))),
        v128Store(get(out), get(v)),
        set(s, f64Add(f64Add(f64Add(f64Add(get(s), lane(0)), lane(1)), lane(2)), lane(3))),
        inc(g, i32(16)),
        inc(y, i32(16)),
        inc(out, i32(16)),
      ),
      f64Store(get(at), get(s)),
      nextChannel(c, channels),
      inc(plane, i32(1)),
    ),
  ];
  return {
    name: 'mask_grad',
    params: new Array<number>(7).fill(I32),
    locals: [I32, I32, I32, I32, V128, F64],
    body: body.flat(),
  };
}

/** Loops over planes, output rows and blocks of 4 output columns; `block` sees e, the element index of its top-left input. */
function windowLoops(
  locals: {
    planes: number;
    h: number;
    w: number;
    oh: number;
    plane: number;
    row: number;
    e: number;
    end: number;
    planeStart: number;
  },
  block: Bytes[],
): Bytes[] {
  const { planes, h, w, oh, plane, row, e, end, planeStart } = locals;
  return [
    set(plane, i32(0)),
    set(planeStart, i32(0)),
    doWhile(
      ltU(get(plane), get(planes)),
      set(row, i32(0)),
      doWhile(
        ltU(get(row), get(oh)),
        set(e, add(get(planeStart), mul(shl(get(row), i32(1)), get(w)))), // plane·h·w + 2·row·w
        set(end, add(get(e), get(w))),
        doWhile(ltU(get(e), get(end)), ...block, inc(e, i32(8))),
        inc(row, i32(1)),
      ),
      inc(planeStart, mul(get(h), get(w))),
      inc(plane, i32(1)),
    ),
  ];
}

function maxPoolFunction(): WasmFunction {
  const [x, out, arg, planes, h, w, oh] = [0, 1, 2, 3, 4, 5, 6];
  const [plane, row, e, end, planeStart, top, bottom] = [7, 8, 9, 10, 11, 12, 13];
  const [idx, best, val, at, m, cand, right, down, downRight] = [14, 15, 16, 17, 18, 19, 20, 21, 22];
  const NEG_INF = f32x4Const([-Infinity, -Infinity, -Infinity, -Infinity]);
  const corner = (address: number, lanes: [number, number, number, number]): Bytes =>
    f32x4Shuffle(v128Load(get(address)), v128Load(get(address), 16), lanes);
  /** if (cand > best) { best = cand; val = cand; at = index } lane by lane */
  const challenge = (candidate: Bytes, index: Bytes, keepBest: boolean): Bytes[] => [
    set(cand, candidate),
    set(m, f32x4Gt(get(cand), get(best))),
    keepBest ? set(best, v128Bitselect(get(cand), get(best), get(m))) : [],
    set(val, v128Bitselect(get(cand), get(val), get(m))),
    set(at, v128Bitselect(index, get(at), get(m))),
  ];
  const block: Bytes[] = [
    set(top, add(get(x), bytes(get(e)))),
    set(bottom, add(get(top), bytes(get(w)))),
    set(idx, i32x4Add(i32x4Splat(get(e)), i32x4Const(EVEN))), // flat indices of the 4 windows' top-left inputs
    set(val, corner(top, EVEN)),
    // a NaN (or −∞) corner is not a maximum yet
    set(best, v128Bitselect(get(val), NEG_INF, f32x4Gt(get(val), NEG_INF))),
    set(at, get(idx)),
    ...challenge(corner(top, ODD), i32x4Add(get(idx), get(right)), true),
    ...challenge(corner(bottom, EVEN), i32x4Add(get(idx), get(down)), true),
    ...challenge(corner(bottom, ODD), i32x4Add(get(idx), get(downRight)), false),
    v128Store(get(out), get(val)),
    v128Store(get(arg), get(at)),
    inc(out, i32(16)),
    inc(arg, i32(16)),
  ];
  const body = [
    set(right, i32x4Splat(i32(1))),
    set(down, i32x4Splat(get(w))),
    set(downRight, i32x4Splat(add(get(w), i32(1)))),
    ...windowLoops({ planes, h, w, oh, plane, row, e, end, planeStart }, block),
  ];
  return {
    name: 'max_pool_2x2',
    params: new Array<number>(7).fill(I32),
    locals: [...new Array<number>(7).fill(I32), ...new Array<number>(9).fill(V128)],
    body: body.flat(),
  };
}

/** All four functions, for one module (kernels.ts). */
export function passFunctions(): WasmFunction[] {
  return [biasFunction(false), biasFunction(true), maskGradFunction(), maxPoolFunction()];
}
