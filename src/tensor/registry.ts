/**
 * The registry of backends: each one by name, and the one in use.
 *
 * This file imports the backends; they import only the interface
 * (backend.ts), so imports run one way: registry -> backends -> backend.ts.
 */
import { HOST, type Backend } from './backend.js';
import { CpuBackend } from './backends/cpu.js';
import { GpujsBackend } from './backends/gpujs.js';
import { ReferenceBackend } from './backends/reference.js';
import { webGpuIfReady, webGpuUnavailableReason } from './backends/webgpu.js';

type BackendFactory = () => Backend;
const factories = new Map<string, BackendFactory>();
/** Backends whose factory is asked every time (their instance can be closed and made again). */
const uncached = new Set<string>();
/** Where each backend keeps its data, as declared when it was registered. */
const devices = new Map<string, string>();
const instances = new Map<string, Backend>();
let current: Backend | null = null;
let defaultName = 'reference';

/** Makes a backend selectable by name. The first call for a name wins unless `replace`. */
export function registerBackend(
  name: string,
  factory: BackendFactory,
  opts: { makeDefault?: boolean; cached?: boolean; device?: string } = {},
): void {
  factories.set(name, factory);
  devices.set(name, opts.device ?? HOST);
  instances.delete(name);
  if (opts.cached === false) uncached.add(name);
  else uncached.delete(name);
  if (opts.makeDefault) defaultName = name;
}

export function availableBackends(): string[] {
  return [...factories.keys()];
}

/** The registered backends that keep their data in host memory (they can share tensors). */
export function hostBackendNames(): string[] {
  return availableBackends().filter((name) => devices.get(name) === HOST);
}

/** The backend registered under `name` (created on first use). */
export function backendByName(name: string): Backend {
  let b = instances.get(name);
  if (!b) {
    const f = factories.get(name);
    if (!f) throw new Error(`unknown backend '${name}'; available: ${availableBackends().join(', ')}`);
    b = f();
    if (!uncached.has(name)) instances.set(name, b);
  }
  return b;
}

/** Selects the backend that runs every following op. Accepts a name or an instance. */
export function setBackend(backend: string | Backend): Backend {
  current = typeof backend === 'string' ? backendByName(backend) : backend;
  return current;
}

/** The backend in use (the default one until `setBackend` is called). */
export function getBackend(): Backend {
  if (!current) current = backendByName(defaultName);
  return current;
}

/**
 * The backend for work on host data while another backend may be in use
 * (metrics of read-back features, for example): the one in use when it keeps
 * its data on the host, else cpu.
 */
export function hostBackend(): Backend {
  const inUse = getBackend();
  return inUse.device === HOST ? inUse : backendByName('cpu');
}

/**
 * Runs fn with `backend` selected, then restores the previous one. When fn
 * returns a Promise, the previous backend comes back once it settles (so no
 * other code should switch backends while it runs).
 */
export function withBackend<T>(backend: string | Backend, fn: () => T): T {
  const previous = getBackend();
  setBackend(backend);
  let result: T;
  try {
    result = fn();
  } catch (e) {
    current = previous;
    throw e;
  }
  if (result instanceof Promise) {
    return result.finally(() => {
      current = previous;
    }) as T;
  }
  current = previous;
  return result;
}

// ---------------------------------------------------------------------------
// Built-in backends. Adding one: write backends/<name>.ts and register it here.

registerBackend('reference', () => new ReferenceBackend());
registerBackend('gpujs', () => new GpujsBackend());
registerBackend('cpu', () => new CpuBackend(), { makeDefault: true });
// The device is acquired asynchronously: `await initWebGpu()` (backends/webgpu.ts) first.
registerBackend(
  'webgpu',
  () => {
    const backend = webGpuIfReady();
    if (!backend) throw new Error(`backend 'webgpu': ${webGpuUnavailableReason()}`);
    return backend;
  },
  { cached: false, device: 'webgpu' },
);
