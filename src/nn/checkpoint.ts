/**
 * Checkpoints: a model's parameters, optionally its optimizer's state, and the
 * run's config, seed and epoch, in one safetensors file (see safetensors.ts).
 *
 * Layout of the file:
 *   <parameter name>          each model parameter under its state-dict name
 *                             (so `safetensors.torch.load_file` gives a PyTorch-style state dict)
 *   optim.<key>.<buffer>      optimizer buffers (Adam: m and v; SGD: momentum),
 *                             <key> = the parameter's name when the optimizer was
 *                             built with names (weightDecayGroups does this)
 *   __metadata__ (strings):   format "lpl-ts-checkpoint", version "1",
 *                             config (JSON), seed, epoch,
 *                             optimizer (JSON: kind, per-group lr and weight
 *                             decay, per-parameter step counts),
 *                             extra (JSON, free for the caller: e.g. an Rng state)
 */
import type { FloatArray } from '../tensor/backend.js';
import { Tensor } from '../tensor/tensor.js';
import { viewOf } from '../tensor/view.js';
import type { Module } from './module.js';
import type { Optimizer, OptimizerState } from './optim/optimizer.js';
import { CheckpointError, encodeSafetensors, readSafetensors, writeSafetensors } from './safetensors.js';

export const CHECKPOINT_FORMAT = 'lpl-ts-checkpoint';
export const CHECKPOINT_VERSION = '1';
const OPTIM_PREFIX = 'optim.';

export interface CheckpointInfo {
  config: unknown;
  seed: number;
  epoch: number;
  extra?: Record<string, unknown>;
}

/** Saves the model (and optimizer) with the run's metadata to `file`, atomically (reads the tensors back from their backend first). */
export async function saveCheckpoint(
  file: string,
  parts: { model: Module; optimizer?: Optimizer } & CheckpointInfo,
): Promise<void> {
  const { tensors, metadata } = await checkpointContents(parts);
  await writeSafetensors(file, tensors, metadata);
}

/** The bytes of the checkpoint `saveCheckpoint` would write (a page offers them as a download). */
export async function checkpointBytes(
  parts: { model: Module; optimizer?: Optimizer } & CheckpointInfo,
): Promise<Uint8Array[]> {
  const { tensors, metadata } = await checkpointContents(parts);
  return encodeSafetensors(tensors, metadata);
}

/** The tensors (model, then optimizer state) and the metadata of a checkpoint. */
async function checkpointContents(
  parts: { model: Module; optimizer?: Optimizer } & CheckpointInfo,
): Promise<{ tensors: Map<string, Tensor>; metadata: Record<string, string> }> {
  const tensors = new Map<string, Tensor>();
  for (const [name, p] of parts.model.namedParameters()) {
    if (name.startsWith(OPTIM_PREFIX))
      throw new Error(`saveCheckpoint: parameter name '${name}' clashes with optim.*`);
    tensors.set(name, p);
  }
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: JSON.stringify(parts.config ?? null),
    seed: String(parts.seed),
    epoch: String(parts.epoch),
    extra: JSON.stringify(parts.extra ?? {}),
  };
  if (parts.optimizer) {
    const state = await parts.optimizer.state();
    const steps: Record<string, number> = {};
    for (const [key, s] of Object.entries(state.params)) {
      steps[key] = s.step;
      for (const [buffer, values] of Object.entries(s.buffers)) {
        tensors.set(`${OPTIM_PREFIX}${key}.${buffer}`, hostTensor(values));
      }
    }
    metadata.optimizer = JSON.stringify({ kind: state.kind, groups: state.groups, steps });
  }
  return { tensors, metadata };
}

/**
 * Loads `file` into `model` (and `optimizer`), checking names, shapes and
 * dtypes: a mismatch throws one error naming the file and every mismatch.
 * Returns the saved config, seed, epoch and extra.
 */
export function loadCheckpoint(
  file: string,
  parts: { model: Module; optimizer?: Optimizer },
): CheckpointInfo & { version: string } {
  return loadCheckpointContents(readSafetensors(file), file, parts);
}

/** `loadCheckpoint` on the decoded contents of a checkpoint (decodeSafetensors of its bytes); `file` names it in errors. */
export function loadCheckpointContents(
  contents: { tensors: Map<string, Tensor>; metadata: Record<string, string> },
  file: string,
  parts: { model: Module; optimizer?: Optimizer },
): CheckpointInfo & { version: string } {
  const { tensors, metadata } = contents;
  if (metadata.format !== CHECKPOINT_FORMAT) {
    throw new CheckpointError(
      `${file}: not an ${CHECKPOINT_FORMAT} file (format '${metadata.format ?? 'none'}')`,
    );
  }
  const modelState = new Map<string, Tensor>();
  for (const [name, t] of tensors) if (!name.startsWith(OPTIM_PREFIX)) modelState.set(name, t);
  parts.model.loadStateDict(modelState, { source: file });

  if (parts.optimizer) {
    if (metadata.optimizer === undefined) throw new CheckpointError(`${file}: holds no optimizer state`);
    try {
      parts.optimizer.loadState(optimizerStateOf(file, metadata.optimizer, tensors));
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError(`${file}: ${(e as Error).message}`);
    }
  }
  return {
    version: metadata.version ?? '',
    config: parseJson(file, 'config', metadata.config ?? 'null'),
    seed: Number(metadata.seed),
    epoch: Number(metadata.epoch),
    extra: parseJson(file, 'extra', metadata.extra ?? '{}') as Record<string, unknown>,
  };
}

function optimizerStateOf(file: string, json: string, tensors: Map<string, Tensor>): OptimizerState {
  const saved = parseJson(file, 'optimizer', json) as {
    kind: string;
    groups: OptimizerState['groups'];
    steps: Record<string, number>;
  };
  const params: OptimizerState['params'] = {};
  for (const [key, step] of Object.entries(saved.steps)) params[key] = { step, buffers: {} };
  for (const [name, t] of tensors) {
    if (!name.startsWith(OPTIM_PREFIX)) continue;
    const rest = name.slice(OPTIM_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    const key = rest.slice(0, dot);
    const entry = params[key];
    if (!entry) throw new CheckpointError(`${file}: optimizer buffer '${name}' has no step count`);
    entry.buffers[rest.slice(dot + 1)] = t.dataSync();
  }
  return { kind: saved.kind, groups: saved.groups, params };
}

/** A 1-D tensor over host values, whatever backend is in use (for writing only). */
function hostTensor(values: FloatArray): Tensor {
  return new Tensor(viewOf(values, [values.length]));
}

function parseJson(file: string, key: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CheckpointError(`${file}: metadata '${key}' is not valid JSON`);
  }
}
