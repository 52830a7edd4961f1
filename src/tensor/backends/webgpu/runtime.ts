/**
 * The WebGPU runtime under the webgpu backend: the device, buffers that hold
 * tensors, compute pipelines compiled once per WGSL source, and dispatch.
 *
 * Everything here is synchronous except acquiring the device and reading a
 * buffer back: creating and filling buffers and recording compute passes are
 * synchronous WebGPU calls. Dispatches are recorded into one command encoder
 * and submitted together (`flush`) before a read, or every MAX_PENDING
 * dispatches, so a training step costs a few submits, not one per kernel.
 *
 * Ordering: every dispatch gets a fresh parameter buffer, and uploads make new
 * buffers (mapped at creation), so nothing is written to a buffer that a
 * recorded but unsubmitted pass still reads.
 */
/// <reference types="@webgpu/types" />
import type { DeviceStorage, DType, FloatArray } from '../../backend.js';

/** Threads per workgroup for one-dimensional kernels (lavapipe allows at most 256). */
export const WORKGROUP = 256;
/** Workgroups along x before a dispatch spills into y (WebGPU guarantees 65535). */
const MAX_GROUPS_X = 65535;
const MAX_PENDING = 64;

const STORAGE = 0x80; // GPUBufferUsage.STORAGE
const COPY_SRC = 0x04;
const COPY_DST = 0x08;
const MAP_READ = 0x01;

/** Counts of what crossed between host and device, for the benchmark. */
export interface TransferStats {
  dispatches: number;
  submits: number;
  uploadedBytes: number;
  readBytes: number;
  reads: number;
}

/**
 * A float32 tensor's data on the device: one storage buffer of `length`
 * elements. Its buffer is freed by `dispose()`, by the runtime's `release`
 * (the end of a training step), or at the latest when the storage is garbage
 * collected.
 */
export class GpuStorage implements DeviceStorage {
  readonly device = 'webgpu';
  readonly dtype: DType = 'float32';
  /** Increasing with creation: `release(mark)` frees what came after a mark. */
  readonly id: number;
  private destroyed = false;

  constructor(
    readonly runtime: WebGpuRuntime,
    readonly buffer: GPUBuffer,
    readonly length: number,
  ) {
    this.id = runtime.track(this);
  }

  read(shape: readonly number[], stride: readonly number[], offset: number): Promise<FloatArray> {
    return this.runtime.readStrided(this, shape, stride, offset);
  }

  get(): number {
    throw new Error('webgpu: element access to device memory; read the tensor with await t.data()');
  }

  set(): void {
    throw new Error('webgpu: element access to device memory; write through the backend (upload, assign)');
  }

  /** Frees the buffer now (instead of when it is garbage collected). Idempotent. */
  dispose(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.runtime.untrack(this);
    this.runtime.destroyBuffer(this.buffer);
  }

  get isDisposed(): boolean {
    return this.destroyed;
  }
}

export class WebGpuRuntime {
  readonly stats: TransferStats = { dispatches: 0, submits: 0, uploadedBytes: 0, readBytes: 0, reads: 0 };
  /** Storages not yet freed, by id (weakly: a forgotten one is collected, and its buffer freed). */
  private readonly live = new Map<number, { ref: WeakRef<GpuStorage>; buffer: GPUBuffer }>();
  private nextId = 0;
  private readonly collected = new FinalizationRegistry<{ id: number; buffer: GPUBuffer }>(
    ({ id, buffer }) => {
      if (this.live.delete(id)) this.destroyBuffer(buffer);
    },
  );
  private readonly pipelines = new Map<string, GPUComputePipeline>();
  private encoder: GPUCommandEncoder | null = null;
  private pending = 0;
  /** Buffers freed while passes that use them may still be unsubmitted: destroyed after the next submit. */
  private toDestroy: GPUBuffer[] = [];
  /** Called with the storage to make a strided view row-major (set by the backend). */
  contiguousCopy:
    | ((s: GpuStorage, shape: readonly number[], stride: readonly number[], offset: number) => GpuStorage)
    | null = null;

  constructor(
    readonly device: GPUDevice,
    readonly adapterName: string,
    /** True for software adapters (lavapipe's llvmpipe, SwiftShader): correct, never fast. */
    readonly isSoftware: boolean,
  ) {}

  // ------------------------------------------------------------------ buffers

  private createBuffer(length: number, mapped: boolean): GPUBuffer {
    const size = Math.max(4, length * 4);
    if (size > this.device.limits.maxStorageBufferBindingSize) {
      throw new Error(
        `webgpu: a tensor of ${length} float32 values (${(size / 2 ** 20).toFixed(0)} MiB) is larger than this ` +
          `device's largest storage binding (${(this.device.limits.maxStorageBufferBindingSize / 2 ** 20).toFixed(0)} MiB)`,
      );
    }
    return this.device.createBuffer({ size, usage: STORAGE | COPY_SRC | COPY_DST, mappedAtCreation: mapped });
  }

  /** A new storage of `length` elements, contents undefined until a kernel writes them. */
  allocate(length: number): GpuStorage {
    return new GpuStorage(this, this.createBuffer(length, false), length);
  }

  /** A new storage holding `values` (converted to float32). */
  upload(values: ArrayLike<number>): GpuStorage {
    const buffer = this.createBuffer(values.length, true);
    new Float32Array(buffer.getMappedRange()).set(values);
    buffer.unmap();
    this.stats.uploadedBytes += values.length * 4;
    return new GpuStorage(this, buffer, values.length);
  }

  /** Frees a buffer once no recorded pass can still use it (after the next submit). */
  destroyBuffer(buffer: GPUBuffer): void {
    if (this.encoder) this.toDestroy.push(buffer);
    else buffer.destroy();
  }

  track(s: GpuStorage): number {
    const id = this.nextId++;
    this.live.set(id, { ref: new WeakRef(s), buffer: s.buffer });
    this.collected.register(s, { id, buffer: s.buffer }, s);
    return id;
  }

  untrack(s: GpuStorage): void {
    this.live.delete(s.id);
    this.collected.unregister(s);
  }

  /** The number of device buffers holding tensors now (the memory test watches it). */
  get liveCount(): number {
    return this.live.size;
  }

  /** The number of storages made since `mark` that are still alive (neither freed nor collected). */
  liveSince(mark: number): number {
    let n = 0;
    for (const [id, { ref }] of this.live) if (id >= mark && ref.deref()) n++;
    return n;
  }

  /** A mark: `release(mark, keep)` frees every storage made after it. */
  mark(): number {
    return this.nextId;
  }

  /**
   * Frees every storage made since `mark` except those in `keep`: what a
   * training step made and no longer needs (activations, gradients, losses),
   * without waiting for garbage collection.
   */
  release(mark: number, keep: ReadonlySet<GpuStorage>): void {
    for (const [id, { ref, buffer }] of this.live) {
      if (id < mark) continue;
      const s = ref.deref();
      if (s && !keep.has(s)) s.dispose();
      else if (!s) {
        // collected, its finalizer not run yet: free its buffer now (the finalizer then finds nothing)
        this.live.delete(id);
        this.destroyBuffer(buffer);
      }
    }
  }

  // ---------------------------------------------------------------- dispatch

  private pipeline(code: string): GPUComputePipeline {
    let p = this.pipelines.get(code);
    if (!p) {
      const module = this.device.createShaderModule({ code });
      p = this.device.createComputePipeline({ layout: 'auto', compute: { module, entryPoint: 'main' } });
      this.pipelines.set(code, p);
    }
    return p;
  }

  /**
   * Records one dispatch of the WGSL `code` (entry point `main`). Binding 0 is a
   * read-only storage buffer with `params` (32-bit words); bindings 1.. are
   * `buffers` in order. `groups` is the workgroup count (x, y); use
   * `groupsFor` for one thread per element.
   */
  dispatch(
    code: string,
    params: Int32Array | Uint32Array | Float32Array,
    buffers: GPUBuffer[],
    groups: [number, number, number?],
  ): void {
    const pipeline = this.pipeline(code);
    const paramBuffer = this.device.createBuffer({
      size: Math.max(16, Math.ceil(params.byteLength / 16) * 16),
      usage: STORAGE,
      mappedAtCreation: true,
    });
    new Uint8Array(paramBuffer.getMappedRange()).set(
      new Uint8Array(params.buffer, params.byteOffset, params.byteLength),
    );
    paramBuffer.unmap();
    const bindGroup = this.device.createBindGroup({
      layout: pipeline.getBindGroupLayout(0),
      entries: [paramBuffer, ...buffers].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    this.encoder ??= this.device.createCommandEncoder();
    const pass = this.encoder.beginComputePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2] ?? 1);
    pass.end();
    this.toDestroy.push(paramBuffer);
    this.stats.dispatches++;
    if (++this.pending >= MAX_PENDING) this.flush();
  }

  /** Submits every recorded dispatch. */
  flush(): void {
    if (!this.encoder) return;
    this.device.queue.submit([this.encoder.finish()]);
    this.encoder = null;
    this.pending = 0;
    this.stats.submits++;
    for (const b of this.toDestroy) b.destroy();
    this.toDestroy = [];
  }

  // -------------------------------------------------------------------- reads

  /** A row-major host copy of the elements of a strided view over `s`. */
  async readStrided(
    s: GpuStorage,
    shape: readonly number[],
    stride: readonly number[],
    offset: number,
  ): Promise<Float32Array> {
    const n = shape.reduce((a, d) => a * d, 1);
    let source = s;
    let start = offset;
    if (!isRowMajor(shape, stride)) {
      if (!this.contiguousCopy) throw new Error('webgpu: no kernel to read a strided view');
      source = this.contiguousCopy(s, shape, stride, offset);
      start = 0;
    }
    const out = await this.readRange(source.buffer, start, n);
    if (source !== s) source.dispose();
    return out;
  }

  private async readRange(buffer: GPUBuffer, start: number, n: number): Promise<Float32Array> {
    if (n === 0) return new Float32Array(0);
    const staging = this.device.createBuffer({ size: n * 4, usage: MAP_READ | COPY_DST });
    this.encoder ??= this.device.createCommandEncoder();
    this.encoder.copyBufferToBuffer(buffer, start * 4, staging, 0, n * 4);
    this.flush();
    await staging.mapAsync(MAP_READ);
    const out = new Float32Array(staging.getMappedRange().slice(0));
    staging.unmap();
    staging.destroy();
    this.stats.readBytes += n * 4;
    this.stats.reads++;
    return out;
  }

  /** Frees every pipeline and the device (the runtime is unusable afterwards). */
  destroy(): void {
    this.flush();
    this.release(0, new Set());
    this.pipelines.clear();
    this.device.destroy();
  }
}

/** True when (shape, stride) lays the elements out row-major without gaps (size-1 axes ignored). */
export function isRowMajor(shape: readonly number[], stride: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] === 1) continue;
    if (stride[i] !== expected) return false;
    expected *= shape[i]!;
  }
  return true;
}

/** Workgroup counts for one thread per element of `n`, spilling into y past 65535 groups. */
export function groupsFor(n: number, perGroup = WORKGROUP): [number, number] {
  const groups = Math.max(1, Math.ceil(n / perGroup));
  if (groups <= MAX_GROUPS_X) return [groups, 1];
  return [MAX_GROUPS_X, Math.ceil(groups / MAX_GROUPS_X)];
}

/** WGSL: the flat thread index of a one-dimensional kernel dispatched with `groupsFor`. */
export const FLAT_INDEX = `fn flatIndex(gid: vec3u, nwg: vec3u) -> u32 { return gid.x + gid.y * nwg.x * ${WORKGROUP}u; }`;
