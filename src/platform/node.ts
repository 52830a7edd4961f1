/**
 * The platform in Node: node:fs, node:os, node:worker_threads, node:zlib.
 * See src/platform/platform.ts for what each member is for.
 */
import {
  appendFileSync,
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { parentPort as nodeParentPort, Worker, workerData as nodeWorkerData } from 'node:worker_threads';
import { gunzipSync } from 'node:zlib';
import type { Files, Platform, PlatformWorker, WorkerKind } from './platform.js';

export type * from './platform.js';

/** Each worker's entry module, relative to this file. */
const WORKER_ENTRIES: Record<WorkerKind, string> = {
  gemm: '../tensor/backends/cpu/worker',
  augment: '../data/augment-worker',
};

/**
 * Starts a worker thread. From the TypeScript sources (under tsx or vitest)
 * a small .mjs registers tsx inside the worker first: Node 20 does not give
 * workers the parent's TypeScript loader. Compiled to .js, the entry starts directly.
 */
function startWorker(kind: WorkerKind, data: unknown): PlatformWorker {
  const fromTypeScript = import.meta.url.endsWith('.ts');
  const worker = fromTypeScript
    ? new Worker(new URL('./worker-boot.mjs', import.meta.url), {
        workerData: { data, entry: new URL(`${WORKER_ENTRIES[kind]}.ts`, import.meta.url).href },
      })
    : new Worker(new URL(`${WORKER_ENTRIES[kind]}.js`, import.meta.url), { workerData: { data } });
  return worker as PlatformWorker;
}

const files: Files = {
  readFile(file) {
    const buffer = readFileSync(file);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  },
  readText: (file) => readFileSync(file, 'utf8'),
  writeFileAtomic(file, chunks) {
    const temp = join(dirname(file), `.${basename(file)}.${process.pid}.${Date.now()}.tmp`);
    const fd = openSync(temp, 'w');
    try {
      for (const chunk of chunks) writeSync(fd, chunk);
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(temp, { force: true });
      throw e;
    }
    closeSync(fd);
    renameSync(temp, file);
  },
  appendText: (file, text) => appendFileSync(file, text),
  makeDir: (dir) => void mkdirSync(dir, { recursive: true }),
  exists: (path) => existsSync(path),
  listDir: (dir) => readdirSync(dir),
  info(path) {
    const s = statSync(path);
    return { size: s.size, mtimeMs: s.mtimeMs };
  },
  remove: (path) => rmSync(path, { force: true }),
  join: (...parts) => join(...parts),
  dirname: (path) => dirname(path),
};

const require = createRequire(import.meta.url);
let gpujs: typeof import('gpu.js') | null = null;

export const platform: Platform = {
  name: 'node',
  cores: () => availableParallelism(),
  cpuModel: () => `${cpus()[0]?.model ?? 'unknown cpu'} ×${cpus().length}, node ${process.version}`,
  sharedMemory: () => true,
  env: (name) => process.env[name],
  startWorker,
  workerData: async () => (nodeWorkerData as { data: unknown }).data,
  parentPort: () =>
    nodeParentPort && {
      postMessage: (message) => nodeParentPort!.postMessage(message),
      onMessage: (listener) => void nodeParentPort!.on('message', listener),
    },
  gunzip(bytes) {
    const inflated = gunzipSync(bytes);
    return new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength);
  },
  prepareGpujs: async () => undefined,
  // loaded on first use: loading gpu.js takes about 0.1 s, and most runs never need it
  loadGpujs: () => (gpujs ??= require('gpu.js') as typeof import('gpu.js')),
  headlessGlProblem() {
    try {
      // gpu.js resolves `gl` from its own folder, so ask from there.
      createRequire(require.resolve('gpu.js'))('gl');
    } catch (e) {
      const message = String((e as Error).message).split('\n')[0];
      return `the optional native package \`gl\` does not load (${message}); install it (npm install gl) where a GPU driver or Xvfb + Mesa exists`;
    }
    return '`gl` loaded but created no WebGL context (no display or GL driver: run under xvfb-run, or on a machine with a GPU)';
  },
  files,
};
