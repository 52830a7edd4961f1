/**
 * The platform seam: the few things the library needs from its host that Node
 * and a browser provide differently. Everything under src/tensor, src/autograd,
 * src/nn, src/lpl and the in-memory parts of src/data reaches the host only
 * through `import { platform } from '#platform'`, which package.json's
 * "imports" map resolves per environment:
 *
 *   "#platform": { "browser": "./src/platform/browser.ts", "default": "./src/platform/node.ts" }
 *
 * Node (tsx, vitest, the commands) gets src/platform/node.ts; a bundler that
 * builds for the browser (Vite, for the demo page) gets src/platform/browser.ts.
 * Both export the same `platform` object, typed by the interface below.
 */

/** The workers the library starts: GEMM threads of the cpu backend, and augmentation threads. */
export type WorkerKind = 'gemm' | 'augment';

/** What a worker tells the thread that started it: a message, a failure, its end (with an exit code). */
export interface WorkerEvents {
  message: unknown;
  error: Error;
  exit: number;
}

/** A started worker, seen from the thread that started it (the part of Node's Worker the library uses). */
export interface PlatformWorker {
  postMessage(message: unknown): void;
  on<E extends keyof WorkerEvents>(event: E, listener: (value: WorkerEvents[E]) => void): void;
  once<E extends keyof WorkerEvents>(event: E, listener: (value: WorkerEvents[E]) => void): void;
  off<E extends keyof WorkerEvents>(event: E, listener: (value: WorkerEvents[E]) => void): void;
  /** Node: the worker keeps (ref) or no longer keeps (unref) the process alive. No-ops in a browser. */
  ref(): void;
  unref(): void;
  terminate(): Promise<unknown> | void;
}

/** The thread that started this worker, seen from inside the worker. */
export interface ParentPort {
  postMessage(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
}

/** A file's size and modification time. */
export interface FileInfo {
  size: number;
  mtimeMs: number;
}

/** The file system: Node's; in a browser every call throws an Error that says so. */
export interface Files {
  readFile(file: string): Uint8Array;
  readText(file: string): string;
  /** Writes to a temporary file in the same folder, syncs it, then renames it over `file`. */
  writeFileAtomic(file: string, chunks: readonly Uint8Array[]): void;
  appendText(file: string, text: string): void;
  makeDir(dir: string): void;
  exists(path: string): boolean;
  listDir(dir: string): string[];
  info(path: string): FileInfo;
  remove(path: string): void;
  /** Joins path segments with the platform's separator. */
  join(...parts: string[]): string;
  /** The folder part of a path. */
  dirname(path: string): string;
}

export interface Platform {
  readonly name: 'node' | 'browser';
  /** Logical processors this process may use (Node: os.availableParallelism; browser: hardwareConcurrency). */
  cores(): number;
  /** A short description of the processor (for caches keyed by machine). */
  cpuModel(): string;
  /** True when threads can share memory: always in Node; in a browser only when cross-origin isolated. */
  sharedMemory(): boolean;
  /** An environment variable (process.env in Node; none in a browser). */
  env(name: string): string | undefined;
  /** Starts a worker of `kind`; `data` is what `workerData()` returns inside it. */
  startWorker(kind: WorkerKind, data: unknown): PlatformWorker;
  /** Inside a worker: the data it was started with. */
  workerData(): Promise<unknown>;
  /** Inside a worker: the thread that started it (null outside a worker). */
  parentPort(): ParentPort | null;
  /** Inflates gzip bytes. */
  gunzip(bytes: Uint8Array): Uint8Array;
  /** Loads gpu.js (a browser page must await this before `loadGpujs`; Node needs nothing). */
  prepareGpujs(): Promise<void>;
  /** The gpu.js module (gpu.js is CommonJS in Node and a browser bundle on a page). */
  loadGpujs(): typeof import('gpu.js');
  /** Why gpu.js's headlessgl mode has no context here (it is a Node mode: native package `gl`). */
  headlessGlProblem(): string;
  readonly files: Files;
}

/** True on a little-endian host (every platform this library supports; safetensors needs it). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
