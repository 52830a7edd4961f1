/**
 * `npm run bench`: kernels (matmul, conv2d and both gradients) at VGG-11
 * layer shapes on every backend and gpu.js mode beside tfjs-backend-cpu,
 * tfjs-backend-wasm and jax-js's wasm device; a full LPL training step with
 * the share of time spent in those kernels, beside PyTorch's CPU step where
 * python3 has torch; and data loading + augmentation of a 1024-image batch.
 *
 *   npm run bench                      full run (batch 256; many minutes)
 *   npm run bench -- --quick           about a minute (batch 32, fewer layers)
 *   npm run bench -- --only 'conv2d.*cifar'   cases whose text matches
 *   npm run bench -- --out DIR         results folder (default bench/results)
 *
 * Case texts, for --only: "kernel <backend> <kernel> <layer>", "step <backend>
 * <config>" (tfjs-cpu's step: "step tfjs-cpu <config>"), "auto", "data".
 */
import { parseArgs } from 'node:util';
import { getBackend } from '../src/tensor/registry.js';
import { chooseBackends, defaultCandidates } from '../src/tensor/backends/auto.js';
import { GPUJS_MODES, GpujsBackend, bestMode } from '../src/tensor/backends/gpujs.js';
import { closeWebGpu, initWebGpu, webGpuUnavailableReason } from '../src/tensor/backends/webgpu.js';
import type { Backend } from '../src/tensor/backend.js';
import { benchKernels, PlainSimdCpuBackend } from './kernels.bench.js';
import { tfjsStepConvolutions, useTfjs, TFJS_PEERS } from './peers/tfjs.js';
import { formatReport, machineInfo, writeReport, type BenchReport } from './report.js';
import {
  asLayerShapes,
  benchLayers,
  CIFAR_CONFIG,
  covarianceMatmul,
  FMNIST_CONFIG,
  vgg11ConvLayers,
} from './shapes.js';
import { benchStep, type StepResult } from './step.bench.js';
import { exitWithParent, relaunchWithAllocatorSettings } from '../src/cli/relaunch.js';
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import * as os from 'node:os';
import { JAXJS_PEER, useJaxjs } from './peers/jaxjs.js';
import { pytorchAvailable, pytorchStep } from './peers/pytorch.js';

const OPTIONS = {
  quick: {
    type: 'boolean',
    default: false,
    help: 'about a minute: batch 32, one conv layer per configuration',
  },
  only: { type: 'string', help: 'run only cases whose text matches this regular expression' },
  out: { type: 'string', default: 'bench/results', help: 'folder for <date>-<host>.json and latest.md' },
  batch: { type: 'string', help: 'batch of the kernel shapes (default 256; 32 with --quick)' },
  'step-batch': { type: 'string', help: 'batch of the training step (default 256; 32 with --quick)' },
  'max-call-ms': {
    type: 'string',
    help: 'time slower kernel cases at a smaller batch (default 10000; 400 with --quick)',
  },
  help: { type: 'boolean', default: false, help: 'print this help' },
} as const;

function usage(): string {
  const lines = Object.entries(OPTIONS).map(([name, o]) => {
    const arg = o.type === 'string' ? ` <${{ only: 'pattern', out: 'dir' }[name as string] ?? 'n'}>` : '';
    return `  --${(name + arg).padEnd(22)} ${o.help}`;
  });
  return ['usage: npm run bench -- [options]', '', ...lines].join('\n');
}

function positiveInt(flag: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got '${value}'`);
  return n;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: OPTIONS, strict: true });
  if (values.help) {
    console.log(usage());
    return;
  }
  const quick = values.quick;
  const only = values.only ? new RegExp(values.only, 'i') : undefined;
  const wants = (text: string): boolean => !only || only.test(text);
  const batch = positiveInt('batch', values.batch, quick ? 32 : 256);
  const stepBatch = positiveInt('step-batch', values['step-batch'], quick ? 32 : 256);
  const maxCallMs = positiveInt('max-call-ms', values['max-call-ms'], quick ? 400 : 10_000);
  const log = (line: string): void => console.log(line);

  const report: BenchReport = {
    date: new Date().toISOString(),
    command: `npm run bench --${process.argv.length > 2 ? ` ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: machineInfo(),
    gpujsModes: GPUJS_MODES.map((mode) => {
      const probe = GpujsBackend.probe(mode);
      return probe.ok
        ? `${mode}: usable${mode === bestMode() ? ' (the default)' : ''}`
        : `${mode}: ${probe.reason}`;
    }),
    peers: [],
    kernels: [],
    steps: [],
    peerSteps: [],
    pytorchSteps: [],
    notes: [],
    data: null,
    auto: null,
  };
  const m = report.machine;
  log(`${m.cpu}, ${m.cores} cores, Node ${m.node}, load average ${m.loadAverage}`);

  // Kernels, ours then the peers.
  const layers = benchLayers(quick, batch);
  report.kernels = await benchKernels({
    quick,
    layers,
    maxCallMs,
    wants: (text) => wants(`kernel ${text}`),
    log,
  });
  for (const peer of TFJS_PEERS) {
    if (!report.kernels.some((r) => r.backend === peer)) continue;
    report.peers.push(await useTfjs(peer));
  }
  if (report.kernels.some((r) => r.backend === JAXJS_PEER)) report.peers.push(await useJaxjs());

  // The training step: the default backend, and in a full run also gpu.js's default mode (at a
  // batch of at most 32 and 2 steps: a step at batch 256 takes minutes there).
  // webgpu where an adapter exists (on a software adapter such as lavapipe: a small batch, and
  // its time says nothing about a GPU).
  const webgpu = await initWebGpu();
  if (webgpu)
    log(`webgpu: ${webgpu.adapter.name}${webgpu.adapter.software ? ' (software: correctness only)' : ''}`);
  else log(`webgpu: not available (${webGpuUnavailableReason()})`);
  const main = getBackend();
  const stepRuns = [
    { backend: main, batch: stepBatch, steps: quick ? 2 : 5 },
    // the same cpu step without fused multiply-add, for the ratio in one run
    ...(main instanceof CpuBackend && main.fma
      ? [{ backend: new PlainSimdCpuBackend() as Backend, batch: stepBatch, steps: quick ? 2 : 5 }]
      : []),
    ...(webgpu
      ? [
          {
            backend: webgpu as Backend,
            batch: webgpu.adapter.software ? Math.min(stepBatch, 16) : stepBatch,
            steps: quick ? 2 : 5,
          },
        ]
      : []),
    ...(quick ? [] : [{ backend: new GpujsBackend() as Backend, batch: Math.min(stepBatch, 32), steps: 2 }]),
  ];
  for (const config of quick ? [FMNIST_CONFIG] : [FMNIST_CONFIG, CIFAR_CONFIG]) {
    for (const { backend, batch: b, steps } of stepRuns) {
      if (!wants(`step ${backend.name} ${config.name}`)) continue;
      log(`step: ${config.name}, batch ${b}, ${backend.name} ...`);
      const result: StepResult = await benchStep({ config, batch: b, backend, steps });
      report.steps.push(result);
      log(`  ${result.msPerStep.toFixed(0)} ms/step, ${result.imagesPerSecond.toFixed(1)} images/s`);
    }
  }

  // PyTorch's CPU step on the same configurations and batch, where python3 has torch.
  if (wants('step pytorch-cpu')) {
    const torch = pytorchAvailable();
    if (!torch.ok) {
      report.notes.push(`PyTorch peer skipped: ${torch.reason}`);
      log(`PyTorch peer skipped: ${torch.reason}`);
    } else {
      report.peers.push(`PyTorch ${torch.version} (CPU, benchmarks/peers/pytorch_step.py)`);
      for (const config of quick ? [FMNIST_CONFIG] : [FMNIST_CONFIG, CIFAR_CONFIG]) {
        log(`step: ${config.name}, batch ${stepBatch}, PyTorch ${torch.version} CPU ...`);
        const result = pytorchStep(config, stepBatch, quick ? 2 : 5, os.availableParallelism());
        report.pytorchSteps.push(result);
        log(`  ${result.msPerStep.toFixed(0)} ms/step, ${result.imagesPerSecond.toFixed(1)} images/s`);
      }
    }
  }

  // tfjs-cpu on the same step's convolutions alone (a full run only: about half a minute).
  if (!quick) {
    for (const config of [FMNIST_CONFIG, CIFAR_CONFIG]) {
      if (!wants(`step tfjs-cpu ${config.name}`)) continue;
      const engine = await useTfjs('tfjs-cpu');
      if (!report.peers.includes(engine)) report.peers.push(engine);
      log(`step: ${config.name}, tfjs-cpu, the step's convolutions only ...`);
      const result = tfjsStepConvolutions('tfjs-cpu', config, 2);
      report.peerSteps.push(result);
      log(
        `  ${result.msPerPair.toFixed(0)} ms per image pair, at most ${result.imagesPerSecond.toFixed(2)} images/s`,
      );
    }
  }

  // The automatic choice (src/tensor/backends/auto.ts) on the default model's layers, and its cost.
  if (wants('auto')) {
    const model = [...vgg11ConvLayers(FMNIST_CONFIG, 256), covarianceMatmul(FMNIST_CONFIG, 256)];
    const start = performance.now();
    const auto = chooseBackends(asLayerShapes(model), defaultCandidates());
    report.auto = { seconds: (performance.now() - start) / 1000, summary: auto.summary };
    log(`${auto.summary}\n  (${report.auto.seconds.toFixed(1)} s)`);
  }

  // Data loading and augmentation (benchmarks/data.bench.ts).
  if (wants('data')) {
    log('data: one 1024-image two-view batch ...');
    try {
      const { benchDataBatch } = await import('./data.bench.js');
      report.data = await benchDataBatch({ repeats: quick ? 2 : 5 });
    } catch (e) {
      report.data = { error: String((e as Error).message).split('\n')[0]! };
    }
  }

  console.log(`\n${formatReport(report, false)}`);
  const written = writeReport(report, values.out);
  log(`wrote ${written.json} and ${written.markdown}`);
}

// Measure with the allocator settings that `npm run train` uses (src/cli/relaunch.ts).
if (!relaunchWithAllocatorSettings()) {
  exitWithParent();
  try {
    await main();
  } finally {
    closeWebGpu(); // in Node, a WebGPU device keeps the process alive
  }
}
