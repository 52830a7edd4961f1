// Starts augment-worker.ts in a worker thread when the library runs from its
// TypeScript sources (under `tsx` or vitest): Node 20 does not apply the
// parent's TypeScript loader to workers, so the worker registers tsx itself.
// When the library is compiled to .js, augment-pool.ts starts the .js worker
// directly and this file is not used.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.workerEntry, import.meta.url);
