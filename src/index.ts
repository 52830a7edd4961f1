/** The public API: re-exports only. */
export * from './tensor/index.js';
export * from './autograd/index.js';
export * from './nn/index.js';
export * from './lpl/index.js';
export * from './data/index.js';
