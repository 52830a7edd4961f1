/** A training configuration small enough for a test: the bundled data, batches of 8, VGG-11 at 1/16 width (4…32 channels). */
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../../src/lpl/config.js';

export function tinyTrainConfig(overrides: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    limit: 16,
    batchSize: 8,
    width: 0.0625,
    workers: 0,
    epochs: 1,
    warmupEpochs: 0,
    warmupSteps: 0,
    ...overrides,
  };
}
