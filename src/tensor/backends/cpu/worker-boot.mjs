// Starts worker.ts in a worker thread when the library runs from its
// TypeScript sources (under tsx or vitest): Node 20 does not apply the
// parent's TypeScript loader to workers, so the worker registers tsx itself.
// Compiled to .js, pool.ts starts worker.js directly and this file is unused.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
