/**
 * One full LPL training step, timed: both views through every VGG-11 block
 * (layer-local: each block's input detached), the LPL objective of every
 * block, backward, and an Adam update; in images per second (an image is one
 * pair of views). The backend is wrapped in a TimingBackend so the step's
 * time inside matmul and the convolutions is measured too.
 */
import { backward } from '../src/autograd/index.js';
import { encodeBlocks } from '../src/lpl/encoder.js';
import { networkObjective } from '../src/lpl/objective.js';
import { Adam } from '../src/nn/optim/index.js';
import { vgg11Encoder } from '../src/nn/vgg.js';
import { withBackend, type Backend } from '../src/tensor/backend.js';
import { HEAVY_KERNELS, TimingBackend, type KernelTime } from '../src/tensor/backends/timing.js';
import { randNormal } from '../src/tensor/creation.js';
import { Rng } from '../src/tensor/random.js';
import type { ModelConfig } from './shapes.js';

export interface StepResult {
  config: string;
  backend: string;
  batch: number;
  /** Timed steps after one warm-up step. */
  steps: number;
  msPerStep: number;
  imagesPerSecond: number;
  /** Share of the step spent inside matmul, conv2d and its two gradients. */
  kernelFraction: number;
  /** Share of the step spent inside any backend kernel (elementwise, pooling, ... included). */
  backendFraction: number;
  /** Time and calls per kernel over the timed steps. */
  kernels: Record<string, KernelTime>;
}

export interface StepBenchOptions {
  config: ModelConfig;
  batch: number;
  backend: Backend;
  steps: number;
}

/** Times `steps` training steps (after one warm-up step) of VGG-11 with LPL on random images. */
export function benchStep(opts: StepBenchOptions): StepResult {
  const { config, batch } = opts;
  const rng = new Rng(1);
  const timed = new TimingBackend(opts.backend);
  return withBackend(timed, () => {
    const encoder = vgg11Encoder({
      inChannels: config.inChannels,
      width: config.width,
      rng,
      inputSize: config.size,
    });
    const optimizer = new Adam(encoder.parameters(), { lr: 1e-3 });
    const shape = [batch, config.inChannels, config.size, config.size];
    const view1 = randNormal(shape, rng);
    const view2 = randNormal(shape, rng);

    const step = (): void => {
      optimizer.zeroGrad();
      const out1 = encodeBlocks(encoder.blocks, view1); // layer-local: each block's input detached
      const out2 = encodeBlocks(encoder.blocks, view2);
      const { total } = networkObjective(out1, out2); // Σ over blocks of the LPL objective
      backward(total);
      optimizer.step();
    };

    step(); // warm-up: kernel compilation (gpu.js), worker start-up, allocation
    timed.reset();
    const times: number[] = [];
    for (let s = 0; s < opts.steps; s++) {
      const start = performance.now();
      step();
      times.push(performance.now() - start);
    }
    const totalMs = times.reduce((a, b) => a + b, 0);
    const msPerStep = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    return {
      config: config.name,
      backend: opts.backend.name,
      batch,
      steps: opts.steps,
      msPerStep,
      imagesPerSecond: (batch * 1000) / msPerStep,
      kernelFraction: timed.totalMs(HEAVY_KERNELS) / totalMs,
      backendFraction: timed.totalMs() / totalMs,
      kernels: timed.report(),
    };
  });
}
