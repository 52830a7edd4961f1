/**
 * Reusable scratch memory for the hot loops of the transforms.
 *
 * On these machines allocating a typed array costs 1–20 µs (it lives outside
 * the JS heap), more than augmenting a whole 32×32 image. So the transforms
 * keep their temporary arrays in module-level `Scratch` slots that grow as
 * needed and are reused. The contents are garbage between calls; each slot
 * belongs to one function, which overwrites what it reads. JavaScript runs one
 * call at a time per thread, and every worker thread has its own copy.
 */
export class Float64Scratch {
  private buffer = new Float64Array(0);

  /** A Float64Array of exactly `length` elements (contents undefined). */
  get(length: number): Float64Array {
    if (this.buffer.length < length) this.buffer = new Float64Array(Math.max(length, 2 * this.buffer.length));
    return this.buffer.subarray(0, length);
  }
}

export class Float32Scratch {
  private buffer = new Float32Array(0);

  /** A Float32Array of exactly `length` elements (contents undefined). */
  get(length: number): Float32Array {
    if (this.buffer.length < length) this.buffer = new Float32Array(Math.max(length, 2 * this.buffer.length));
    return this.buffer.subarray(0, length);
  }
}

export class Int32Scratch {
  private buffer = new Int32Array(0);

  /** An Int32Array of exactly `length` elements (contents undefined). */
  get(length: number): Int32Array {
    if (this.buffer.length < length) this.buffer = new Int32Array(Math.max(length, 2 * this.buffer.length));
    return this.buffer.subarray(0, length);
  }
}
