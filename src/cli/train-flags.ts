/**
 * The flags of `npm run train`: one table, in which each flag names the
 * TrainConfig field it sets. The config of a command line is derived from it
 * (`configFromFlags`), so a new option is one entry here.
 */
import { DEFAULT_TRAIN_CONFIG, PAPER_TRAIN_CONFIG, type TrainConfig } from '../lpl/config.js';
import { BACKEND_FLAGS } from './backend-setup.js';
import type { FlagSpec, FlagValues } from './flags.js';

const d = DEFAULT_TRAIN_CONFIG;
const paper = PAPER_TRAIN_CONFIG;

/** A flag, and the config field it sets (to its value, or to `configValue` for a switch). */
export interface TrainFlag extends FlagSpec {
  config?: keyof TrainConfig;
  configValue?: TrainConfig[keyof TrainConfig];
  /** May be given with --resume (the rest of the config is the checkpoint's). */
  onResume?: boolean;
}

export const TRAIN_FLAGS: TrainFlag[] = [
  {
    name: 'data',
    config: 'data',
    onResume: true,
    type: 'string',
    metavar: 'PATH',
    help: 'data set: IDX files, CIFAR-10 or STL-10 binaries, or class folders (default: bundled Fashion-MNIST subset)',
    paper: paper.data,
  },
  {
    name: 'format',
    config: 'format',
    type: 'string',
    choices: ['idx', 'cifar10', 'stl10', 'image-folder'],
    help: 'read --data as this format instead of detecting it',
  },
  {
    name: 'limit',
    config: 'limit',
    type: 'int',
    min: 1,
    metavar: 'N',
    help: 'use only the first N training images',
  },
  {
    name: 'holdout',
    type: 'int',
    min: 0,
    metavar: 'N',
    config: 'holdout',
    default: d.holdout,
    paper: paper.holdout,
    help: 'keep N training images out of training (the last N/C of each of the C classes), for `npm run probe -- --probe-train holdout`',
  },
  {
    name: 'image-size',
    config: 'imageSize',
    type: 'int',
    min: 4,
    metavar: 'N',
    help: "side of the network input (default: the data's own)",
  },
  {
    name: 'width',
    config: 'width',
    type: 'number',
    metavar: 'W',
    default: d.width,
    paper: paper.width,
    help: 'channel multiplier of VGG-11 (1 = 64…512)',
  },
  {
    name: 'epochs',
    config: 'epochs',
    onResume: true,
    type: 'int',
    min: 1,
    metavar: 'N',
    default: d.epochs,
    paper: paper.epochs,
    help: 'epochs to train (with --resume: the new total)',
  },
  {
    name: 'batch-size',
    config: 'batchSize',
    type: 'int',
    min: 2,
    metavar: 'N',
    default: d.batchSize,
    paper: paper.batchSize,
    help: 'images per batch (each seen as two views)',
  },
  {
    name: 'lr',
    config: 'lr',
    type: 'number',
    metavar: 'LR',
    default: d.lr,
    paper: paper.lr,
    help: 'peak learning rate of Adam',
  },
  {
    name: 'min-lr',
    config: 'minLr',
    type: 'number',
    metavar: 'LR',
    default: d.minLr,
    paper: paper.minLr,
    help: 'learning rate at the end of the cosine decay',
  },
  {
    name: 'weight-decay',
    config: 'weightDecay',
    type: 'number',
    metavar: 'WD',
    default: d.weightDecay,
    paper: paper.weightDecay,
    help: 'coupled L2 weight decay (not on biases)',
  },
  {
    name: 'warmup-epochs',
    config: 'warmupEpochs',
    type: 'number',
    metavar: 'N',
    default: d.warmupEpochs,
    paper: paper.warmupEpochs,
    help: 'epochs of linear warm-up from 0 (set per epoch as by the authors: the first warm-up epoch runs at lr 0)',
  },
  {
    name: 'warmup-steps',
    type: 'int',
    min: 0,
    metavar: 'N',
    config: 'warmupSteps',
    default: d.warmupSteps,
    paper: paper.warmupSteps,
    help: 'a linear ramp of the learning rate over the first N steps, on top of the epoch schedule (the same at any batch size); without one the first full-size steps silence units for good (docs/RESULTS.md); 0 = none',
  },
  {
    name: 'schedule-epochs',
    type: 'int',
    min: 1,
    metavar: 'N',
    config: 'scheduleEpochs',
    paper: paper.scheduleEpochs,
    help: "epochs the warm-up + cosine schedule spans (default: --epochs); e.g. 800 to follow the start of the authors' schedule",
  },
  {
    name: 'lambda-pred',
    config: 'lambdaPred',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaPred,
    paper: paper.lambdaPred,
    help: 'weight of the predictive term',
  },
  {
    name: 'lambda-hebb',
    config: 'lambdaHebb',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaHebb,
    paper: paper.lambdaHebb,
    help: 'weight λ₁ of the Hebbian term',
  },
  {
    name: 'lambda-decorr',
    config: 'lambdaDecorr',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaDecorr,
    paper: paper.lambdaDecorr,
    help: 'weight λ₂ of the decorrelation term',
  },
  {
    name: 'no-pred',
    config: 'usePred',
    configValue: false,
    type: 'boolean',
    help: 'switch the predictive term off (ablation)',
  },
  {
    name: 'no-hebb',
    config: 'useHebb',
    configValue: false,
    type: 'boolean',
    help: 'switch the Hebbian term off (ablation)',
  },
  {
    name: 'no-decorr',
    config: 'useDecorr',
    configValue: false,
    type: 'boolean',
    help: 'switch the decorrelation term off (ablation)',
  },
  {
    name: 'pred-form',
    config: 'predForm',
    type: 'string',
    choices: ['symmetric', 'paper'],
    default: d.predForm,
    paper: paper.predForm,
    help: 'predictive term: symmetric MSE, or the one-sided 1/(2BM)·Σ(z(t) − SG(z(t−Δt)))²',
  },
  {
    name: 'end-to-end',
    config: 'mode',
    configValue: 'end-to-end',
    type: 'boolean',
    help: 'loss on the last block only, full backprop (variant)',
  },
  {
    name: 'no-pooling',
    config: 'noPooling',
    type: 'boolean',
    help: 'loss on unpooled maps, every position a unit (control)',
  },
  {
    name: 'shuffle-positives',
    config: 'shufflePositives',
    type: 'boolean',
    help: "pair each view with another image's view (control)",
  },
  {
    name: 'seed',
    config: 'seed',
    type: 'int',
    metavar: 'N',
    default: d.seed,
    paper: paper.seed,
    help: 'seed of init, data order and augmentations',
  },
  ...BACKEND_FLAGS,
  {
    name: 'workers',
    config: 'workers',
    onResume: true,
    type: 'int',
    min: 0,
    metavar: 'N',
    help: 'augmentation worker threads (0 = in the training thread; default: one per spare core)',
  },
  { name: 'out', type: 'string', metavar: 'DIR', help: 'run folder (default runs/<name>)' },
  { name: 'name', type: 'string', metavar: 'NAME', help: 'run name (default: data set, variant and time)' },
  {
    name: 'resume',
    type: 'string',
    metavar: 'CHECKPOINT',
    help: 'continue a run from its checkpoint (e.g. runs/<name>/last.safetensors)',
  },
  {
    name: 'keep',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: 3,
    help: 'epoch checkpoints to keep besides last.safetensors',
  },
  {
    name: 'keep-epochs',
    type: 'string',
    metavar: 'LIST',
    help: 'epochs whose checkpoints are never pruned, e.g. 10,25,50,100 (to probe them later)',
  },
  {
    name: 'log-every',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: 10,
    help: 'write a step line to log.jsonl every N steps',
  },
];

/** The config of the given flags: each given flag sets its field, the rest are the defaults. */
export function configFromFlags(f: FlagValues, base: TrainConfig = d): TrainConfig {
  return { ...base, ...flagOverrides(f, TRAIN_FLAGS) };
}

/** The config fields set by the flags given (of those in `flags`). */
export function flagOverrides(f: FlagValues, flags: readonly TrainFlag[]): Partial<TrainConfig> {
  const overrides: Record<string, unknown> = {};
  for (const flag of flags) {
    const value = f[flag.name];
    if (flag.config === undefined || value === undefined) continue;
    if (flag.configValue !== undefined) {
      if (value === true) overrides[flag.config] = flag.configValue;
    } else {
      overrides[flag.config] = value;
    }
  }
  return overrides as Partial<TrainConfig>;
}

/** The flags that may change a resumed run. */
export const RESUME_FLAGS = TRAIN_FLAGS.filter((flag) => flag.onResume);
