/**
 * Working memory for one kernel call: operands copied in, C, per-thread
 * packing scratch and small int tables, laid out by a bump allocator that
 * starts from 0 at each call. The memory only grows, so a training step
 * reuses the same buffers instead of allocating new ones.
 *
 * Float32: a shared WebAssembly.Memory, seen by the wasm kernel and by every
 * worker thread; ints live in the same bytes (an Int32Array view).
 * Float64: ordinary arrays, used by the main thread only.
 */
import { WASM_PAGE } from './kernels.js';
import { wasm, type WasmMemory } from './wasm-api.js';

/** 2 GiB − 64 KiB: byte addresses stay below 2³¹, so int32 arithmetic on them is safe. */
export const MAX_PAGES = 32767;

export interface Heap {
  readonly data: Float32Array | Float64Array;
  readonly ints: Int32Array;
  /** Starts a new layout (forgets earlier allocations). */
  reset(): void;
  /**
   * Reserves n floats (16-byte aligned) and returns their index in `data`.
   * The memory grows when needed, keeping its contents, so `data` and `ints`
   * may be new views afterwards: read them again after every allocation.
   */
  alloc(n: number): number;
  /** Reserves n int32s and returns their index in `ints`. */
  allocInts(n: number): number;
}

export class SharedFloat32Heap implements Heap {
  readonly memory: WasmMemory;
  data: Float32Array;
  ints: Int32Array;
  private top = 0;

  constructor(initialPages = 16) {
    this.memory = new wasm.Memory({ initial: initialPages, maximum: MAX_PAGES, shared: true });
    this.data = new Float32Array(this.memory.buffer);
    this.ints = new Int32Array(this.memory.buffer);
  }

  reset(): void {
    this.top = 0;
  }

  alloc(n: number): number {
    const at = this.top;
    this.top += Math.ceil(n / 4) * 4;
    this.grow();
    return at;
  }

  allocInts(n: number): number {
    return this.alloc(n);
  }

  private grow(): void {
    const bytes = this.top * 4;
    const have = this.memory.buffer.byteLength;
    if (bytes > have) {
      const pages = Math.ceil((bytes - have) / WASM_PAGE);
      if (have / WASM_PAGE + pages > MAX_PAGES) {
        throw new RangeError(
          `cpu backend: a kernel needs ${(bytes / 2 ** 20).toFixed(0)} MiB of working memory`,
        );
      }
      this.memory.grow(pages);
    }
    this.refresh();
  }

  /** Re-creates the views after the memory grew (here or in another thread). */
  refresh(): void {
    if (this.data.buffer.byteLength !== this.memory.buffer.byteLength) {
      this.data = new Float32Array(this.memory.buffer);
      this.ints = new Int32Array(this.memory.buffer);
    }
  }
}

export class Float64Heap implements Heap {
  data = new Float64Array(0);
  ints = new Int32Array(0);
  private top = 0;
  private intTop = 0;

  reset(): void {
    this.top = 0;
    this.intTop = 0;
  }

  alloc(n: number): number {
    const at = this.top;
    this.top += Math.ceil(n / 2) * 2;
    if (this.top > this.data.length) {
      const grown = new Float64Array(Math.max(this.top, this.data.length * 2));
      grown.set(this.data);
      this.data = grown;
    }
    return at;
  }

  allocInts(n: number): number {
    const at = this.intTop;
    this.intTop += n;
    if (this.intTop > this.ints.length) {
      const grown = new Int32Array(Math.max(this.intTop, this.ints.length * 2));
      grown.set(this.ints);
      this.ints = grown;
    }
    return at;
  }
}
