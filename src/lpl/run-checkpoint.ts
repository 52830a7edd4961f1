/**
 * What a run's checkpoint holds besides the tensors: the config, the seed,
 * the position (next epoch and step), the input size and the data's channels
 * and classes. Pure: src/lpl/run-state.ts writes and reads it as files, the
 * demo page as bytes.
 */
import { CheckpointError, type CheckpointInfo, type Module, type Optimizer } from '../nn/index.js';
import { ABSENT_IN_OLD_CHECKPOINTS, DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.js';
import type { LplRun } from './train.js';

export interface Position {
  epoch: number;
  step: number;
  globalStep: number;
}

/** The model, optimizer and metadata of a run's checkpoint, as `saveCheckpoint` and `checkpointBytes` take them. */
export function runCheckpointParts(run: LplRun): { model: Module; optimizer: Optimizer } & CheckpointInfo {
  const position: Position = { epoch: run.epoch, step: run.step, globalStep: run.globalStep };
  return {
    model: run.model,
    optimizer: run.optimizer,
    config: run.config,
    seed: run.config.seed,
    epoch: run.epoch + run.step / run.stepsPerEpoch,
    extra: {
      position,
      inputSize: run.inputSize,
      channels: run.dataset.channels,
      classes: run.dataset.classes,
    },
  };
}

/** The training config in a checkpoint's metadata; `file` names it in errors. */
export function configOfCheckpoint(
  metadata: Record<string, string>,
  file: string,
): TrainConfig & { inputSize: number; channels: number } {
  let config: Partial<TrainConfig>;
  let extra: { inputSize?: number; channels?: number };
  try {
    config = JSON.parse(metadata.config ?? 'null') ?? {};
    extra = JSON.parse(metadata.extra ?? '{}');
  } catch {
    throw new CheckpointError(`${file}: the training config in its metadata is not valid JSON`);
  }
  if (typeof extra.inputSize !== 'number' || typeof extra.channels !== 'number') {
    throw new CheckpointError(
      `${file}: not a training checkpoint of this project (no input size in its metadata)`,
    );
  }
  return {
    ...DEFAULT_TRAIN_CONFIG,
    ...ABSENT_IN_OLD_CHECKPOINTS,
    ...config,
    inputSize: extra.inputSize,
    channels: extra.channels,
  };
}
