/** The public API: re-exports only. */
export * from './tensor/index.js';
export * from './autograd/index.js';
