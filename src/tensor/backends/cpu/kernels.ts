/**
 * The two inner loops of the GEMM, as a pair: the macro-kernel (C (+)= packed
 * A · packed B) and the panel packer (gather.ts). Float32 runs the
 * WebAssembly versions (wasm-gemm.ts, wasm-pack.ts) on the shared heap;
 * float64 runs their plain-TypeScript twins on ordinary arrays.
 * Indices are float (or int) indices into the heap's arrays, never bytes.
 */
import { platform } from '#platform';
import type { FloatArray } from '../../backend.js';
import { MR, NR } from './blocking.js';
import { packPanels } from './gather.js';
import { macroKernel } from './macro-kernel.js';
import { wasm, type WasmInstance, type WasmMemory, type WasmModule } from './wasm-api.js';
import { encodeModule, f32x4RelaxedMadd, set, V128, v128Zero } from './wasm-encoder.js';
import { DEFAULT_TILE, gemmMacroFunction } from './wasm-gemm.js';
import { packFunction } from './wasm-pack.js';
import { passFunctions } from './wasm-passes.js';

/** C[i, j] (+)= Σ_{k<kc} A[i, k]·B[k, j] over packed panels; same contract as gemm_macro (wasm-gemm.ts). */
export type MacroKernel = (
  aAt: number,
  bAt: number,
  cAt: number,
  mc: number,
  nc: number,
  kc: number,
  ldc: number,
  accumulate: boolean,
) => void;

/** Writes `panels` panels of width w at dAt; same contract as packPanels (gather.ts). */
export type Packer = (
  w: number,
  dAt: number,
  kTab: number,
  kc: number,
  jTab: number,
  panels: number,
  height: number,
  width: number,
) => void;

export interface Kernels {
  macro: MacroKernel;
  pack: Packer;
}

/** The wasm page size in bytes. */
export const WASM_PAGE = 65536;

/**
 * Whether this engine runs relaxed SIMD (f32x4.relaxed_madd): browsers and
 * Node 22+ do; Node 20 only with --experimental-wasm-relaxed-simd (which the
 * commands' re-launch adds, src/cli/relaunch.ts). Asked once, by validating a
 * module whose one function computes a relaxed_madd.
 */
export function relaxedSimdSupported(): boolean {
  relaxedSimd ??= wasm.validate(
    encodeModule(
      [
        {
          name: 'relaxed_madd_probe',
          params: [],
          locals: [V128],
          body: set(0, f32x4RelaxedMadd(v128Zero(), v128Zero(), v128Zero())),
        },
      ],
      { initial: 1, maximum: 1 },
    ),
  );
  return relaxedSimd;
}
let relaxedSimd: boolean | undefined;

/**
 * Whether the GEMM uses fused multiply-add: relaxed SIMD is there and
 * LPL_NO_FMA is not set. The two kernels sum in the same order; the fused one
 * rounds once per product-and-add instead of twice, so their float32 results
 * differ in the last bits (both stay within the tested bound of the reference).
 */
export function fmaByDefault(): boolean {
  return relaxedSimdSupported() && !platform.env('LPL_NO_FMA');
}

const compiled = new Map<boolean, WasmModule>();
/** The compiled kernels (with or without fused multiply-add), importing a shared memory of at most `maxPages`. */
export function kernelModule(maxPages: number, fma = false): WasmModule {
  let module = compiled.get(fma);
  if (!module) {
    const functions = [gemmMacroFunction({ ...DEFAULT_TILE, fma }), packFunction(MR), packFunction(NR)];
    module = new wasm.Module(encodeModule(functions, { initial: 1, maximum: maxPages }));
    compiled.set(fma, module);
  }
  return module;
}

/** The float32 kernels of one instance over `memory` (one instance per thread). */
export function wasmKernels(module: WasmModule, memory: WasmMemory): Kernels {
  const instance: WasmInstance = new wasm.Instance(module, { env: { memory } });
  type Fn = (...args: number[]) => void;
  const gemm = instance.exports.gemm_macro as Fn;
  const packA = instance.exports[`pack${MR}`] as Fn;
  const packB = instance.exports[`pack${NR}`] as Fn;
  return {
    macro: (a, b, c, mc, nc, kc, ldc, accumulate) =>
      gemm(4 * a, 4 * b, 4 * c, mc, nc, kc, 4 * ldc, accumulate ? 1 : 0),
    pack: (w, d, kTab, kc, jTab, panels, height, width) =>
      (w === MR ? packA : packB)(4 * d, 4 * kTab, kc, 4 * jTab, panels, height, width),
  };
}

/** The memory-bound passes of wasm-passes.ts, byte addresses in the shared heap; same contracts as there. */
export interface Passes {
  rows(
    mode: 'copy' | 'add' | 'relu',
    src: number,
    rowStride: number,
    groupStride: number,
    dst: number,
    groups: number,
    rows: number,
    pixels: number,
    bias: number,
  ): void;
  maskGrad(
    g: number,
    y: number,
    out: number,
    planes: number,
    pixels: number,
    channels: number,
    sums: number,
  ): void;
  maxPool2x2(
    x: number,
    out: number,
    arg: number,
    planes: number,
    h: number,
    w: number,
    oh: number,
    ow: number,
  ): void;
}

let passModule: WasmModule | undefined;
/** The passes of one instance over `memory` (the main thread's; they never run in workers). */
export function wasmPasses(memory: WasmMemory, maxPages: number): Passes {
  passModule ??= new wasm.Module(encodeModule(passFunctions(), { initial: 1, maximum: maxPages }));
  const { exports } = new wasm.Instance(passModule, { env: { memory } });
  type Fn = (...args: number[]) => void;
  const rows = { copy: exports.rows_copy as Fn, add: exports.rows_add as Fn, relu: exports.rows_relu as Fn };
  return {
    rows: (mode, ...args) => rows[mode](...args),
    maskGrad: exports.mask_grad as Passes['maskGrad'],
    maxPool2x2: exports.max_pool_2x2 as Passes['maxPool2x2'],
  };
}

/** The plain-TypeScript kernels over arrays that `heap()` returns at call time. */
export function typeScriptKernels(heap: () => { data: FloatArray; ints: Int32Array }): Kernels {
  return {
    macro: (a, b, c, mc, nc, kc, ldc, accumulate) => {
      const { data } = heap();
      macroKernel(data, data, a, b, c, mc, nc, kc, ldc, accumulate);
    },
    pack: (w, d, kTab, kc, jTab, panels, height, width) => {
      const { data, ints } = heap();
      packPanels(data, d, ints, kTab, kc, jTab, panels, w, height, width);
    },
  };
}
