/**
 * Resident memory over a long training run: runs N real LPL training steps
 * (bundled data, two-view batches, layer-local VGG-11, Adam) and samples the
 * process's resident set size, to show that it stays flat (no per-step growth).
 * With --backend webgpu it also samples the device buffers alive after each step.
 *
 *   npx tsx benchmarks/memory.ts [--steps 1000] [--batch 32] [--width 0.125] [--backend cpu|webgpu] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import '../src/index.js';
import { DEFAULT_TRAIN_CONFIG } from '../src/lpl/config.js';
import { loadTrainingData } from '../src/lpl/run-data.js';
import { LplRun } from '../src/lpl/train.js';
import { setBackend } from '../src/tensor/registry.js';
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import { closeWebGpu, initWebGpu, webGpuUnavailableReason } from '../src/tensor/backends/webgpu.js';

const { values } = parseArgs({
  options: {
    steps: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '32' },
    width: { type: 'string', default: '0.125' },
    backend: { type: 'string', default: 'cpu' },
    out: { type: 'string' },
  },
});
const steps = Number(values.steps);
const config = {
  ...DEFAULT_TRAIN_CONFIG,
  batchSize: Number(values.batch),
  width: Number(values.width),
  epochs: 1000,
  workers: 0,
};
setBackend(new CpuBackend());
const run = new LplRun(config, loadTrainingData(config));
const gpu = values.backend === 'webgpu' ? await initWebGpu() : null;
if (values.backend === 'webgpu') {
  if (!gpu) throw new Error(`--backend webgpu: ${webGpuUnavailableReason()}`);
  setBackend(gpu);
  await run.model.moveTo(gpu);
} else if (values.backend !== 'cpu') throw new Error(`--backend: cpu or webgpu, not '${values.backend}'`);
const mib = (bytes: number): number => Math.round((bytes / 2 ** 20) * 10) / 10;
const samples: { step: number; rssMiB: number; heapMiB: number; deviceBuffers?: number }[] = [];
const started = performance.now();
let done = 0;
outer: while (true) {
  for await (const batch of run.batches()) {
    await run.trainStep(batch);
    done++;
    if (done % 50 === 0 || done === 1) {
      const m = process.memoryUsage();
      const deviceBuffers = gpu?.runtime.liveCount;
      samples.push({ step: done, rssMiB: mib(m.rss), heapMiB: mib(m.heapUsed), deviceBuffers });
      console.log(
        `step ${done}: rss ${mib(m.rss)} MiB, heap ${mib(m.heapUsed)} MiB` +
          (deviceBuffers === undefined ? '' : `, device buffers ${deviceBuffers}`),
      );
    }
    if (done >= steps) break outer;
  }
}
await run.close();
closeWebGpu();
const seconds = (performance.now() - started) / 1000;
// Growth: mean RSS of the last quarter of samples minus that of the second quarter (after warm-up).
const q = Math.max(1, Math.floor(samples.length / 4));
const avg = (xs: typeof samples) => xs.reduce((s, x) => s + x.rssMiB, 0) / xs.length;
const growth = avg(samples.slice(-q)) - avg(samples.slice(q, 2 * q));
const peak = Math.max(...samples.map((s) => s.rssMiB));
const summary = {
  steps: done,
  batch: config.batchSize,
  width: config.width,
  seconds,
  peakRssMiB: peak,
  rssGrowthMiB: Math.round(growth * 10) / 10,
  samples,
};
console.log(
  `${done} steps in ${seconds.toFixed(0)} s: peak RSS ${peak} MiB, growth from the second to the last quarter ${summary.rssGrowthMiB} MiB`,
);
if (values.out) writeFileSync(values.out, JSON.stringify(summary, null, 2) + '\n');
