/**
 * Emits the WebAssembly twin of `packPanels` (gather.ts) for panels w wide:
 *
 * pack_w(dst, kTab, kc, jTab, panels, height, width), byte addresses:
 *   for each of `panels` records at jTab, for each of the kc (row, col, off) triples at kTab:
 *     dst[0..w) = X(k, j) for the panel's w positions j; dst += w floats
 * with X(k, j) = inside(row_k + row_j, col_k + col_j) ? f32[off_k + off_j] : 0.
 *
 * When the whole row is inside, the bounds tests are skipped, and when the
 * panel's offsets are consecutive (`run`) the row is copied with w/4 f32x4
 * loads and stores.
 */
import { recordInts } from './gather.js';
import {
  add,
  and,
  doWhile,
  f32Load,
  f32Store,
  f32Zero,
  get,
  I32,
  i32,
  i32Load,
  ifThen,
  inc,
  ltU,
  mul,
  set,
  shl,
  v128Load,
  v128Store,
  type Bytes,
  type WasmFunction,
} from './wasm-encoder.js';

export function packFunction(w: number): WasmFunction {
  const [dst, kTab, kc, jTab, panels, height, width] = [0, 1, 2, 3, 4, 5, 6];
  let next = 7;
  const rec = next++; // current panel record
  const recEnd = next++;
  const t = next++; // current k triple
  const tEnd = next++;
  const kRow = next++;
  const kCol = next++;
  const kBase = next++; // byte address of f32[off_k]
  const d = next++; // where the next row of the panel goes
  // the panel's bounds, run flag and first offset, read once per panel
  const [rowMin, rowMax, colMin, colMax, run, firstOff] = [next++, next++, next++, next++, next++, next++];
  const recordBytes = 4 * recordInts(w);
  const field = (index: number): Bytes => i32Load(get(rec), 4 * index); // ints[rec + index]
  const [ROW, COL, OFF, RUN, ROW_MIN, ROW_MAX, COL_MIN, COL_MAX] = [
    0,
    w,
    2 * w,
    3 * w,
    3 * w + 1,
    3 * w + 2,
    3 * w + 3,
    3 * w + 4,
  ];
  // byte address of f32[off_k + off_j]
  const source = (j: number): Bytes => add(get(kBase), shl(field(OFF + j), i32(2)));

  const copyRun: Bytes[] = [];
  const runSource = add(get(kBase), get(firstOff));
  for (let v = 0; v < w / 4; v++) copyRun.push(v128Store(get(d), v128Load(runSource, 16 * v), 16 * v));
  const copyGather: Bytes[] = [];
  for (let j = 0; j < w; j++) copyGather.push(f32Store(get(d), f32Load(source(j)), 4 * j));
  const copyChecked: Bytes[] = [];
  for (let j = 0; j < w; j++) {
    const inside = and(
      ltU(add(get(kRow), field(ROW + j)), get(height)),
      ltU(add(get(kCol), field(COL + j)), get(width)),
    );
    copyChecked.push(
      ifThen(inside, f32Store(get(d), f32Load(source(j)), 4 * j), f32Store(get(d), f32Zero(), 4 * j)),
    );
  }
  const allInside = and(
    and(ltU(add(get(kRow), get(rowMin)), get(height)), ltU(add(get(kRow), get(rowMax)), get(height))),
    and(ltU(add(get(kCol), get(colMin)), get(width)), ltU(add(get(kCol), get(colMax)), get(width))),
  );

  const body: Bytes[] = [
    set(d, get(dst)),
    set(rec, get(jTab)),
    set(recEnd, add(get(jTab), mul(get(panels), i32(recordBytes)))),
    doWhile(
      ltU(get(rec), get(recEnd)),
      set(t, get(kTab)),
      set(tEnd, add(get(kTab), mul(get(kc), i32(12)))),
      set(rowMin, field(ROW_MIN)),
      set(rowMax, field(ROW_MAX)),
      set(colMin, field(COL_MIN)),
      set(colMax, field(COL_MAX)),
      set(run, field(RUN)),
      set(firstOff, shl(field(OFF), i32(2))),
      doWhile(
        ltU(get(t), get(tEnd)),
        set(kRow, i32Load(get(t))),
        set(kCol, i32Load(get(t), 4)),
        set(kBase, shl(i32Load(get(t), 8), i32(2))),
        ifThen(allInside, ifThen(get(run), copyRun.flat(), copyGather.flat()), copyChecked.flat()),
        inc(d, i32(4 * w)),
        inc(t, i32(12)),
      ),
      inc(rec, i32(recordBytes)),
    ),
  ];
  return {
    name: `pack${w}`,
    params: new Array<number>(7).fill(I32),
    locals: new Array<number>(next - 7).fill(I32),
    body: body.flat(),
  };
}
