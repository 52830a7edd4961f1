/**
 * The two inner loops of the GEMM, as a pair: the macro-kernel (C (+)= packed
 * A · packed B) and the panel packer (gather.ts). Float32 runs the
 * WebAssembly versions (wasm-gemm.ts, wasm-pack.ts) on the shared heap;
 * float64 runs their plain-TypeScript twins on ordinary arrays.
 * Indices are float (or int) indices into the heap's arrays, never bytes.
 */
import type { FloatArray } from '../../backend.js';
import { MR, NR } from './blocking.js';
import { packPanels } from './gather.js';
import { macroKernel } from './macro-kernel.js';
import { wasm, type WasmInstance, type WasmMemory, type WasmModule } from './wasm-api.js';
import { encodeModule } from './wasm-encoder.js';
import { DEFAULT_TILE, gemmMacroFunction } from './wasm-gemm.js';
import { packFunction } from './wasm-pack.js';

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

let compiled: WasmModule | null = null;
/** The compiled kernels, importing a shared memory of at most `maxPages`. */
export function kernelModule(maxPages: number): WasmModule {
  if (!compiled) {
    const functions = [gemmMacroFunction(DEFAULT_TILE), packFunction(MR), packFunction(NR)];
    compiled = new wasm.Module(encodeModule(functions, { initial: 1, maximum: maxPages }));
  }
  return compiled;
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
