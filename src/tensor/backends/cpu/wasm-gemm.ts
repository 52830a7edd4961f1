/**
 * Emits the WebAssembly SIMD GEMM macro-kernel. Its plain-TypeScript twin is
 * `macroKernel` in gemm.ts: same loops, same summation order per lane.
 *
 * gemm_macro(a, b, c, mc, nc, kc, ldc, accumulate) computes, over packed panels,
 *   C[i, j] (+)= Σ_{k < kc} A[i, k] · B[k, j]     for i < mc, j < nc
 * where
 *   a: byte address of A packed as mc/MR panels, each kc × MR floats (k-major):
 *      panel q holds A[q·MR + r, k] at float index k·MR + r
 *   b: byte address of B packed as nc/NR panels, each kc × NR floats:
 *      panel p holds B[k, p·NR + j] at float index k·NR + j
 *   c: byte address of C[0, 0]; ldc: bytes between rows of C
 *   accumulate: 0 to overwrite C, 1 to add to it
 * mc and nc must be multiples of MR and NR (the caller pads), kc ≥ 1.
 *
 * The micro-kernel (one MR × NR tile of C) keeps the tile in MR·NR/4 f32x4
 * registers and, for each k, loads NR/4 vectors of B, splats each A[i, k] and
 * does acc[i][v] += A[i,k] · B[k, 4v..4v+3]: a multiply then an add (two
 * roundings), or with `fma` one f32x4.relaxed_madd (relaxed SIMD), which runs
 * as a fused multiply-add on hardware that has one (one rounding; x86-64 FMA3,
 * ARM NEON). The summation order is the same in both.
 * x86-64 has 16 SIMD registers: 4×8 uses 8 accumulators + 2 B vectors + 1 splat.
 */
import {
  add,
  doWhile,
  eqz,
  f32x4Add,
  f32x4Mul,
  f32x4RelaxedMadd,
  get,
  I32,
  i32,
  ifThen,
  inc,
  ltS,
  ltU,
  mul,
  set,
  V128,
  v128Load,
  v128LoadSplat,
  v128Store,
  v128Zero,
  whileNot,
  type Bytes,
  type WasmFunction,
} from './wasm-encoder.js';
import { MR, NR } from './blocking.js';

/** Micro-tile rows (MR) and columns (NR, a multiple of 4), the k-loop unrolling, and fused multiply-add. */
export interface MicroTile {
  mr: number;
  nr: number;
  unroll: number;
  /** acc += a·b as one f32x4.relaxed_madd (needs relaxed SIMD) instead of a multiply and an add. */
  fma: boolean;
}

export const DEFAULT_TILE: MicroTile = { mr: MR, nr: NR, unroll: 1, fma: false };

export function gemmMacroFunction(tile: MicroTile): WasmFunction {
  const { mr, nr, unroll, fma } = tile;
  const nv = nr / 4; // f32x4 vectors per tile row
  // Parameters 0..7
  const [a, b, c, mc, nc, kc, ldc, accumulate] = [0, 1, 2, 3, 4, 5, 6, 7];
  // i32 locals
  let next = 8;
  const paPanel = next++; // start of the current A panel
  const pbPanel = next++; // start of the current B panel
  const cColumn = next++; // C address of the current column of tiles
  const cTile = next++; // C address of the current tile
  const pa = next++; // walks the A panel along k
  const pb = next++; // walks the B panel along k
  const k = next++; // k iterations left
  const aEnd = next++; // end of the A block
  const bEnd = next++; // end of the B block
  const cRow = next++; // C address of a tile row while storing
  const i32Count = next - 8;
  // v128 locals
  const acc = (r: number, v: number) => next + r * nv + v;
  const bVec = (v: number) => next + mr * nv + v;
  const aSplat = next + mr * nv + nv;
  const v128Count = mr * nv + nv + 1;

  // One step of k, reading A and B at a constant offset of `step` k-rows from pa, pb.
  const kStep = (step: number): Bytes[] => {
    const code: Bytes[] = [];
    for (let v = 0; v < nv; v++) code.push(set(bVec(v), v128Load(get(pb), (step * nr + 4 * v) * 4)));
    for (let r = 0; r < mr; r++) {
      code.push(set(aSplat, v128LoadSplat(get(pa), (step * mr + r) * 4)));
      for (let v = 0; v < nv; v++) {
        // acc[r][v] = acc[r][v] + A[i+r, k] · B[k, j+4v .. j+4v+3]
        const update = fma
          ? f32x4RelaxedMadd(get(aSplat), get(bVec(v)), get(acc(r, v)))
          : f32x4Add(get(acc(r, v)), f32x4Mul(get(aSplat), get(bVec(v))));
        code.push(set(acc(r, v), update));
      }
    }
    return code;
  };

  const zeroTile: Bytes[] = [];
  for (let r = 0; r < mr; r++) for (let v = 0; v < nv; v++) zeroTile.push(set(acc(r, v), v128Zero()));

  // C tile (+)= acc, row by row
  const storeTile = (accumulateIntoC: boolean): Bytes[] => {
    const code: Bytes[] = [set(cRow, get(cTile))];
    for (let r = 0; r < mr; r++) {
      for (let v = 0; v < nv; v++) {
        const value = accumulateIntoC
          ? f32x4Add(v128Load(get(cRow), 16 * v), get(acc(r, v)))
          : get(acc(r, v));
        code.push(v128Store(get(cRow), value, 16 * v));
      }
      if (r < mr - 1) code.push(inc(cRow, get(ldc)));
    }
    return code;
  };

  const microKernel: Bytes[] = [
    ...zeroTile,
    set(pa, get(paPanel)),
    set(pb, get(pbPanel)),
    set(k, get(kc)),
    // while (k >= unroll) { unroll steps }
    whileNot(
      ltS(get(k), i32(unroll)),
      ...Array.from({ length: unroll }, (_, s) => kStep(s)).flat(),
      inc(pa, i32(unroll * mr * 4)),
      inc(pb, i32(unroll * nr * 4)),
      inc(k, i32(-unroll)),
    ),
    // while (k > 0) { one step }
    unroll > 1
      ? whileNot(eqz(get(k)), ...kStep(0), inc(pa, i32(mr * 4)), inc(pb, i32(nr * 4)), inc(k, i32(-1)))
      : [],
    ifThen(get(accumulate), storeTile(true).flat(), storeTile(false).flat()),
  ];

  const body: Bytes[] = [
    set(pbPanel, get(b)),
    set(bEnd, add(get(b), mul(mul(get(nc), get(kc)), i32(4)))),
    set(aEnd, add(get(a), mul(mul(get(mc), get(kc)), i32(4)))),
    set(cColumn, get(c)),
    // for each NR-wide panel of B (a column of tiles of C)
    doWhile(
      ltU(get(pbPanel), get(bEnd)),
      set(paPanel, get(a)),
      set(cTile, get(cColumn)),
      // for each MR-tall panel of A (a tile of C)
      doWhile(
        ltU(get(paPanel), get(aEnd)),
        ...microKernel,
        inc(paPanel, mul(get(kc), i32(mr * 4))),
        inc(cTile, mul(get(ldc), i32(mr))),
      ),
      inc(pbPanel, mul(get(kc), i32(nr * 4))),
      inc(cColumn, i32(nr * 4)),
    ),
  ];

  return {
    name: 'gemm_macro',
    params: new Array<number>(8).fill(I32),
    locals: [...new Array<number>(i32Count).fill(I32), ...new Array<number>(v128Count).fill(V128)],
    body: body.flat(),
  };
}
