/**
 * LPL training: a VGG encoder trained layer-locally (or end-to-end) on
 * two-view batches, with the objective of src/lpl/objective.ts, Adam with
 * coupled weight decay (no decay on biases), and a linear warm-up + cosine
 * learning-rate schedule set once per epoch (LPL-SPEC.md, "Layer-local training").
 *
 * Both views go through the network as one batch of 2B images: the blocks
 * act on each image independently (no BatchNorm), so this equals two
 * separate passes and halves the number of kernel calls.
 *
 * Everything that decides the numbers is a pure function of the config and
 * (epoch, step): the data order, each image's augmentations, the "shuffle
 * positives" permutation (src/lpl/controls.ts). So a run resumed from a checkpoint continues
 * exactly as if it had not stopped.
 */
import { noGrad, readScalars, slice } from '../autograd/index.js';
import { simclrAugmentOptions } from '../data/augment.js';
import type { ImageDataset } from '../data/dataset.js';
import { TwoViewLoader, type TwoViewBatch } from '../data/loader.js';
import { channelStats } from '../data/stats.js';
import { Adam, vgg11Encoder, warmupCosineLr, weightDecayGroups, type VggEncoder } from '../nn/index.js';
import { Rng } from '../tensor/random.js';
import { getBackend, hostBackend, withBackend } from '../tensor/registry.js';
import { Tensor } from '../tensor/tensor.js';
import { viewOf } from '../tensor/view.js';
import { configProblems, type TrainConfig } from './config.js';
import { shuffledPositives, stackViews } from './controls.js';
import { encodeBlocks, type EncoderOutput } from './encoder.js';
import { participationRatio, unitVarianceSummary } from './metrics.js';
import { networkObjective } from './objective.js';

/** The loss terms of one layer, as numbers (null for layers without a loss, e.g. end-to-end). */
export interface LayerLosses {
  pred: number;
  hebb: number;
  decorr: number;
  total: number;
}

export interface StepRecord {
  epoch: number;
  step: number;
  globalStep: number;
  lr: number;
  loss: number;
  layers: (LayerLosses | null)[];
  /** Images (each seen as two views) in this step, and the seconds it took. */
  images: number;
  seconds: number;
  /** Block outputs z1 of this step ([B, M] per layer, no gradient), for epoch diagnostics. */
  z: Tensor[];
}

/** A loss that is NaN or infinite: names the layer and the term. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly layer: number,
    readonly term: string,
    readonly value: number,
    readonly epoch: number,
    readonly step: number,
  ) {
    super(`the ${term} loss of layer ${layer} is ${value} at epoch ${epoch + 1}, step ${step + 1}`);
    this.name = 'NonFiniteLossError';
  }
}

/** A configuration that cannot run (bad values, or a batch larger than the data set). */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The encoder a config describes, initialised from its seed (PyTorch's default init). */
export function buildEncoder(config: TrainConfig, inChannels: number, inputSize: number): VggEncoder {
  return vgg11Encoder({ inChannels, width: config.width, rng: new Rng(config.seed), inputSize });
}

/** Model, optimizer and data of one run, and its position (the next epoch and step to run). */
export class LplRun {
  readonly config: TrainConfig;
  readonly dataset: ImageDataset;
  readonly inputSize: number;
  readonly model: VggEncoder;
  readonly optimizer: Adam;
  readonly loader: TwoViewLoader;
  epoch = 0;
  step = 0;
  globalStep = 0;

  constructor(
    config: TrainConfig,
    dataset: ImageDataset,
    opts: { onWarning?: (message: string) => void } = {},
  ) {
    const problems = configProblems(config);
    if (problems.length > 0) throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
    if (dataset.n < config.batchSize) {
      throw new ConfigError(
        `batch size ${config.batchSize} is larger than the ${dataset.n} training images (${dataset.source})`,
      );
    }
    this.dataset = dataset;
    this.inputSize = config.imageSize ?? dataset.height;
    const stats = config.stats ?? channelStats(dataset);
    this.config = { ...config, stats };
    this.model = buildEncoder(this.config, dataset.channels, this.inputSize);
    this.optimizer = new Adam(weightDecayGroups(this.model.namedParameters(), config.weightDecay), {
      lr: config.lr,
    });
    this.loader = new TwoViewLoader(dataset, {
      batchSize: config.batchSize,
      seed: config.seed,
      augment: simclrAugmentOptions(this.inputSize, stats),
      dropLast: true,
      workers: config.workers ?? undefined,
      onWarning: opts.onWarning,
    });
  }

  get stepsPerEpoch(): number {
    return this.loader.stepsPerEpoch;
  }

  get finished(): boolean {
    return this.epoch >= this.config.epochs;
  }

  /**
   * The learning rate of a step: the per-epoch schedule (linear warm-up from 0
   * over `warmupEpochs`, then cosine to minLr at `scheduleEpochs`, set per epoch
   * as by the authors), times the step ramp min(1, (globalStep + 1)/warmupSteps).
   */
  lrAt(epoch: number, globalStep = Infinity): number {
    const c = this.config;
    const perEpoch = warmupCosineLr(
      {
        baseLr: c.lr,
        warmupEpochs: c.warmupEpochs,
        totalEpochs: c.scheduleEpochs ?? c.epochs,
        minLr: c.minLr,
      },
      epoch,
    );
    return c.warmupSteps > 0 ? perEpoch * Math.min(1, (globalStep + 1) / c.warmupSteps) : perEpoch;
  }

  /** The batches left in the current epoch, from the current step on. */
  batches(): AsyncGenerator<TwoViewBatch> {
    return this.loader.batchesForEpoch(this.epoch, this.step);
  }

  /** The last step's z on a device backend, freed when the next step ends. */
  private previousZ: Tensor[] = [];

  /**
   * One optimisation step on a two-view batch; advances the position. The
   * step's loss scalars are read back once, after the update has been issued
   * (on a device backend, the only wait of the step); a non-finite loss then
   * throws NonFiniteLossError, and training must not go on from this model.
   */
  async trainStep(batch: TwoViewBatch): Promise<StepRecord> {
    const started = performance.now();
    const c = this.config;
    const B = batch.shape[0];
    const k = getBackend();
    const mark = k.mark?.(); // a device backend frees what this step made, once it is done
    const lr = this.lrAt(this.epoch, this.globalStep);
    this.optimizer.setLr(lr);

    // x = [view 1; view 2]: [2B, C, H, W], view 2 shuffled for the control (src/lpl/controls.ts)
    const perm = c.shufflePositives ? shuffledPositives(c.seed, this.epoch, this.step, B) : null;
    const x = stackViews(batch.x1, batch.x2, batch.shape, perm);
    const both = encodeBlocks(this.model.blocks, x, {
      mode: c.mode,
      keepMaps: c.noPooling,
    });
    const half = (t: Tensor, first: boolean): Tensor => slice(t, [first ? [0, B] : [B, 2 * B]]);
    const split = (first: boolean): EncoderOutput => ({
      z: both.z.map((t) => half(t, first)),
      maps: both.maps.map((t) => half(t, first)),
    });
    const z1 = split(true);
    const { total, layers } = networkObjective(z1, split(false), c); // λs, switches, mode, noPooling

    // Every scalar the step reports, packed so that one read fetches them all.
    const scalars: Tensor[] = [total];
    for (const terms of layers) if (terms) scalars.push(terms.pred, terms.hebb, terms.decorr, terms.total);

    total.backward();
    this.optimizer.step();
    this.optimizer.zeroGrad();

    const values = await readScalars(scalars);
    let next = 1;
    const losses = layers.map((terms, k) => {
      if (!terms) return null;
      const layer: LayerLosses = {
        pred: values[next++]!,
        hebb: values[next++]!,
        decorr: values[next++]!,
        total: values[next++]!,
      };
      for (const [term, value] of Object.entries(layer)) {
        if (!Number.isFinite(value)) throw new NonFiniteLossError(k + 1, term, value, this.epoch, this.step);
      }
      return layer;
    });

    const record: StepRecord = {
      epoch: this.epoch,
      step: this.step,
      globalStep: this.globalStep,
      lr,
      loss: values[0]!,
      layers: losses,
      images: B,
      seconds: (performance.now() - started) / 1000,
      z: z1.z.map((t) => t.detach()),
    };
    // Keep the optimizer's state and this step's z; free activations, gradients, losses, and the
    // previous step's z (a record's z stays valid until the next step ends).
    if (mark !== undefined) {
      k.release?.(
        mark,
        [...this.optimizer.stateTensors(), ...record.z].map((t) => t.view),
      );
      k.dispose?.(this.previousZ.map((t) => t.view));
      this.previousZ = record.z;
    }
    this.globalStep++;
    this.step++;
    if (this.step >= this.stepsPerEpoch) {
      this.step = 0;
      this.epoch++;
    }
    return record;
  }

  /** Stops the augmentation workers. */
  async close(): Promise<void> {
    await this.loader.close();
  }
}

export interface LayerDiagnostics {
  /** Mean over units of the variance σ²_i over the batch. */
  variance: number;
  /** (Σλ)²/Σλ² of the feature covariance: the dimensionality of the representation. */
  participationRatio: number;
  /** Fraction of units with (almost) zero variance. */
  deadFraction: number;
}

/**
 * Per-layer diagnostics of block outputs z ([B, M] each): collapse shows here
 * at once. Each z is read back (asynchronously, from whichever backend holds
 * it) and the statistics are computed on the host.
 */
export async function layerDiagnostics(z: readonly Tensor[]): Promise<LayerDiagnostics[]> {
  const host = await Promise.all(z.map(async (t) => new Tensor(viewOf(await t.data(), t.shape))));
  return withBackend(hostBackend(), () =>
    noGrad(() =>
      host.map((t) => {
        const summary = unitVarianceSummary(t);
        return {
          variance: summary.mean,
          participationRatio: participationRatio(t),
          deadFraction: summary.deadFraction,
        };
      }),
    ),
  );
}
