/** Tensors, shapes, random numbers and backends. */
export { Tensor, tensor, fromArray, full, zeros, ones, scalar, arange } from './tensor.js';
export type { GradNode, TensorOptions } from './tensor.js';
export { randUniform, randNormal } from './creation.js';
export { Rng } from './random.js';
export { ShapeError, broadcastShapes, sizeOf, formatShape } from './shape.js';
export type { Shape } from './shape.js';
export {
  getBackend,
  setBackend,
  withBackend,
  registerBackend,
  availableBackends,
  hostBackendNames,
  backendByName,
} from './registry.js';
export type {
  Backend,
  DType,
  FloatArray,
  View,
  HostView,
  DeviceStorage,
  Storage,
  Device,
  PoolIndices,
  UnaryOp,
  BinaryOp,
  ReduceOp,
  Conv2dParams,
  Pool2dParams,
} from './backend.js';
export {
  UNIT_ROUNDOFF,
  SMALLEST_NORMAL,
  sumRtol,
  toleranceBound,
  isClose,
  worstViolation,
  maxMagnitude,
} from './tolerance.js';
export type { Tolerance, Violation } from './tolerance.js';
