/** The bench report's lines for the PyTorch peer: its step, and our cpu step's ratio to it. */
import { describe, expect, it } from 'vitest';
import { formatReport, type BenchReport } from '../../benchmarks/report.js';
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
