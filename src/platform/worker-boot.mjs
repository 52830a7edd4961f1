// Starts a library worker (src/platform/node.ts) from the TypeScript sources,
// under tsx or vitest: Node 20 does not apply the parent's TypeScript loader
// to worker threads, so the worker registers tsx itself, then imports its entry.
import { workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

await tsImport(workerData.entry, import.meta.url);
