/**
 * The few WebAssembly JavaScript APIs this backend uses, typed here because
 * the project compiles without the DOM library (which is where TypeScript
 * declares them). At run time these are Node's own WebAssembly globals.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}
// Opaque handles: a compiled module can be sent to workers and instantiated there.
export type WasmModule = object & { readonly __wasmModule?: never };
export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

export const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
