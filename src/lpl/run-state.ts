/**
 * Saving and restoring a training run: the model, the optimizer state, the
 * config and the position (next epoch and step) in one safetensors file.
 * Files are written to a temporary name and renamed, so a checkpoint on disk
 * is always complete (the previous one stays until the new one is whole).
 */
import { platform } from '#platform';
import { CheckpointError, loadCheckpoint, readSafetensors, saveCheckpoint } from '../nn/index.js';
import type { ImageDataset } from '../data/index.js';
import type { TrainConfig } from './config.js';
import { configOfCheckpoint, runCheckpointParts, type Position } from './run-checkpoint.js';
import { loadTrainingData } from './run-data.js';
import { LplRun } from './train.js';

export const LAST_CHECKPOINT = 'last.safetensors';

/** Writes the run's state to `file` (atomically). */
export async function saveRun(run: LplRun, file: string): Promise<void> {
  await saveCheckpoint(file, runCheckpointParts(run));
}

/** The config stored in a checkpoint (without loading its tensors into a model). */
export function checkpointConfig(file: string): TrainConfig & { inputSize: number; channels: number } {
  return configOfCheckpoint(readSafetensors(file).metadata, file);
}

/**
 * Rebuilds a run from a checkpoint: its config (with `overrides`, e.g. more
 * epochs), weights, optimizer state and position.
 */
export function restoreRun(
  file: string,
  overrides: Partial<TrainConfig> = {},
  opts: { dataset?: ImageDataset; onWarning?: (message: string) => void } = {},
): LplRun {
  const saved = checkpointConfig(file);
  const config: TrainConfig = { ...saved, ...overrides };
  const dataset = opts.dataset ?? loadTrainingData(config);
  const run = new LplRun(config, dataset, opts);
  if (run.inputSize !== saved.inputSize || dataset.channels !== saved.channels) {
    throw new CheckpointError(
      `${file}: was trained on ${saved.channels}×${saved.inputSize}×${saved.inputSize} inputs, ` +
        `the data gives ${dataset.channels}×${run.inputSize}×${run.inputSize}`,
    );
  }
  const info = loadCheckpoint(file, { model: run.model, optimizer: run.optimizer });
  const position = (info.extra as { position?: Position }).position;
  if (!position) throw new CheckpointError(`${file}: holds no training position`);
  run.epoch = position.epoch;
  run.step = position.step;
  run.globalStep = position.globalStep;
  return run;
}

/** Name of the checkpoint written at the end of epoch `epoch` (1-based). */
export function epochCheckpointName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}.safetensors`;
}

/**
 * Deletes all but the newest `keep` epoch checkpoints in `dir`; those of the
 * `milestones` epochs (1-based) are never deleted, nor counted in `keep`.
 */
export function pruneEpochCheckpoints(
  dir: string,
  keep: number,
  milestones: ReadonlySet<number> = new Set(),
): void {
  const { files } = platform;
  const epochFiles = files
    .listDir(dir)
    .filter((f) => /^epoch-\d+\.safetensors$/.test(f))
    .filter((f) => !milestones.has(Number(/\d+/.exec(f)![0])))
    .sort();
  for (const f of epochFiles.slice(0, Math.max(0, epochFiles.length - keep)))
    files.remove(files.join(dir, f));
}

/** The newest run folder under `root` that holds a last checkpoint, or null. */
export function newestRun(root: string): string | null {
  const { files } = platform;
  if (!files.exists(root)) return null;
  let best: { dir: string; time: number } | null = null;
  for (const name of files.listDir(root)) {
    const file = files.join(root, name, LAST_CHECKPOINT);
    if (!files.exists(file)) continue;
    const time = files.info(file).mtimeMs;
    if (!best || time > best.time) best = { dir: files.join(root, name), time };
  }
  return best?.dir ?? null;
}
