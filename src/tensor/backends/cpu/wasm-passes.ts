/**
 * WebAssembly SIMD twins of the memory-bound passes around the convolutions,
 * run on the shared heap by the main thread: each reads and writes its
 * arrays once, four floats at a time (the rest of a row one at a time), where
 * the plain-TypeScript loops spend 3–5 ns an element. Each gives the same bits
 * as the TypeScript it replaces (tests/backends/cpu-passes.test.ts checks
 * NaN, ±0 and ±∞ too).
 *
 * Byte addresses throughout; `pixels`, `w`, `oh` and `ow` are counts of floats.
 *
 *   rows_copy(src, rowStride, groupStride, dst, groups, rows, pixels, bias)
 *   rows_add(...)   rows_relu(...)
 *       for g < groups, r < rows, q < pixels, with dst written in that order:
 *       dst[g, r, q] = v (copy), v + bias[r] (add), or that > 0 ? it : +0 (relu; −0 and
 *       NaN become +0), with v = src[g·groupStride + r·rowStride + 4q]
 *       (conv.ts: the GEMM's C reordered to NCHW with the bias and ReLU, or in place)
 *   mask_grad(g, y, out, planes, pixels, channels, sums)
 *       out[p, q] = g[p, q] · [y[p, q] > 0];  sums[p mod channels] += out[p, q]
 *       summed in float64, q in order, as conv.ts maskedGradIntoHeap does
 *   max_pool_2x2(x, out, arg, planes, h, w, oh, ow)
 *       out, arg [planes, oh, ow] = the max of each 2×2 window (stride 2) of x [planes, h, w]
 *       and its flat index into x: the first strict maximum in reading order, a NaN
 *       never beats (pooling.ts maxPool2x2)
 *
 * Every count ≥ 1.
 */
import {
  add,
  and,
  doWhile,
  eqz,
  F32,
  F64,
  f32Add,
  f32Const,
  f32Gt,
  f32Load,
  f32Mul,
  f32Store,
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
  i32Store,
  i32x4Add,
  i32x4Const,
  i32x4Splat,
  ifThen,
  inc,
  ltU,
  mul,
  select,
  set,
  shl,
  sub,
  V128,
  v128And,
  v128Bitselect,
  v128Load,
  v128Store,
  v128Zero,
  whileNot,
  type Bytes,
  type WasmFunction,
} from './wasm-encoder.js';

const bytes = (floats: Bytes): Bytes => shl(floats, i32(2));
/** n rounded down to a multiple of 4. */
const fours = (n: Bytes): Bytes => and(n, i32(-4));
/** `while (at < end) { body }` */
const whileBelow = (at: number, end: number, ...body: Bytes[]): Bytes =>
  whileNot(eqz(ltU(get(at), get(end))), ...body);
const EVEN: [number, number, number, number] = [0, 2, 4, 6]; // lanes 0, 2 of a and 0, 2 of b
const ODD: [number, number, number, number] = [1, 3, 5, 7];

/** c = c + 1, back to 0 at `count`: the channel of the next plane. */
const nextChannel = (c: number, count: number): Bytes => [
  ...inc(c, i32(1)),
  ...ifThen(eqz(sub(get(c), get(count))), set(c, i32(0))),
];

type RowsMode = 'copy' | 'add' | 'relu';

function rowsFunction(mode: RowsMode): WasmFunction {
  const [src, rowStride, groupStride, dst, groups, rows, pixels, bias] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [group, row, groupStart, s, vecEnd, end] = [8, 9, 10, 11, 12, 13];
  const [b, v] = [14, 15];
  const [bs, x] = [16, 17];
  // a separate add rounds to float32 before a separate ReLU compares: so do these
  const vector = (value: Bytes): Bytes =>
    mode === 'copy'
      ? value
      : mode === 'add'
        ? f32x4Add(value, get(b))
        : [...set(v, f32x4Add(value, get(b))), ...v128And(get(v), f32x4Gt(get(v), v128Zero()))];
  const scalar = (value: Bytes): Bytes =>
    mode === 'copy'
      ? value
      : mode === 'add'
        ? f32Add(value, get(bs))
        : [...set(x, f32Add(value, get(bs))), ...select(get(x), f32Const(0), f32Gt(get(x), f32Const(0)))];
  const body = [
    set(group, i32(0)),
    set(groupStart, get(src)),
    doWhile(
      ltU(get(group), get(groups)),
      set(row, i32(0)),
      doWhile(
        ltU(get(row), get(rows)),
        set(s, add(get(groupStart), mul(get(row), get(rowStride)))),
        mode === 'copy'
          ? []
          : [...set(bs, f32Load(add(get(bias), bytes(get(row))))), ...set(b, f32x4Splat(get(bs)))],
        set(vecEnd, add(get(s), bytes(fours(get(pixels))))),
        set(end, add(get(s), bytes(get(pixels)))),
        whileBelow(
          s,
          vecEnd,
          v128Store(get(dst), vector(v128Load(get(s)))),
          inc(s, i32(16)),
          inc(dst, i32(16)),
        ),
        whileBelow(s, end, f32Store(get(dst), scalar(f32Load(get(s)))), inc(s, i32(4)), inc(dst, i32(4))),
        inc(row, i32(1)),
      ),
      inc(groupStart, get(groupStride)),
      inc(group, i32(1)),
    ),
  ];
  return {
    name: `rows_${mode}`,
    params: new Array<number>(8).fill(I32),
    locals: [I32, I32, I32, I32, I32, I32, V128, V128, F32, F32],
    body: body.flat(),
  };
}

function maskGradFunction(): WasmFunction {
  const [g, y, out, planes, pixels, channels, sums] = [0, 1, 2, 3, 4, 5, 6];
  const [plane, c, vecEnd, end, at] = [7, 8, 9, 10, 11];
  const v = 12;
  const s = 13;
  const x = 14;
  const ONE = f32x4Const([1, 1, 1, 1]);
  const lane = (k: number): Bytes => f64PromoteF32(f32x4ExtractLane(get(v), k));
  const body = [
    set(plane, i32(0)),
    set(c, i32(0)),
    doWhile(
      ltU(get(plane), get(planes)),
      set(at, add(get(sums), shl(get(c), i32(3)))),
      set(s, f64Load(get(at))),
      set(vecEnd, add(get(g), bytes(fours(get(pixels))))),
      set(end, add(get(g), bytes(get(pixels)))),
      whileBelow(
        g,
        vecEnd,
        // g · 1 or g · 0, exact (−0 for a negative g and NaN for a NaN, as in TypeScript)
        set(v, f32x4Mul(v128Load(get(g)), v128And(f32x4Gt(v128Load(get(y)), v128Zero()), ONE))),
        v128Store(get(out), get(v)),
        set(s, f64Add(f64Add(f64Add(f64Add(get(s), lane(0)), lane(1)), lane(2)), lane(3))),
        inc(g, i32(16)),
        inc(y, i32(16)),
        inc(out, i32(16)),
      ),
      whileBelow(
        g,
        end,
        set(
          x,
          f32Mul(f32Load(get(g)), select(f32Const(1), f32Const(0), f32Gt(f32Load(get(y)), f32Const(0)))),
        ),
        f32Store(get(out), get(x)),
        set(s, f64Add(get(s), f64PromoteF32(get(x)))),
        inc(g, i32(4)),
        inc(y, i32(4)),
        inc(out, i32(4)),
      ),
      f64Store(get(at), get(s)),
      nextChannel(c, channels),
      inc(plane, i32(1)),
    ),
  ];
  return {
    name: 'mask_grad',
    params: new Array<number>(7).fill(I32),
    locals: [I32, I32, I32, I32, I32, V128, F64, F32],
    body: body.flat(),
  };
}

function maxPoolFunction(): WasmFunction {
  const [x, out, arg, planes, h, w, oh, ow] = [0, 1, 2, 3, 4, 5, 6, 7];
  const [plane, row, e, vecEnd, end, planeStart, top, bottom] = [8, 9, 10, 11, 12, 13, 14, 15];
  const [idx, best, val, at, m, cand, right, down, downRight] = [16, 17, 18, 19, 20, 21, 22, 23, 24];
  const [sBest, sVal, sCand] = [25, 26, 27];
  const [sAt, sM] = [28, 29];
  const NEG_INF = f32x4Const([-Infinity, -Infinity, -Infinity, -Infinity]);
  const corner = (address: number, lanes: [number, number, number, number]): Bytes =>
    f32x4Shuffle(v128Load(get(address)), v128Load(get(address), 16), lanes);
  /** if (cand > best) { best = cand; val = cand; at = index }, lane by lane (SIMD) or for one window */
  const challengeWith =
    (
      gt: (a: Bytes, b: Bytes) => Bytes,
      choose: (a: Bytes, b: Bytes, mask: Bytes) => Bytes,
      l: { cand: number; best: number; val: number; at: number; m: number },
    ) =>
    (candidate: Bytes, index: Bytes, keepBest: boolean): Bytes[] => [
      set(l.cand, candidate),
      set(l.m, gt(get(l.cand), get(l.best))),
      keepBest ? set(l.best, choose(get(l.cand), get(l.best), get(l.m))) : [],
      set(l.val, choose(get(l.cand), get(l.val), get(l.m))),
      set(l.at, choose(index, get(l.at), get(l.m))),
    ];
  const challenge = challengeWith(f32x4Gt, v128Bitselect, { cand, best, val, at, m });
  const scalarChallenge = challengeWith(f32Gt, select, {
    cand: sCand,
    best: sBest,
    val: sVal,
    at: sAt,
    m: sM,
  });
  const fourWindows: Bytes[] = [
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
    inc(e, i32(8)),
  ];
  const oneWindow: Bytes[] = [
    set(top, add(get(x), bytes(get(e)))),
    set(bottom, add(get(top), bytes(get(w)))),
    set(sVal, f32Load(get(top))),
    set(sBest, select(get(sVal), f32Const(-Infinity), f32Gt(get(sVal), f32Const(-Infinity)))),
    set(sAt, get(e)),
    ...scalarChallenge(f32Load(get(top), 4), add(get(e), i32(1)), true),
    ...scalarChallenge(f32Load(get(bottom)), add(get(e), get(w)), true),
    ...scalarChallenge(f32Load(get(bottom), 4), add(add(get(e), get(w)), i32(1)), false),
    f32Store(get(out), get(sVal)),
    i32Store(get(arg), get(sAt)),
    inc(out, i32(4)),
    inc(arg, i32(4)),
    inc(e, i32(2)),
  ];
  const body = [
    set(right, i32x4Splat(i32(1))),
    set(down, i32x4Splat(get(w))),
    set(downRight, i32x4Splat(add(get(w), i32(1)))),
    set(plane, i32(0)),
    set(planeStart, i32(0)),
    doWhile(
      ltU(get(plane), get(planes)),
      set(row, i32(0)),
      doWhile(
        ltU(get(row), get(oh)),
        set(e, add(get(planeStart), mul(shl(get(row), i32(1)), get(w)))), // plane·h·w + 2·row·w
        set(vecEnd, add(get(e), shl(fours(get(ow)), i32(1)))), // 2 inputs an output
        set(end, add(get(e), shl(get(ow), i32(1)))),
        whileBelow(e, vecEnd, ...fourWindows),
        whileBelow(e, end, ...oneWindow),
        inc(row, i32(1)),
      ),
      inc(planeStart, mul(get(h), get(w))),
      inc(plane, i32(1)),
    ),
  ];
  return {
    name: 'max_pool_2x2',
    params: new Array<number>(8).fill(I32),
    locals: [
      ...new Array<number>(8).fill(I32),
      ...new Array<number>(9).fill(V128),
      ...new Array<number>(3).fill(F32),
      I32,
      I32,
    ],
    body: body.flat(),
  };
}

/** All the functions, for one module (kernels.ts). */
export function passFunctions(): WasmFunction[] {
  return [
    rowsFunction('copy'),
    rowsFunction('add'),
    rowsFunction('relu'),
    maskGradFunction(),
    maxPoolFunction(),
  ];
}
