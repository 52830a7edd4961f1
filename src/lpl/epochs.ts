/**
 * A training run's epochs on disk: the loop that a command (or a test) calls.
 *
 * Each step: one optimisation step (LplRun.trainStep), its losses summed per
 * layer, a line in log.jsonl every `logEvery` steps. Each epoch: the mean
 * losses and the diagnostics of the last step's z (variance, participation
 * ratio, silent units) as one log record, `last.safetensors` and
 * `epoch-NNNN.safetensors` written atomically, the oldest epoch checkpoints
 * pruned to `keep`. A stop request ends the current step, saves
 * `last.safetensors` and returns; the run resumes from it exactly.
 */
import { platform } from '#platform';
import { epochCheckpointName, LAST_CHECKPOINT, pruneEpochCheckpoints, saveRun } from './run-state.js';
import { EpochMeter, type EpochSummary } from './epoch-meter.js';
import type { LplRun, StepRecord } from './train.js';

export { EpochMeter, type EpochLayer, type EpochSummary } from './epoch-meter.js';

export interface TrainEpochsOptions {
  /** The run folder: log.jsonl and the checkpoints go there. */
  outDir: string;
  /** Epoch checkpoints kept besides last.safetensors. */
  keep: number;
  /** Epochs (1-based) whose checkpoints are kept besides those `keep` counts (e.g. the ones to probe). */
  keepEpochs?: readonly number[];
  /** A step line in log.jsonl every N steps. */
  logEvery: number;
  onEpochStart?(epoch: number, stepsPerEpoch: number, firstStep: number): void;
  onStep?(record: StepRecord, imagesPerSecond: number): void;
  /** After the epoch's log record and checkpoints are written. */
  onEpochEnd?(summary: EpochSummary): void;
  /** Asked after every step: true ends training after saving last.safetensors. */
  shouldStop?(): boolean;
}

export interface TrainEpochsResult {
  /** True when a stop request ended training before its last epoch. */
  stopped: boolean;
  lastCheckpoint: string;
}

/** Trains `run` from its position to its last epoch (or a stop request), writing the run folder. */
export async function trainEpochs(run: LplRun, opts: TrainEpochsOptions): Promise<TrainEpochsResult> {
  const { files } = platform;
  const join = files.join;
  files.makeDir(opts.outDir);
  const log = (record: object) =>
    files.appendText(
      join(opts.outDir, 'log.jsonl'),
      JSON.stringify({ ...record, time: new Date().toISOString() }) + '\n',
    );
  const lastCheckpoint = join(opts.outDir, LAST_CHECKPOINT);
  const stopRequested = () => opts.shouldStop?.() === true;
  while (!run.finished && !stopRequested()) {
    const epoch = run.epoch;
    const meter = new EpochMeter(run.model.channels);
    opts.onEpochStart?.(epoch, run.stepsPerEpoch, run.step);
    for await (const batch of run.batches()) {
      const record = await run.trainStep(batch);
      meter.add(record);
      opts.onStep?.(record, meter.imagesPerSecond);
      if (record.globalStep % opts.logEvery === 0) {
        const { z: _z, ...step } = record;
        log({ type: 'step', ...step });
      }
      await new Promise((resolve) => setTimeout(resolve, 0)); // let signals (Ctrl-C) be delivered
      if (stopRequested()) break;
    }
    await saveRun(run, lastCheckpoint);
    if (run.epoch > epoch) {
      // a whole epoch is done: log and checkpoint it
      const summary = await meter.summary(epoch);
      log({ type: 'epoch', ...summary });
      await saveRun(run, join(opts.outDir, epochCheckpointName(run.epoch)));
      pruneEpochCheckpoints(opts.outDir, opts.keep, new Set(opts.keepEpochs ?? []));
      opts.onEpochEnd?.(summary);
    }
  }
  return { stopped: !run.finished, lastCheckpoint };
}
