/**
 * `npm run train`: self-supervised LPL training. Parses flags, builds or
 * resumes a run, reports progress, writes config, log and checkpoints.
 */
import { closeWebGpu } from '../tensor/backends/webgpu.js';
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import '../index.js';
import { DEFAULT_TRAIN_CONFIG, PAPER_TRAIN_CONFIG, type TrainConfig } from '../lpl/config.js';
import {
  epochCheckpointName,
  LAST_CHECKPOINT,
  pruneEpochCheckpoints,
  restoreRun,
  saveRun,
} from '../lpl/run-state.js';
import {
  layerDiagnostics,
  loadTrainingData,
  LplRun,
  NonFiniteLossError,
  type StepRecord,
} from '../lpl/train.js';
import { BACKEND_FLAGS, setupBackend } from './backend-setup.js';
import { exitWithParent, relaunchWithAllocatorSettings } from './relaunch.js';
import { CliError, helpText, parseFlags, runCommand, type FlagSpec, type FlagValues } from './flags.js';
import { Progress } from './progress.js';

const d = DEFAULT_TRAIN_CONFIG;
const paper = PAPER_TRAIN_CONFIG;

const FLAGS: FlagSpec[] = [
  {
    name: 'data',
    type: 'string',
    metavar: 'PATH',
    help: 'data set: IDX files, CIFAR-10 or STL-10 binaries, or class folders (default: bundled Fashion-MNIST subset)',
    paper: paper.data,
  },
  {
    name: 'format',
    type: 'string',
    choices: ['idx', 'cifar10', 'stl10', 'image-folder'],
    help: 'read --data as this format instead of detecting it',
  },
  { name: 'limit', type: 'int', min: 1, metavar: 'N', help: 'use only the first N training images' },
  {
    name: 'image-size',
    type: 'int',
    min: 4,
    metavar: 'N',
    help: "side of the network input (default: the data's own)",
  },
  {
    name: 'width',
    type: 'number',
    metavar: 'W',
    default: d.width,
    paper: paper.width,
    help: 'channel multiplier of VGG-11 (1 = 64…512)',
  },
  {
    name: 'epochs',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: d.epochs,
    paper: paper.epochs,
    help: 'epochs to train (with --resume: the new total)',
  },
  {
    name: 'batch-size',
    type: 'int',
    min: 2,
    metavar: 'N',
    default: d.batchSize,
    paper: paper.batchSize,
    help: 'images per batch (each seen as two views)',
  },
  {
    name: 'lr',
    type: 'number',
    metavar: 'LR',
    default: d.lr,
    paper: paper.lr,
    help: 'peak learning rate of Adam',
  },
  {
    name: 'min-lr',
    type: 'number',
    metavar: 'LR',
    default: d.minLr,
    paper: paper.minLr,
    help: 'learning rate at the end of the cosine decay',
  },
  {
    name: 'weight-decay',
    type: 'number',
    metavar: 'WD',
    default: d.weightDecay,
    paper: paper.weightDecay,
    help: 'coupled L2 weight decay (not on biases)',
  },
  {
    name: 'warmup-epochs',
    type: 'number',
    metavar: 'N',
    default: d.warmupEpochs,
    paper: paper.warmupEpochs,
    help: 'epochs of linear warm-up from 0 (set per epoch as by the authors: the first warm-up epoch runs at lr 0)',
  },
  {
    name: 'lambda-pred',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaPred,
    paper: paper.lambdaPred,
    help: 'weight of the predictive term',
  },
  {
    name: 'lambda-hebb',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaHebb,
    paper: paper.lambdaHebb,
    help: 'weight λ₁ of the Hebbian term',
  },
  {
    name: 'lambda-decorr',
    type: 'number',
    metavar: 'λ',
    default: d.lambdaDecorr,
    paper: paper.lambdaDecorr,
    help: 'weight λ₂ of the decorrelation term',
  },
  { name: 'no-pred', type: 'boolean', help: 'switch the predictive term off (ablation)' },
  { name: 'no-hebb', type: 'boolean', help: 'switch the Hebbian term off (ablation)' },
  { name: 'no-decorr', type: 'boolean', help: 'switch the decorrelation term off (ablation)' },
  {
    name: 'pred-form',
    type: 'string',
    choices: ['symmetric', 'paper'],
    default: d.predForm,
    paper: paper.predForm,
    help: 'predictive term: symmetric MSE, or the one-sided 1/(2BM)·Σ(z(t) − SG(z(t−Δt)))²',
  },
  { name: 'end-to-end', type: 'boolean', help: 'loss on the last block only, full backprop (variant)' },
  { name: 'no-pooling', type: 'boolean', help: 'loss on unpooled maps, every position a unit (control)' },
  { name: 'shuffle-positives', type: 'boolean', help: "pair each view with another image's view (control)" },
  {
    name: 'seed',
    type: 'int',
    metavar: 'N',
    default: d.seed,
    paper: paper.seed,
    help: 'seed of init, data order and augmentations',
  },
  ...BACKEND_FLAGS,
  {
    name: 'workers',
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
    name: 'log-every',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: 10,
    help: 'write a step line to log.jsonl every N steps',
  },
];

const SUMMARY = `Trains a VGG-11 encoder with Latent Predictive Learning (Halvagal & Zenke 2023),
layer-locally: every block minimises its own predictive + Hebbian + decorrelation loss.
Writes config.json, log.jsonl, epoch-NNNN.safetensors and last.safetensors to the run folder.`;

/** The config from flags (given flags only; the rest from the defaults). */
function configFromFlags(f: FlagValues): TrainConfig {
  const pick = <T>(name: string, fallback: T): T => (f[name] === undefined ? fallback : (f[name] as T));
  return {
    ...d,
    data: pick<string | null>('data', d.data),
    format: pick('format', d.format),
    limit: pick('limit', d.limit),
    imageSize: pick('image-size', d.imageSize),
    width: pick('width', d.width),
    epochs: pick('epochs', d.epochs),
    batchSize: pick('batch-size', d.batchSize),
    lr: pick('lr', d.lr),
    minLr: pick('min-lr', d.minLr),
    weightDecay: pick('weight-decay', d.weightDecay),
    warmupEpochs: pick('warmup-epochs', d.warmupEpochs),
    lambdaPred: pick('lambda-pred', d.lambdaPred),
    lambdaHebb: pick('lambda-hebb', d.lambdaHebb),
    lambdaDecorr: pick('lambda-decorr', d.lambdaDecorr),
    usePred: f['no-pred'] !== true,
    useHebb: f['no-hebb'] !== true,
    useDecorr: f['no-decorr'] !== true,
    predForm: pick('pred-form', d.predForm),
    mode: f['end-to-end'] === true ? 'end-to-end' : 'layer-local',
    noPooling: f['no-pooling'] === true,
    shufflePositives: f['shuffle-positives'] === true,
    seed: pick('seed', d.seed),
    workers: pick('workers', d.workers),
  };
}

function variantName(c: TrainConfig): string {
  const parts = [c.mode === 'end-to-end' ? 'e2e' : 'lpl'];
  if (!c.usePred) parts.push('no-pred');
  if (!c.useHebb) parts.push('no-hebb');
  if (!c.useDecorr) parts.push('no-decorr');
  if (c.noPooling) parts.push('no-pooling');
  if (c.shufflePositives) parts.push('shuffled');
  return parts.join('-');
}

function ensureWritable(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = join(dir, '.write-test');
    writeFileSync(probe, '');
    appendFileSync(probe, '');
  } catch (e) {
    throw new CliError(
      `--out ${dir}: cannot write there (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

const fmt = (v: number, digits = 4): string =>
  Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(2) : v.toFixed(digits);

async function main(): Promise<void> {
  const f = parseFlags('train', FLAGS, process.argv.slice(2), { applyDefaults: false });
  if (f.help) {
    process.stdout.write(helpText('train', SUMMARY, FLAGS));
    return;
  }
  const warn = (message: string) => console.warn(`train: ${message}`);
  let run: LplRun;
  let outDir: string;
  const resume = f.resume as string | undefined;
  if (resume) {
    const overrides: Partial<TrainConfig> = {};
    if (f.epochs !== undefined) overrides.epochs = f.epochs as number;
    if (f.workers !== undefined) overrides.workers = f.workers as number;
    if (f.data !== undefined) overrides.data = f.data as string;
    run = restoreRun(resume, overrides, { onWarning: warn });
    outDir = (f.out as string | undefined) ?? dirname(resume);
  } else {
    const config = configFromFlags(f);
    const dataset = loadTrainingData(config);
    run = new LplRun(config, dataset, { onWarning: warn });
    const stamp = new Date().toISOString().replace(/[:]/g, '-').replace(/\..*$/, '');
    const dataName = config.data === null ? 'fashion-mnist' : basename(config.data.replace(/[\\/]+$/, ''));
    outDir =
      (f.out as string | undefined) ??
      join('runs', (f.name as string | undefined) ?? `${dataName}_${variantName(config)}_${stamp}`);
  }
  ensureWritable(outDir);
  const backendLine = await setupBackend(
    f,
    run.model,
    run.inputSize,
    run.dataset.channels,
    run.config.batchSize,
    run.optimizer,
  );

  const c = run.config;
  const ds = run.dataset;
  writeFileSync(
    join(outDir, 'config.json'),
    JSON.stringify({ ...c, resumedFrom: resume ?? null }, null, 2) + '\n',
  );
  const logFile = join(outDir, 'log.jsonl');
  const log = (record: object) => appendFileSync(logFile, JSON.stringify(record) + '\n');

  console.log(`LPL training → ${outDir}`);
  console.log(
    `  data      ${ds.source}: ${ds.n} images ${ds.channels}×${ds.height}×${ds.width}, input ${run.inputSize}×${run.inputSize}`,
  );
  console.log(`  network   VGG-11 width ${c.width}: channels ${run.model.channels.join(',')} (${c.mode})`);
  console.log(
    `  training  ${c.epochs} epochs × ${run.stepsPerEpoch} steps of ${c.batchSize}, Adam lr ${c.lr} (warm-up ${c.warmupEpochs}, cosine to ${c.minLr}), wd ${c.weightDecay}`,
  );
  console.log(
    `  loss      λ_pred ${c.usePred ? c.lambdaPred : 'off'}, λ_hebb ${c.useHebb ? c.lambdaHebb : 'off'}, λ_decorr ${c.useDecorr ? c.lambdaDecorr : 'off'}, predictive form ${c.predForm}${c.noPooling ? ', no pooling' : ''}${c.shufflePositives ? ', shuffled positives' : ''}`,
  );
  console.log(
    `  seed      ${c.seed}; backend ${backendLine}; augmentation workers ${await run.loader.workerCount()}`,
  );
  if (resume) console.log(`  resumed   from ${resume} at epoch ${run.epoch + 1}, step ${run.step + 1}`);
  if (run.finished) {
    console.log(
      `nothing to do: the run already finished its ${c.epochs} epochs (pass a larger --epochs to continue)`,
    );
    await run.close();
    return;
  }

  let stopRequested = false;
  const onSigint = () => {
    if (stopRequested) process.exit(130); // a second Ctrl-C: the last checkpoint on disk is complete
    stopRequested = true;
    console.log('\ninterrupt: finishing this step and saving a checkpoint (Ctrl-C again to quit at once)');
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);

  const lastFile = join(outDir, LAST_CHECKPOINT);
  const progress = new Progress(process.stdout);
  try {
    while (!run.finished && !stopRequested) {
      const epoch = run.epoch;
      const epochStart = performance.now();
      let images = 0;
      let last: StepRecord | null = null;
      const sums = run.model.channels.map(() => ({ pred: 0, hebb: 0, decorr: 0, total: 0, n: 0 }));
      progress.start(`epoch ${epoch + 1}/${c.epochs}`, run.stepsPerEpoch, run.step);
      for await (const batch of run.batches()) {
        last = await run.trainStep(batch);
        images += last.images;
        last.layers.forEach((l, k) => {
          if (!l) return;
          const s = sums[k]!;
          s.pred += l.pred;
          s.hebb += l.hebb;
          s.decorr += l.decorr;
          s.total += l.total;
          s.n++;
        });
        const rate = images / ((performance.now() - epochStart) / 1000);
        progress.update(last.step + 1, { rate, loss: last.loss });
        if (last.globalStep % ((f['log-every'] as number | undefined) ?? 10) === 0) {
          const { z: _z, ...record } = last;
          log({ type: 'step', ...record, time: new Date().toISOString() });
        }
        await new Promise((resolve) => setImmediate(resolve)); // let signals (Ctrl-C) be delivered
        if (stopRequested) break;
      }
      progress.stop();
      await saveRun(run, lastFile);
      if (run.epoch > epoch) {
        // a whole epoch is done: log, print and checkpoint it
        const seconds = (performance.now() - epochStart) / 1000;
        const diagnostics = last ? await layerDiagnostics(last.z) : [];
        const layers = sums.map((s, k) => ({
          layer: k + 1,
          channels: run.model.channels[k],
          ...(s.n > 0
            ? { pred: s.pred / s.n, hebb: s.hebb / s.n, decorr: s.decorr / s.n, total: s.total / s.n }
            : {}),
          ...diagnostics[k],
        }));
        log({
          type: 'epoch',
          epoch,
          seconds,
          imagesPerSecond: images / seconds,
          lr: last?.lr,
          layers,
          time: new Date().toISOString(),
        });
        console.log(
          `epoch ${epoch + 1}/${c.epochs}: ${seconds.toFixed(1)} s, ${(images / seconds).toFixed(1)} images/s, lr ${fmt(last?.lr ?? 0)}`,
        );
        console.log('  layer  ch   L_pred    L_hebb    L_decorr  variance  PR      dead');
        for (const l of layers) {
          const v = (x: number | undefined) => (x === undefined ? '   -     ' : fmt(x).padStart(9));
          console.log(
            `  ${String(l.layer).padStart(5)} ${String(l.channels).padStart(4)} ${v(l.pred)} ${v(l.hebb)} ${v(l.decorr)} ${v(l.variance)} ${(l.participationRatio ?? 0).toFixed(2).padStart(6)} ${((l.deadFraction ?? 0) * 100).toFixed(0).padStart(4)}%`,
          );
        }
        await saveRun(run, join(outDir, epochCheckpointName(run.epoch)));
        pruneEpochCheckpoints(outDir, (f.keep as number | undefined) ?? 3);
      }
    }
  } catch (e) {
    progress.stop();
    if (e instanceof NonFiniteLossError) {
      throw new CliError(`${e.message}; training stopped, the last good checkpoint is ${lastFile}`);
    }
    throw e;
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    await run.close();
  }
  if (stopRequested && !run.finished) {
    console.log(`stopped at epoch ${run.epoch + 1}, step ${run.step + 1}; saved ${lastFile}`);
    console.log(`continue with: npm run train -- --resume ${lastFile}`);
    process.exitCode = 130;
    return;
  }
  console.log(`done: ${lastFile}`);
  console.log(`next: npm run probe -- --checkpoint ${lastFile} --avgpool`);
}

if (!relaunchWithAllocatorSettings()) {
  exitWithParent();
  void runCommand('train', main).finally(closeWebGpu); // free the device, if one was taken, so that Node exits
}
