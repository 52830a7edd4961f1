/**
 * `npm run probe`: linear readout per layer of a trained checkpoint, with
 * optional baselines (the same network before learning, and raw pixels).
 * Writes reports/<run>_avgpool<true|false>.{json,csv,svg,png}.
 */
import { closeWebGpu } from '../tensor/backends/webgpu.js';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import '../index.js';
import { subsetDataset, type ImageDataset } from '../data/index.js';
import { loadCheckpoint, type VggEncoder } from '../nn/index.js';
import {
  balancedFirst,
  extractFeatures,
  featureDeadFraction,
  featureParticipationRatio,
  pixelFeatures,
  trainLinearProbe,
  type LayerFeatures,
} from '../lpl/probe.js';
import { checkpointConfig, LAST_CHECKPOINT, newestRun } from '../lpl/run-state.js';
import { loadHoldout, loadTrainingData } from '../lpl/run-data.js';
import { buildEncoder } from '../lpl/train.js';
import { layerFigureSvg, svgToPng } from '../report/figure.js';
import { BACKEND_FLAGS, setupBackend } from './backend-setup.js';
import { exitWithParent, relaunchWithAllocatorSettings } from './relaunch.js';
import { CliError, helpText, parseFlags, runCommand, type FlagSpec } from './flags.js';

const FLAGS: FlagSpec[] = [
  {
    name: 'checkpoint',
    type: 'string',
    metavar: 'FILE',
    help: 'trained checkpoint (default: last.safetensors of the newest run under runs/)',
  },
  {
    name: 'avgpool',
    type: 'boolean',
    help: 'globally average-pool each block output (the paper); otherwise flatten it',
  },
  {
    name: 'data',
    type: 'string',
    metavar: 'PATH',
    help: "labelled data set (default: the checkpoint's training data)",
  },
  {
    name: 'format',
    type: 'string',
    choices: ['idx', 'cifar10', 'stl10', 'image-folder'],
    help: 'read --data as this format',
  },
  {
    name: 'probe-train',
    type: 'string',
    choices: ['train', 'holdout'],
    default: 'train',
    help: "the probe's labelled training images: the training split, or the images the run held out of training (train --holdout; the authors' release pipeline)",
  },
  {
    name: 'eval-resize',
    type: 'int',
    min: 1,
    metavar: 'N',
    help: "evaluation transform Resize(N) then CenterCrop(input size), as the authors' release code (35 on CIFAR-10); default: Resize + CenterCrop to the input size",
  },
  {
    name: 'train-labels',
    type: 'int',
    min: 1,
    metavar: 'N',
    help: 'labelled training images to use, balanced over classes (default all; authors: 5000 on CIFAR-10)',
  },
  {
    name: 'test-labels',
    type: 'int',
    min: 1,
    metavar: 'N',
    help: 'test images to use, balanced over classes (default all)',
  },
  {
    name: 'epochs',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: 20,
    paper: '20',
    help: 'epochs of the linear classifier',
  },
  {
    name: 'batch-size',
    type: 'int',
    min: 1,
    metavar: 'N',
    default: 512,
    paper: '512',
    help: 'batch size of the linear classifier',
  },
  {
    name: 'lr',
    type: 'number',
    metavar: 'LR',
    default: 1e-3,
    paper: '1e-3 (Adam)',
    help: 'learning rate of the linear classifier',
  },
  {
    name: 'standardize',
    type: 'boolean',
    help: "z-score each feature with the training split's statistics before the probe (not in the paper)",
  },
  {
    name: 'baselines',
    type: 'boolean',
    help: 'also probe the same network at initialisation and the raw pixels',
  },
  {
    name: 'seed',
    type: 'int',
    metavar: 'N',
    default: 0,
    help: 'seed of the probe (its init and batch order)',
  },
  ...BACKEND_FLAGS,
  { name: 'name', type: 'string', metavar: 'NAME', help: 'report name (default: the run folder name)' },
  { name: 'out', type: 'string', metavar: 'DIR', default: 'reports', help: 'folder for the report files' },
];

const SUMMARY = `Linear readout of every layer of a trained LPL network: a logistic-regression
classifier per layer on frozen features, test accuracy per layer, a CSV and a figure.`;

interface LayerReport {
  layer: number;
  channels: number;
  features: number;
  accuracy: number;
  trainAccuracy: number;
  participationRatio: number | null;
  /** Fraction of features with zero variance over the test images (silent units). */
  deadFraction: number;
}

async function probeLayers(
  name: string,
  train: LayerFeatures[],
  trainLabels: Int32Array,
  test: LayerFeatures[],
  testLabels: Int32Array,
  channels: readonly number[],
  probeOpts: Parameters<typeof trainLinearProbe>[4],
): Promise<LayerReport[]> {
  const reports: LayerReport[] = [];
  for (const [k, f] of train.entries()) {
    const started = performance.now();
    const r = await trainLinearProbe(f, trainLabels, test[k]!, testLabels, probeOpts);
    const pr = test[k]!.dim <= 1024 ? featureParticipationRatio(test[k]!) : null;
    const dead = featureDeadFraction(test[k]!);
    console.log(
      `  ${name} layer ${k + 1}: test ${(100 * r.testAccuracy).toFixed(1)}%, train ${(100 * r.trainAccuracy).toFixed(1)}%` +
        `${pr === null ? '' : `, PR ${pr.toFixed(1)}`}, silent ${(100 * dead).toFixed(0)}%` +
        ` (${((performance.now() - started) / 1000).toFixed(1)} s)`,
    );
    reports.push({
      layer: k + 1,
      channels: channels[k] ?? 0,
      features: f.dim,
      accuracy: r.testAccuracy,
      trainAccuracy: r.trainAccuracy,
      participationRatio: pr,
      deadFraction: dead,
    });
  }
  return reports;
}

function limited(ds: ImageDataset, n: number | undefined): ImageDataset {
  return n === undefined ? ds : subsetDataset(ds, balancedFirst(ds.labels, n, ds.classes.length));
}

async function main(): Promise<void> {
  const f = parseFlags('probe', FLAGS, process.argv.slice(2));
  if (f.help) {
    process.stdout.write(helpText('probe', SUMMARY, FLAGS));
    return;
  }
  let checkpoint = f.checkpoint as string | undefined;
  if (!checkpoint) {
    const dir = newestRun('runs');
    if (!dir)
      throw new CliError(
        'no --checkpoint given and no run with a last.safetensors under runs/ (train one first)',
      );
    checkpoint = join(dir, LAST_CHECKPOINT);
  }
  if (!existsSync(checkpoint)) throw new CliError(`--checkpoint ${checkpoint}: no such file`);
  const saved = checkpointConfig(checkpoint);
  const config = {
    ...saved,
    limit: null,
    ...(f.data ? { data: f.data as string, format: (f.format as never) ?? null } : {}),
  };
  const avgpool = f.avgpool === true;
  const stats = saved.stats;
  if (!stats)
    throw new CliError(`${checkpoint}: holds no input normalisation (channel mean and std) in its config`);

  const probeTrain = f['probe-train'] as 'train' | 'holdout';
  if (probeTrain === 'holdout' && config.holdout === 0) {
    throw new CliError(
      `--probe-train holdout: ${checkpoint} was trained without --holdout, so no images were held out`,
    );
  }
  const evalResize = f['eval-resize'] as number | undefined;
  if (evalResize !== undefined && evalResize < saved.inputSize) {
    throw new CliError(`--eval-resize ${evalResize}: must be at least the input size ${saved.inputSize}`);
  }
  // the full training split for the probe (the holdout too, when asked to train on it)
  const probeSource =
    probeTrain === 'holdout'
      ? loadHoldout({ ...config, limit: saved.limit }) // held out of the run's own (limited) split
      : loadTrainingData({ ...config, holdout: 0 }, 'train');
  const trainSet = limited(probeSource, f['train-labels'] as number | undefined);
  const testSet = limited(loadTrainingData(config, 'test'), f['test-labels'] as number | undefined);
  if (trainSet.channels !== saved.channels) {
    throw new CliError(
      `the data has ${trainSet.channels} channels but ${checkpoint} was trained on ${saved.channels}`,
    );
  }
  if ([...trainSet.labels, ...testSet.labels].some((y) => y < 0))
    throw new CliError('the probe needs labelled images');
  const classes = trainSet.classes.length;

  const model: VggEncoder = buildEncoder(config, saved.channels, saved.inputSize);
  loadCheckpoint(checkpoint, { model });
  const backendLine = await setupBackend(f, model, saved.inputSize, saved.channels, 128);
  const name =
    (f.name as string | undefined) ??
    (basename(checkpoint) === LAST_CHECKPOINT
      ? basename(dirname(checkpoint))
      : basename(checkpoint).replace(/\.safetensors$/, ''));

  console.log(`probe ${checkpoint} (${name})`);
  console.log(
    `  data     ${trainSet.source}: ${trainSet.n} train / ${testSet.n} test labelled images, ${classes} classes`,
  );
  console.log(
    `  features ${avgpool ? 'global average pool' : 'flattened'} block outputs, input ${saved.inputSize}×${saved.inputSize}` +
      `${evalResize ? ` (Resize(${evalResize}), CenterCrop(${saved.inputSize}))` : ''}; probe trained on ${probeTrain === 'holdout' ? 'the held-out images' : 'the training split'}; backend ${backendLine}`,
  );
  const probeOpts = {
    classes,
    epochs: f.epochs as number,
    batchSize: f['batch-size'] as number,
    lr: f.lr as number,
    seed: f.seed as number,
    standardize: f.standardize === true,
  };
  console.log(
    `  probe    logistic regression, Adam lr ${probeOpts.lr}, batch ${probeOpts.batchSize}, ${probeOpts.epochs} epochs${probeOpts.standardize ? ', standardized features' : ', raw features'}`,
  );

  const featureOpts = { avgpool, inputSize: saved.inputSize, stats, resize: evalResize };
  const started = performance.now();
  // one network's features on both splits, then one probe per layer
  const probeNetwork = async (label: string, net: VggEncoder): Promise<LayerReport[]> =>
    probeLayers(
      label,
      await extractFeatures(net, trainSet, featureOpts),
      trainSet.labels,
      await extractFeatures(net, testSet, featureOpts),
      testSet.labels,
      net.channels,
      probeOpts,
    );
  const layers = await probeNetwork('trained', model);
  let baselines: { randomInit: LayerReport[]; pixels: LayerReport } | null = null;
  if (f.baselines) {
    // the same init the run started from
    const randomInit = await probeNetwork(
      'random-init',
      buildEncoder(config, saved.channels, saved.inputSize),
    );
    const [pixels] = await probeLayers(
      'pixels',
      [pixelFeatures(trainSet, saved.inputSize, stats, evalResize)],
      trainSet.labels,
      [pixelFeatures(testSet, saved.inputSize, stats, evalResize)],
      testSet.labels,
      [saved.channels],
      probeOpts,
    );
    baselines = { randomInit, pixels: { ...pixels!, layer: 0 } };
  }

  const outDir = f.out as string;
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new CliError(`--out ${outDir}: cannot create it (${(e as NodeJS.ErrnoException).code})`);
  }
  const base = join(
    outDir,
    `${name}_avgpool${avgpool}${probeOpts.standardize ? '_standardized' : ''}${probeTrain === 'holdout' ? '_holdout' : ''}${evalResize ? `_resize${evalResize}` : ''}`,
  );
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  const report = {
    meta: {
      name,
      checkpoint,
      data: trainSet.source,
      trainImages: trainSet.n,
      testImages: testSet.n,
      avgpool,
      probeTrain,
      evalResize: evalResize ?? null,
      seed: probeOpts.seed,
      trainingSeed: saved.seed,
      flags: process.argv.slice(2),
      probe: probeOpts,
      training: saved,
      version: pkg.version,
      date: new Date().toISOString(),
      seconds: (performance.now() - started) / 1000,
    },
    layers,
    baselines,
  };
  writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + '\n');
  const csvRows = layers.map((l, k) => {
    const extra = baselines
      ? `,${baselines.randomInit[k]!.accuracy.toFixed(4)},${baselines.pixels.accuracy.toFixed(4)}`
      : '';
    return `${l.layer},${l.accuracy.toFixed(4)}${extra}`;
  });
  writeFileSync(
    `${base}.csv`,
    `layer,accuracy${baselines ? ',random_init_accuracy,pixels_accuracy' : ''}\n${csvRows.join('\n')}\n`,
  );
  const series = [{ name, accuracies: layers.map((l) => l.accuracy) }];
  if (baselines)
    series.push({ name: 'random init', accuracies: baselines.randomInit.map((l) => l.accuracy) });
  const svg = layerFigureSvg(series, {
    title: `Linear readout (${avgpool ? 'avg-pooled' : 'flattened'}): ${name}`,
    chance: 1 / classes,
    references: baselines ? [{ name: 'pixels', value: baselines.pixels.accuracy }] : [],
  });
  writeFileSync(`${base}.svg`, svg);
  writeFileSync(`${base}.png`, svgToPng(svg));
  console.log(`wrote ${base}.json, .csv, .svg, .png`);
}

if (!relaunchWithAllocatorSettings()) {
  exitWithParent();
  void runCommand('probe', main).finally(closeWebGpu); // free the device, if one was taken, so that Node exits
}
