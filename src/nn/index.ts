/** Neural-network building blocks: modules, layers, VGG, init, optimizers, schedule, checkpoints. */
export { Module, StateDictError } from './module.js';
export type { StateDict } from './module.js';
export { Linear, Conv2d, Conv2dReLU, ReLU, MaxPool2d, GlobalAvgPool, Flatten, Sequential } from './layers.js';
export type { LayerOptions, Conv2dLayerOptions } from './layers.js';
export { fanIn, kaimingUniformBound, defaultWeight, defaultBias } from './init.js';
export { VggEncoder, vggEncoder, vgg11Encoder, VGG_CONFIGS, scaledChannels } from './vgg.js';
export type { VggLayerSpec, VggName, VggOptions } from './vgg.js';
export * from './optim/index.js';
export { warmupCosineLr } from './schedule.js';
export type { WarmupCosineOptions } from './schedule.js';
export {
  writeSafetensors,
  readSafetensors,
  encodeSafetensors,
  decodeSafetensors,
  CheckpointError,
} from './safetensors.js';
export {
  saveCheckpoint,
  loadCheckpoint,
  checkpointBytes,
  loadCheckpointContents,
  CHECKPOINT_FORMAT,
  CHECKPOINT_VERSION,
} from './checkpoint.js';
export type { CheckpointInfo } from './checkpoint.js';
