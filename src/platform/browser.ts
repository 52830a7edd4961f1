/**
 * The platform in a browser (a page or a Web Worker). See
 * src/platform/platform.ts for what each member is for.
 *
 * - Workers are module Web Workers, started by the factories that
 *   src/platform/browser-workers.ts registers (each `new Worker(new URL(...))`
 *   written out literally there, so that the bundler finds and bundles its entry).
 * - A worker's start data arrives as its first message, tagged START; this
 *   module registers for it when it is evaluated, before the worker's own code
 *   runs, so that the message cannot arrive unheard.
 * - Shared memory (SharedArrayBuffer, a shared WebAssembly.Memory) exists only
 *   on a cross-origin-isolated page (served with COOP: same-origin and
 *   COEP: require-corp); elsewhere the cpu backend runs on one thread.
 * - There is no file system: checkpoints travel as bytes (download, file input).
 */
import type { Files, ParentPort, Platform, PlatformWorker, WorkerEvents, WorkerKind } from './platform.js';

export type * from './platform.js';

const START = 'lpl-worker-data';
let gpujs: typeof import('gpu.js') | null = null;

interface WorkerScope {
  postMessage(message: unknown): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
const scope = globalThis as unknown as WorkerScope & { WorkerGlobalScope?: unknown; document?: unknown };
const insideWorker = typeof scope.WorkerGlobalScope !== 'undefined' && typeof scope.document === 'undefined';

const started: Promise<unknown> = insideWorker
  ? new Promise((resolve) => {
      scope.addEventListener('message', (event) => {
        const message = event.data as { [START]?: unknown } | null;
        if (message && typeof message === 'object' && START in message) resolve(message[START]);
      });
    })
  : Promise.reject(new Error('workerData() outside a worker'));
started.catch(() => undefined); // only a worker asks for it

const workerFactories = new Map<WorkerKind, () => Worker>();

/**
 * Registers how to start a worker of `kind`. src/platform/browser-workers.ts
 * registers both kinds; an application imports it once, from its entry (a
 * worker's own module graph must not contain it: a bundler refuses a worker
 * that starts itself).
 */
export function registerWorker(kind: WorkerKind, start: () => Worker): void {
  workerFactories.set(kind, start);
}

function moduleWorker(kind: WorkerKind): Worker {
  const start = workerFactories.get(kind);
  if (!start) {
    throw new Error(
      `no ${kind} worker registered: import 'src/platform/browser-workers.ts' from the page's (or its worker's) entry`,
    );
  }
  return start();
}

/** A module Web Worker behind Node's Worker interface (message, error; exit when terminated). */
function startWorker(kind: WorkerKind, data: unknown): PlatformWorker {
  const worker = moduleWorker(kind);
  type Listener = (value: never) => void;
  const listeners: { [E in keyof WorkerEvents]: Set<Listener> } = {
    message: new Set(),
    error: new Set(),
    exit: new Set(),
  };
  const emit = <E extends keyof WorkerEvents>(event: E, value: WorkerEvents[E]) => {
    for (const listener of [...listeners[event]]) (listener as (v: WorkerEvents[E]) => void)(value);
  };
  worker.addEventListener('message', (e) => emit('message', e.data as unknown));
  worker.addEventListener('error', (e) =>
    emit('error', new Error(e.message || `a ${kind} worker failed to start`)),
  );
  worker.addEventListener('messageerror', () =>
    emit('error', new Error(`a ${kind} worker could not read a message`)),
  );
  worker.postMessage({ [START]: data });
  const self: PlatformWorker = {
    postMessage: (message) => worker.postMessage(message),
    on: (event, listener) => void listeners[event].add(listener as Listener),
    off: (event, listener) => void listeners[event].delete(listener as Listener),
    once(event, listener) {
      const wrapped = (value: WorkerEvents[typeof event]) => {
        listeners[event].delete(wrapped as Listener);
        (listener as (v: WorkerEvents[typeof event]) => void)(value);
      };
      listeners[event].add(wrapped as Listener);
    },
    ref: () => undefined,
    unref: () => undefined,
    terminate() {
      worker.terminate();
      emit('exit', 1);
    },
  };
  return self;
}

const parent: ParentPort | null = insideWorker
  ? {
      postMessage: (message) => scope.postMessage(message),
      onMessage: (listener) =>
        scope.addEventListener('message', (event) => {
          const message = event.data as object | null;
          if (!(message && typeof message === 'object' && START in message)) listener(event.data);
        }),
    }
  : null;

const noFiles = (what: string): never => {
  throw new Error(
    `${what}: there is no file system in a browser (checkpoints are downloaded and loaded as bytes)`,
  );
};
const files: Files = {
  readFile: (file) => noFiles(`reading ${file}`),
  readText: (file) => noFiles(`reading ${file}`),
  writeFileAtomic: (file) => noFiles(`writing ${file}`),
  appendText: (file) => noFiles(`writing ${file}`),
  makeDir: (dir) => noFiles(`making ${dir}`),
  exists: () => false,
  listDir: (dir) => noFiles(`listing ${dir}`),
  info: (path) => noFiles(`reading ${path}`),
  remove: (path) => noFiles(`removing ${path}`),
  join: (...parts) => parts.join('/').replace(/\/+/g, '/'),
  dirname: (path) => (path.includes('/') ? path.slice(0, path.lastIndexOf('/')) || '/' : '.'),
};

export const platform: Platform = {
  name: 'browser',
  cores: () => (globalThis.navigator?.hardwareConcurrency as number | undefined) ?? 1,
  cpuModel: () => `${globalThis.navigator?.userAgent ?? 'browser'} ×${platform.cores()}`,
  sharedMemory: () => (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true,
  env: () => undefined,
  startWorker,
  workerData: () => started,
  parentPort: () => parent,
  gunzip: () => {
    throw new Error(
      'gunzip: in a browser, inflate with DecompressionStream before handing bytes to the library',
    );
  },
  async prepareGpujs() {
    // gpu.js's browser bundle (package.json "browser" field), loaded only when a gpujs backend is asked for
    gpujs ??= ((await import('gpu.js')) as { default?: unknown }).default as typeof import('gpu.js');
  },
  loadGpujs() {
    if (!gpujs) throw new Error('gpu.js is not loaded yet: await platform.prepareGpujs() first');
    return gpujs;
  },
  headlessGlProblem: () =>
    'headlessgl is a Node mode (the native package `gl`); on a page gpu.js uses webgl2',
  files,
};
