/** Autograd: the engine, every op, and the Tensor methods that call them. */
import './methods.js';

export {
  backward,
  detach,
  noGrad,
  isGradEnabled,
  defineOp,
  defineSavingOp,
  opTable,
  sumToShape,
} from './engine.js';
export type { OpSpec, SavingOpSpec, OpFn, Inputs, ViewsOf, GradsOf } from './engine.js';
export * from './ops/elementwise.js';
export * from './ops/reduce.js';
export * from './ops/shape-ops.js';
export * from './ops/matmul.js';
export * from './ops/conv.js';
export * from './ops/pool.js';
export * from './ops/softmax.js';
export { readScalars } from './read.js';
export { gradcheck } from './gradcheck.js';
export type { GradcheckOptions, GradcheckResult } from './gradcheck.js';
