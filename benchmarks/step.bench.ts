/**
 * One full LPL training step, timed: exactly what `npm run train` runs per
 * batch, LplRun.trainStep (src/lpl/train.ts): both views as one batch of 2B
 * images through every VGG-11 block (layer-local: each block's input
 * detached), the LPL objective of every block, backward, and an Adam update;
 * in images per second (an image is one pair of views). The data set is
 * random uint8 images; each step's two-view batch is augmented in the
 * calling thread before the step's clock starts (what the loader does with
 * `workers: 0`). The backend is wrapped in a TimingBackend so the step's
 * time inside matmul and the convolutions is measured too.
 */
import type { ImageDataset, TwoViewBatch } from '../src/data/index.js';
import { augmentTwoViews } from '../src/data/two-view.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/lpl/config.js';
import { LplRun } from '../src/lpl/train.js';
import type { Backend } from '../src/tensor/backend.js';
import { withBackend } from '../src/tensor/registry.js';
import { MATMUL_CONV_KERNELS, TimingBackend, type KernelTime } from '../src/tensor/backends/timing.js';
import { Rng } from '../src/tensor/random.js';
import { WebGpuBackend } from '../src/tensor/backends/webgpu.js';
import type { ModelConfig } from './shapes.js';

export interface StepResult {
  config: string;
  backend: string;
  batch: number;
  /** Timed steps after one warm-up step. */
  steps: number;
  msPerStep: number;
  imagesPerSecond: number;
  /** Share of the step spent inside matmul and the convolutions (MATMUL_CONV_KERNELS in src/tensor/backends/timing.ts). */
  kernelFraction: number;
  /** Share of the step spent inside any backend kernel (elementwise, pooling, ... included). */
  backendFraction: number;
  /** Time and calls per kernel over the timed steps. */
  kernels: Record<string, KernelTime>;
  /**
   * Megabytes of memory touched for the first time per step (minor page
   * faults × 4 KiB, median over the timed steps): memory the allocator got
   * fresh from the system. Slow on some machines (about 3.7 ms per MB here).
   */
  freshMBPerStep: number;
  /**
   * A device backend's traffic per step (mean over the timed steps): kernel
   * dispatches, command submits, MB uploaded to and read back from the
   * device. null on host backends. (On a device, the kernel shares above are
   * host time spent recording kernels, not device time.)
   */
  device: { dispatches: number; submits: number; uploadedMB: number; readMB: number; reads: number } | null;
}

export interface StepBenchOptions {
  config: ModelConfig;
  batch: number;
  backend: Backend;
  steps: number;
  /** Called just before the first timed step and just after the last (a profiler's window). */
  onTimed?: (phase: 'start' | 'end') => void;
}

/** N random uint8 images of the config's shape, as a data set (labels all 0). */
export function randomImageDataset(config: ModelConfig, n: number, seed = 1): ImageDataset {
  const rng = new Rng(seed);
  const images = new Uint8Array(n * config.inChannels * config.size * config.size);
  for (let i = 0; i < images.length; i++) images[i] = rng.nextUint32() & 255;
  return {
    images,
    labels: new Int32Array(n),
    n,
    channels: config.inChannels,
    height: config.size,
    width: config.size,
    classes: ['random'],
    source: `random ${config.inChannels}x${config.size}x${config.size}`,
  };
}

/** The two-view batch the run's loader would give for its current step (augmented in this thread). */
function nextBatch(run: LplRun): TwoViewBatch {
  const { loader, epoch, step } = run;
  const indices = loader.batchIndices(epoch, step);
  const [channels, size] = loader.viewShape;
  const viewFloats = channels * size * size;
  const x1 = new Float32Array(indices.length * viewFloats);
  const x2 = new Float32Array(indices.length * viewFloats);
  const ds = loader.dataset;
  augmentTwoViews(ds.images, ds, indices, epoch, loader.seed, loader.augment, x1, x2, 0);
  const labels = Int32Array.from(indices, (i) => ds.labels[i]!);
  return { x1, x2, shape: [indices.length, channels, size, size], labels, indices, epoch, step };
}

/** Times `steps` training steps (after one warm-up step) of VGG-11 with LPL on random images. */
export function benchStep(opts: StepBenchOptions): Promise<StepResult> {
  const { config, batch } = opts;
  const timed = new TimingBackend(opts.backend);
  return withBackend(timed, async () => {
    const dataset = randomImageDataset(config, batch * (opts.steps + 1));
    const run = new LplRun(
      { ...DEFAULT_TRAIN_CONFIG, width: config.width, batchSize: batch, workers: 0, epochs: 1 },
      dataset,
    );

    await run.trainStep(nextBatch(run)); // warm-up: kernel compilation (gpu.js), worker start-up, allocation
    timed.reset();
    const stats = opts.backend instanceof WebGpuBackend ? opts.backend.runtime.stats : null;
    const before = stats ? { ...stats } : null;
    const times: number[] = [];
    const freshMB: number[] = [];
    opts.onTimed?.('start');
    for (let s = 0; s < opts.steps; s++) {
      const input = nextBatch(run);
      const faults = process.resourceUsage().minorPageFault;
      const start = performance.now();
      await run.trainStep(input);
      times.push(performance.now() - start);
      freshMB.push(((process.resourceUsage().minorPageFault - faults) * 4096) / 2 ** 20);
    }
    opts.onTimed?.('end');
    const totalMs = times.reduce((a, b) => a + b, 0);
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const msPerStep = median(times);
    return {
      config: config.name,
      backend: opts.backend.name,
      batch,
      steps: opts.steps,
      msPerStep,
      imagesPerSecond: (batch * 1000) / msPerStep,
      kernelFraction: timed.totalMs(MATMUL_CONV_KERNELS) / totalMs,
      backendFraction: timed.totalMs() / totalMs,
      kernels: timed.report(),
      freshMBPerStep: median(freshMB),
      device:
        stats && before
          ? {
              dispatches: (stats.dispatches - before.dispatches) / opts.steps,
              submits: (stats.submits - before.submits) / opts.steps,
              uploadedMB: (stats.uploadedBytes - before.uploadedBytes) / opts.steps / 2 ** 20,
              readMB: (stats.readBytes - before.readBytes) / opts.steps / 2 ** 20,
              reads: (stats.reads - before.reads) / opts.steps,
            }
          : null,
    };
  });
}
