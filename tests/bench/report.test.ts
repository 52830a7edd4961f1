/** The bench report's lines for the peers: PyTorch's step and our cpu step's ratio to it; conv training beside jax-js. */
import { describe, expect, it } from 'vitest';
import { convTrainingLines, formatReport, type BenchReport } from '../../benchmarks/report.js';
import type { KernelRow } from '../../benchmarks/kernels.bench.js';
import type { StepResult } from '../../benchmarks/step.bench.js';

const ours = {
  config: 'cifar32-w0.5',
  backend: 'cpu',
  batch: 256,
  steps: 5,
  msPerStep: 2000,
  imagesPerSecond: 128,
  kernelFraction: 0.8,
  backendFraction: 0.95,
  kernels: {},
  freshMBPerStep: 0,
} as unknown as StepResult;

function report(pytorchBatch: number): BenchReport {
  return {
    date: '2026-12-03',
    command: 'npm run bench',
    machine: {
      cpu: 'test cpu',
      cores: 2,
      node: 'v20',
      platform: 'linux',
      memoryGiB: 8,
      loadAverage: 0,
      host: 'h',
    },
    gpujsModes: [],
    peers: [],
    kernels: [],
    steps: [ours],
    peerSteps: [],
    pytorchSteps: [
      {
        config: 'cifar32-w0.5',
        batch: pytorchBatch,
        steps: 5,
        torch: '2.5.1',
        threads: 2,
        msPerStep: 800,
        imagesPerSecond: 320,
      },
    ],
    notes: [],
    data: null,
    auto: null,
  };
}

describe('bench report: the PyTorch peer', () => {
  it("prints PyTorch's step and our cpu step as a ratio of it (128 / 320 = 0.40×)", () => {
    const text = formatReport(report(256), true);
    expect(text).toContain(
      'PyTorch 2.5.1 CPU (2 threads), cifar32-w0.5, batch 256, the whole LPL step: 800 ms, 320.0 images/s',
    );
    expect(text).toContain("our cpu step 128.0 images/s: 0.40× PyTorch's");
  });

  it('gives no ratio against a step of another batch', () => {
    expect(formatReport(report(32), true)).not.toContain("PyTorch's");
  });
});

describe('conv training lines', () => {
  const row = (backend: string, kernel: string, batch: number, ms: number) =>
    ({
      kernel,
      layer: 'cifar32-w0.5 b2',
      shape: '',
      backend,
      peer: backend !== 'cpu',
      flops: 1,
      batch,
      ms,
      gflops: 1,
      samples: 3,
    }) as KernelRow;

  it('compares forward + weight gradient per image, a peer timed at a smaller batch included', () => {
    const rows = [
      row('cpu', 'conv2d', 256, 100), // 0.39 ms/image
      row('cpu', 'conv2dBackwardWeight', 256, 156), // 0.61 ms/image: 1 ms/image together
      row('cpu', 'conv2dBackwardInput', 256, 1000), // not part of training a detached block
      row('jax-js-wasm', 'conv2d', 4, 20), // 5 ms/image
      row('jax-js-wasm', 'conv2dBackwardWeight', 4, 20), // 5 ms/image
    ];
    expect(convTrainingLines(rows)).toEqual([
      'conv training (forward + weight gradient), cifar32-w0.5 b2: cpu 1000.0 µs/image, jax-js-wasm 10000.0 µs/image: 10.00× jax-js',
    ]);
  });

  it('says nothing for a layer one side did not time', () => {
    expect(
      convTrainingLines([row('cpu', 'conv2d', 256, 100), row('cpu', 'conv2dBackwardWeight', 256, 156)]),
    ).toEqual([]);
  });
});
