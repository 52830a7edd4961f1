/** Optimizers: Adam and SGD with coupled L2 weight decay and parameter groups. */
export { Optimizer, weightDecayGroups, gradView } from './optimizer.js';
export type { ParamGroup, ResolvedGroup, OptimizerState } from './optimizer.js';
export { Adam } from './adam.js';
export type { AdamOptions } from './adam.js';
export { SGD } from './sgd.js';
export type { SgdOptions } from './sgd.js';
