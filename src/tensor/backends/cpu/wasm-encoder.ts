/**
 * A tiny WebAssembly binary encoder: just the instructions the GEMM kernel
 * and the passes around it need (i32 and f64 arithmetic, loops, f32x4 SIMD
 * loads, stores, arithmetic, comparisons, masks and shuffles), no toolchain.
 *
 * Instructions are written as expressions that return their bytes, operands
 * first (WebAssembly is a stack machine), e.g.
 *   set(x, add(get(x), i32(4)))   ==   x = x + 4
 * The binary format is described in the WebAssembly core specification
 * (sections 5.x "Binary Format"); opcodes are named where they are used.
 */

export type Bytes = number[];

/** Value types. */
export const I32 = 0x7f;
export const F32 = 0x7d;
export const F64 = 0x7c;
export const V128 = 0x7b;

/** Unsigned LEB128: 7 bits a byte, high bit set on all but the last. */
export function uleb(n: number): Bytes {
  const out: Bytes = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

/** Signed LEB128 (for i32.const). */
export function sleb(n: number): Bytes {
  const out: Bytes = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    const done = (n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0);
    out.push(done ? byte : byte | 0x80);
    if (done) return out;
  }
}

const cat = (...parts: Bytes[]): Bytes => parts.flat();

// --- Locals and constants -------------------------------------------------
export const get = (local: number): Bytes => [0x20, ...uleb(local)];
export const set = (local: number, value: Bytes): Bytes => [...value, 0x21, ...uleb(local)];
export const i32 = (n: number): Bytes => [0x41, ...sleb(n | 0)];

// --- i32 arithmetic and comparisons (signed) ------------------------------
export const add = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x6a]);
export const sub = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x6b]);
export const mul = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x6c]);
export const eqz = (a: Bytes): Bytes => cat(a, [0x45]);
export const ltS = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x48]);
export const ltU = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x49]);
export const and = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x71]);
export const shl = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x74]);
/** x += delta, for an i32 local. */
export const inc = (local: number, delta: Bytes): Bytes => set(local, add(get(local), delta));

// --- Control flow -----------------------------------------------------------
const EMPTY_BLOCK = 0x40;
/** `block ... end`: `br 0` inside jumps to its end. */
export const block = (...body: Bytes[]): Bytes => cat([0x02, EMPTY_BLOCK], ...body, [0x0b]);
/** `loop ... end`: `br 0` inside jumps back to its start. */
export const loop = (...body: Bytes[]): Bytes => cat([0x03, EMPTY_BLOCK], ...body, [0x0b]);
export const br = (depth: number): Bytes => [0x0c, ...uleb(depth)];
export const brIf = (depth: number, cond: Bytes): Bytes => cat(cond, [0x0d, ...uleb(depth)]);
export const ifThen = (cond: Bytes, then: Bytes, otherwise?: Bytes): Bytes =>
  otherwise
    ? cat(cond, [0x04, EMPTY_BLOCK], then, [0x05], otherwise, [0x0b])
    : cat(cond, [0x04, EMPTY_BLOCK], then, [0x0b]);

/** `while (!exitWhen) { body }`, written as block { loop { br_if exit; body; br loop } }. */
export const whileNot = (exitWhen: Bytes, ...body: Bytes[]): Bytes =>
  block(loop(brIf(1, exitWhen), ...body, br(0)));

/** `do { body } while (cond)`: for loops known to run at least once. */
export const doWhile = (cond: Bytes, ...body: Bytes[]): Bytes => loop(...body, brIf(0, cond));

// --- Scalar memory access (memarg: alignment exponent, constant byte offset) ---
export const i32Load = (address: Bytes, offset = 0): Bytes => cat(address, [0x28, 2], uleb(offset));
export const f32Load = (address: Bytes, offset = 0): Bytes => cat(address, [0x2a, 2], uleb(offset));
export const f32Store = (address: Bytes, value: Bytes, offset = 0): Bytes =>
  cat(address, value, [0x38, 2], uleb(offset));
export const f32Zero = (): Bytes => [0x43, 0, 0, 0, 0];
export const i32Store = (address: Bytes, value: Bytes, offset = 0): Bytes =>
  cat(address, value, [0x36, 2], uleb(offset));
/** f32.const: a float32, little-endian. */
export const f32Const = (value: number): Bytes => [0x43, ...new Uint8Array(Float32Array.of(value).buffer)];
export const f32Add = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x92]);
export const f32Mul = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x94]);
/** f32.gt: 1 where a > b, 0 otherwise (and where either is NaN). */
export const f32Gt = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0x5e]);
/** select: a when cond ≠ 0, else b (any one value type). */
export const select = (a: Bytes, b: Bytes, cond: Bytes): Bytes => cat(a, b, cond, [0x1b]);
export const f64Load = (address: Bytes, offset = 0): Bytes => cat(address, [0x2b, 3], uleb(offset));
export const f64Store = (address: Bytes, value: Bytes, offset = 0): Bytes =>
  cat(address, value, [0x39, 3], uleb(offset));
export const f64Add = (a: Bytes, b: Bytes): Bytes => cat(a, b, [0xa0]);
/** f64.promote_f32: a float32 as a float64 (exact). */
export const f64PromoteF32 = (a: Bytes): Bytes => cat(a, [0xbb]);

// --- SIMD (prefix 0xfd) -------------------------------------------------------
const simd = (opcode: number): Bytes => [0xfd, ...uleb(opcode)];
/** memarg: alignment exponent, then a constant byte offset added to the address. */
const memarg = (alignLog2: number, offset: number): Bytes => [...uleb(alignLog2), ...uleb(offset)];

/** v128.load: 4 floats from address + offset. */
export const v128Load = (address: Bytes, offset = 0): Bytes => cat(address, simd(0x00), memarg(4, offset));
/** v128.load32_splat: one float from address + offset, copied to all 4 lanes. */
export const v128LoadSplat = (address: Bytes, offset = 0): Bytes =>
  cat(address, simd(0x09), memarg(2, offset));
/** v128.store: 4 floats to address + offset. */
export const v128Store = (address: Bytes, value: Bytes, offset = 0): Bytes =>
  cat(address, value, simd(0x0b), memarg(4, offset));
/** v128.const 0: all lanes +0. */
export const v128Zero = (): Bytes => cat(simd(0x0c), new Array<number>(16).fill(0));
/** v128.const: 16 bytes, little-endian lanes. */
export const v128Const = (bytes: readonly number[]): Bytes => cat(simd(0x0c), [...bytes]);
/** A v128.const of four float32 lanes. */
export const f32x4Const = (lanes: readonly [number, number, number, number]): Bytes =>
  v128Const([...new Uint8Array(Float32Array.from(lanes).buffer)]);
/** A v128.const of four int32 lanes. */
export const i32x4Const = (lanes: readonly [number, number, number, number]): Bytes =>
  v128Const([...new Uint8Array(Int32Array.from(lanes).buffer)]);
/** i8x16.shuffle: byte i of the result is byte lanes[i] of a‖b (0–15 from a, 16–31 from b). */
export const i8x16Shuffle = (a: Bytes, b: Bytes, lanes: readonly number[]): Bytes =>
  cat(a, b, simd(0x0d), [...lanes]);
/** Float32 lanes i of a and j of b (4 + j) as a shuffle of whole lanes. */
export const f32x4Shuffle = (a: Bytes, b: Bytes, lanes: readonly [number, number, number, number]): Bytes =>
  i8x16Shuffle(
    a,
    b,
    lanes.flatMap((lane) => [4 * lane, 4 * lane + 1, 4 * lane + 2, 4 * lane + 3]),
  );
export const i32x4Splat = (a: Bytes): Bytes => cat(a, simd(0x11));
export const f32x4Splat = (a: Bytes): Bytes => cat(a, simd(0x13));
export const f32x4ExtractLane = (a: Bytes, lane: number): Bytes => cat(a, simd(0x1f), [lane]);
/** f32x4.gt: all ones in the lanes where a > b (false where either is NaN). */
export const f32x4Gt = (a: Bytes, b: Bytes): Bytes => cat(a, b, simd(0x44));
export const v128And = (a: Bytes, b: Bytes): Bytes => cat(a, b, simd(0x4e));
/** v128.bitselect: the bits of a where mask is 1, of b where it is 0. */
export const v128Bitselect = (a: Bytes, b: Bytes, mask: Bytes): Bytes => cat(a, b, mask, simd(0x52));
export const i32x4Add = (a: Bytes, b: Bytes): Bytes => cat(a, b, simd(0xae));
export const f32x4Add = (a: Bytes, b: Bytes): Bytes => cat(a, b, simd(0xe4));
export const f32x4Mul = (a: Bytes, b: Bytes): Bytes => cat(a, b, simd(0xe6));
/**
 * f32x4.relaxed_madd (relaxed SIMD): a·b + c per lane, fused (one rounding) where
 * the hardware has FMA, else a multiply then an add; the same choice every call on one machine.
 */
export const f32x4RelaxedMadd = (a: Bytes, b: Bytes, c: Bytes): Bytes => cat(a, b, c, simd(0x105));

// --- Module assembly -------------------------------------------------------------

export interface WasmFunction {
  name: string;
  /** Parameter types (locals 0..params.length-1). */
  params: number[];
  /** Extra locals after the parameters, by type. */
  locals: number[];
  body: Bytes;
}

const vec = (items: Bytes[]): Bytes => cat(uleb(items.length), ...items);
const section = (id: number, content: Bytes): Bytes => cat([id], uleb(content.length), content);
const name = (s: string): Bytes => vec([...s].map((ch) => [ch.charCodeAt(0)]));

/**
 * A module that imports a shared memory as env.memory (so that every worker
 * thread's instance sees the same bytes) and exports `functions`, none of
 * which returns a value.
 */
export function encodeModule(functions: WasmFunction[], memoryPages: { initial: number; maximum: number }) {
  const types = functions.map((f) => cat([0x60], vec(f.params.map((t) => [t])), vec([])));
  // limits flag 0x03: has a maximum, shared
  const memoryImport = cat(
    name('env'),
    name('memory'),
    [0x02, 0x03],
    uleb(memoryPages.initial),
    uleb(memoryPages.maximum),
  );
  const exports = functions.map((f, i) => cat(name(f.name), [0x00], uleb(i)));
  const functionNames = vec(functions.map((f, i) => cat(uleb(i), name(f.name))));
  const bodies = functions.map((f) => {
    // locals are declared as runs of (count, type)
    const runs: Bytes[] = [];
    for (let i = 0; i < f.locals.length;) {
      let j = i;
      while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
      runs.push(cat(uleb(j - i), [f.locals[i]!]));
      i = j;
    }
    const code = cat(vec(runs), f.body, [0x0b]);
    return cat(uleb(code.length), code);
  });
  return new Uint8Array(
    cat(
      [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00], // "\0asm", version 1
      section(1, vec(types)),
      section(2, vec([memoryImport])),
      section(3, vec(functions.map((_, i) => uleb(i)))),
      section(7, vec(exports)),
      section(10, vec(bodies)),
      // custom section "name", subsection 1 (function names): profilers and stack traces show these
      section(0, cat(name('name'), [1], uleb(functionNames.length), functionNames)),
    ),
  );
}
