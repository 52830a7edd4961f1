/**
 * The configuration of an LPL training run, its defaults for a CPU, and the
 * values the paper used (LPL-SPEC.md), side by side.
 */
import type { DatasetFormat } from '../data/index.js';
import type { PredForm } from './losses.js';
import type { TrainingMode } from './encoder.js';

export interface TrainConfig {
  /** Data set path; null = the bundled Fashion-MNIST subset. */
  data: string | null;
  format: DatasetFormat | null;
  /** Use only the first N training images (null = all). */
  limit: number | null;
  /**
   * Hold out the last N training images (after `limit`) from self-supervised
   * training, for the probe to train on (`npm run probe -- --probe-train holdout`):
   * the authors' release pipeline trains on 40,000 CIFAR-10 images and probes on
   * the other 10,000. 0 = train on all.
   */
  holdout: number;
  /** Side of the (square) network input; null = the data set's own. */
  imageSize: number | null;
  /** Channel mean and std used to normalise inputs (filled in from the data when null). */
  stats: { mean: number[]; std: number[] } | null;
  arch: 'vgg11';
  width: number;
  epochs: number;
  batchSize: number;
  lr: number;
  minLr: number;
  weightDecay: number;
  warmupEpochs: number;
  /**
   * A linear ramp over the first N optimisation steps (lr · min(1, (step + 1)/N)),
   * on top of the per-epoch schedule: a warm-up that means the same at any batch
   * size and data set size. 0 = none.
   */
  warmupSteps: number;
  /**
   * The epochs the warm-up + cosine schedule spans (null = `epochs`). Longer than
   * `epochs`, a short run follows the first epochs of a long schedule, e.g. 800
   * for the authors' (their lr is still ≈ 1e-3 at epoch 20 of 800).
   */
  scheduleEpochs: number | null;
  lambdaPred: number;
  lambdaHebb: number;
  lambdaDecorr: number;
  usePred: boolean;
  useHebb: boolean;
  useDecorr: boolean;
  predForm: PredForm;
  eps: number;
  mode: TrainingMode;
  noPooling: boolean;
  shufflePositives: boolean;
  seed: number;
  /** Augmentation worker threads (0 = in the training thread; null = automatic). */
  workers: number | null;
}

/**
 * Defaults for a 2-core laptop on the bundled data: a few minutes. The batch
 * is small (64, the paper's 1024) because 3 epochs of 10,000 images are only
 * 117 updates at 256 but 468 at 64, and on this budget the number of updates
 * decides what is learned (measured: README "Results"). For CIFAR-10 runs the
 * README uses 256.
 *
 * The warm-up is a ramp over the first 200 steps (the paper warms up per
 * epoch, 10 epochs of about 39 steps): without one, the first full-size steps
 * silence units that do not come back, a fifth of layers 4 and 6 on the
 * bundled data, 80% of layer 6 on CIFAR-10 (docs/RESULTS.md, "Silence comes
 * from the early step size" and "The bundled data's default run").
 */
export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  data: null,
  format: null,
  limit: null,
  holdout: 0,
  imageSize: null,
  stats: null,
  arch: 'vgg11',
  width: 0.25,
  epochs: 3,
  batchSize: 64,
  lr: 1e-3,
  minLr: 1e-6,
  weightDecay: 1.5e-6,
  warmupEpochs: 0,
  warmupSteps: 200,
  scheduleEpochs: null,
  lambdaPred: 1,
  lambdaHebb: 1,
  lambdaDecorr: 10,
  usePred: true,
  useHebb: true,
  useDecorr: true,
  predForm: 'symmetric',
  eps: 1e-4,
  mode: 'layer-local',
  noPooling: false,
  shufflePositives: false,
  seed: 24,
  workers: null,
};

/**
 * Fields added to the config after checkpoints were first written, with the
 * value that their absence meant then: a checkpoint without `warmupSteps` ran
 * with no step ramp, whatever today's default is.
 */
export const ABSENT_IN_OLD_CHECKPOINTS: Partial<TrainConfig> = { warmupSteps: 0 };

/** What the authors used (LPL-SPEC.md), for --help and the README. */
export const PAPER_TRAIN_CONFIG: Partial<Record<keyof TrainConfig, string>> = {
  data: 'CIFAR-10 / STL-10',
  holdout: "none in the text; 10000 of CIFAR-10 in the authors' release code",
  width: '1 (64…512 channels)',
  epochs: '800',
  batchSize: '1024',
  lr: '1e-3 (Adam)',
  minLr: '1e-6',
  weightDecay: '1.5e-6',
  warmupEpochs: '10',
  warmupSteps: '0 (the warm-up is per epoch: 10 epochs of about 39 steps at batch 1024)',
  scheduleEpochs: '800',
  lambdaPred: '1',
  lambdaHebb: '1',
  lambdaDecorr: '10',
  predForm: 'symmetric (code); paper form in the text',
  eps: '1e-4',
  seed: '24',
};

/** Checks a config; returns the list of problems (empty when valid). */
export function configProblems(c: TrainConfig): string[] {
  const problems: string[] = [];
  const positiveInt = (name: string, v: number) => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  positiveInt('epochs', c.epochs);
  positiveInt('batch-size', c.batchSize);
  if (c.batchSize < 2) problems.push('batch-size must be at least 2 (variances need two samples)');
  if (!(c.width > 0)) problems.push(`width must be positive, got ${c.width}`);
  if (!(c.lr > 0)) problems.push(`lr must be positive, got ${c.lr}`);
  if (!(c.weightDecay >= 0)) problems.push(`weight-decay must be ≥ 0, got ${c.weightDecay}`);
  const horizon = c.scheduleEpochs ?? c.epochs;
  if (c.scheduleEpochs !== null) positiveInt('schedule-epochs', c.scheduleEpochs);
  if (!(c.warmupEpochs >= 0) || c.warmupEpochs >= horizon) {
    problems.push(
      `warmup-epochs must be in [0, ${c.scheduleEpochs === null ? 'epochs' : 'schedule-epochs'}), got ${c.warmupEpochs} with ${horizon}`,
    );
  }
  if (!Number.isInteger(c.warmupSteps) || c.warmupSteps < 0) {
    problems.push(`warmup-steps must be an integer ≥ 0, got ${c.warmupSteps}`);
  }
  if (c.limit !== null) positiveInt('limit', c.limit);
  if (!Number.isInteger(c.holdout) || c.holdout < 0)
    problems.push(`holdout must be an integer ≥ 0, got ${c.holdout}`);
  if (c.imageSize !== null) positiveInt('image-size', c.imageSize);
  return problems;
}
