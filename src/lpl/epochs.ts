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
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { epochCheckpointName, LAST_CHECKPOINT, pruneEpochCheckpoints, saveRun } from './run-state.js';
import { layerDiagnostics, type LayerDiagnostics, type LplRun, type StepRecord } from './train.js';

/** One layer's line of an epoch: its mean losses over the epoch's steps, and diagnostics of the last step. */
export interface EpochLayer extends Partial<LayerDiagnostics> {
  layer: number;
  channels: number;
  pred?: number;
  hebb?: number;
  decorr?: number;
  total?: number;
}

export interface EpochSummary {
  /** 0-based epoch that ended. */
  epoch: number;
  seconds: number;
  imagesPerSecond: number;
  lr: number | undefined;
  layers: EpochLayer[];
}

/** Sums of the losses of each layer over an epoch's steps, and the images seen. */
export class EpochMeter {
  private readonly sums: { pred: number; hebb: number; decorr: number; total: number; n: number }[];
  images = 0;
  last: StepRecord | null = null;
  private readonly started = performance.now();

  constructor(private readonly channels: readonly number[]) {
    this.sums = channels.map(() => ({ pred: 0, hebb: 0, decorr: 0, total: 0, n: 0 }));
  }

  add(record: StepRecord): void {
    this.images += record.images;
    this.last = record;
    record.layers.forEach((l, k) => {
      if (!l) return;
      const s = this.sums[k]!;
      s.pred += l.pred;
      s.hebb += l.hebb;
      s.decorr += l.decorr;
      s.total += l.total;
      s.n++;
    });
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  get imagesPerSecond(): number {
    return this.images / this.seconds;
  }

  /** The epoch's record: mean losses per layer, and the last step's diagnostics (read asynchronously). */
  async summary(epoch: number): Promise<EpochSummary> {
    const seconds = this.seconds;
    const diagnostics = this.last ? await layerDiagnostics(this.last.z) : [];
    const layers = this.sums.map((s, k) => ({
      layer: k + 1,
      channels: this.channels[k]!,
      ...(s.n > 0
        ? { pred: s.pred / s.n, hebb: s.hebb / s.n, decorr: s.decorr / s.n, total: s.total / s.n }
        : {}),
      ...diagnostics[k],
    }));
    return { epoch, seconds, imagesPerSecond: this.images / seconds, lr: this.last?.lr, layers };
  }
}

export interface TrainEpochsOptions {
  /** The run folder: log.jsonl and the checkpoints go there. */
  outDir: string;
  /** Epoch checkpoints kept besides last.safetensors. */
  keep: number;
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
  mkdirSync(opts.outDir, { recursive: true });
  const log = (record: object) =>
    appendFileSync(
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
      await new Promise((resolve) => setImmediate(resolve)); // let signals (Ctrl-C) be delivered
      if (stopRequested()) break;
    }
    await saveRun(run, lastCheckpoint);
    if (run.epoch > epoch) {
      // a whole epoch is done: log and checkpoint it
      const summary = await meter.summary(epoch);
      log({ type: 'epoch', ...summary });
      await saveRun(run, join(opts.outDir, epochCheckpointName(run.epoch)));
      pruneEpochCheckpoints(opts.outDir, opts.keep);
      opts.onEpochEnd?.(summary);
    }
  }
  return { stopped: !run.finished, lastCheckpoint };
}
