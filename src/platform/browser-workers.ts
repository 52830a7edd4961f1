/**
 * The library's workers in a browser, registered with the browser platform:
 * import this module once from an application's entry (the demo's training
 * worker does). Each `new Worker(new URL(...))` is written out literally so
 * that Vite (or another bundler) finds the worker's entry and bundles it.
 */
import { registerWorker } from './browser.js';

registerWorker(
  'gemm',
  () => new Worker(new URL('../tensor/backends/cpu/worker.ts', import.meta.url), { type: 'module' }),
);
registerWorker(
  'augment',
  () => new Worker(new URL('../data/augment-worker.ts', import.meta.url), { type: 'module' }),
);
