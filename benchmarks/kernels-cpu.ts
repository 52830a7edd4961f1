/**
 * GFLOP/s of the cpu backend's heavy kernels with 1 and 2 threads (and of the
 * reference on small shapes), for the shapes quoted in DESIGN.md and the
 * quarter-width VGG-11 layers at batch 256 on 32×32 inputs.
 *
 *   npx tsx benchmarks/kernels-cpu.ts [--reps 5] [--only vgg|design] [--gc]
 *
 * Each case runs once to warm up, then `reps` times; the table shows the best
 * and the median run. The machine may be shared: compare numbers from one run.
 *
 * Every kernel returns a new array, and on some machines (virtual machines
 * with slow page faults) touching fresh memory costs more than the kernel:
 * 8 MiB of new pages took 30 ms here. With --gc a garbage collection runs
 * between timed runs (untimed), so the previous output's memory is free to be
 * reused, as it is in a steady training loop once the collector has run.
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import vm from 'node:vm';
import type { Backend, Conv2dParams, View } from '../src/index.js';
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import { ReferenceBackend } from '../src/tensor/backends/reference.js';
import { windowOutputSize } from '../src/tensor/shape.js';
import { viewOf } from '../src/tensor/view.js';

const { values } = parseArgs({
  options: {
    reps: { type: 'string', default: '5' },
    only: { type: 'string' },
    gc: { type: 'boolean', default: false },
  },
});
const reps = Number(values.reps);
let collect = () => {};
if (values.gc) {
  v8.setFlagsFromString('--expose-gc');
  collect = vm.runInNewContext('gc') as () => void;
}

function rand(shape: number[]): View {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = new Float32Array(size);
  for (let i = 0; i < size; i++) data[i] = Math.random() * 2 - 1;
  return viewOf(data, shape);
}

interface Case {
  name: string;
  flops: number;
  /** Elements of the result (a new array each call). */
  outputSize: number;
  /** Returns a function that runs the kernel once on prepared inputs. */
  prepare(b: Backend): () => void;
}

function matmulCase(m: number, k: number, n: number): Case {
  const a = rand([m, k]);
  const b = rand([k, n]);
  return {
    name: `matmul ${m}×${k}×${n}`,
    flops: 2 * m * n * k,
    outputSize: m * n,
    prepare: (be) => () => be.matmul(a, b),
  };
}

/** Forward, input gradient and weight gradient of x [n,c,h,w] ⋆ w [o,c,3,3], padding 1. */
function convCases(label: string, n: number, c: number, h: number, o: number): Case[] {
  const p: Conv2dParams = { stride: [1, 1], padding: [1, 1] };
  const x = rand([n, c, h, h]);
  const w = rand([o, c, 3, 3]);
  const oh = windowOutputSize(h, 3, 1, 1);
  const gy = rand([n, o, oh, oh]);
  const flops = 2 * n * o * oh * oh * c * 9;
  const shape = `${n}×${c}×${h}×${h}→${o}`;
  return [
    {
      name: `${label} fwd ${shape}`,
      flops,
      outputSize: gy.data.length,
      prepare: (b) => () => b.conv2d(x, w, null, p),
    },
    {
      name: `${label} dx  ${shape}`,
      flops,
      outputSize: x.data.length,
      prepare: (b) => () => b.conv2dBackwardInput(gy, w, x.shape, p),
    },
    {
      name: `${label} dw  ${shape}`,
      flops,
      outputSize: w.data.length,
      prepare: (b) => () => b.conv2dBackwardWeight(x, gy, w.shape, p),
    },
  ];
}

const design: Case[] = [matmulCase(512, 512, 512), ...convCases('conv', 32, 64, 32, 64)];
// VGG-11 at width 0.25 on 32×32 inputs, batch 256: [16, M, 32, M, 64, 64, M, 128, 128, M, 128, 128, M]
const vgg: Case[] = [
  ...convCases('vgg1', 256, 3, 32, 16),
  ...convCases('vgg2', 256, 16, 16, 32),
  ...convCases('vgg3', 256, 32, 8, 64),
  ...convCases('vgg4', 256, 64, 8, 64),
  ...convCases('vgg5', 256, 64, 4, 128),
  ...convCases('vgg6', 256, 128, 4, 128),
  ...convCases('vgg7', 256, 128, 2, 128),
  ...convCases('vgg8', 256, 128, 2, 128),
];
const small: Case[] = [matmulCase(128, 128, 128), ...convCases('conv', 2, 64, 32, 64)];
const cases = values.only === 'vgg' ? vgg : values.only === 'design' ? design : [...design, ...vgg];

/** Milliseconds of each of `runs` timed runs of each backend, alternating, after one warm-up each. */
function measure(backends: Backend[], c: Case, runs: number): number[][] {
  const calls = backends.map((b) => c.prepare(b));
  calls.forEach((run) => run());
  const times: number[][] = backends.map(() => []);
  for (let r = 0; r < runs; r++) {
    calls.forEach((run, i) => {
      collect();
      const start = performance.now();
      run();
      times[i]!.push(performance.now() - start);
    });
  }
  return times.map((t) => t.sort((x, y) => x - y));
}

/** Best time to allocate and write a new Float32Array of n elements: what a kernel's result costs before any arithmetic. */
function newMemoryMs(n: number): number {
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    collect();
    const start = performance.now();
    new Float32Array(n).fill(1);
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

const fmt = (x: number) => x.toFixed(1).padStart(6);
const gflops = (c: Case, ms: number) => c.flops / ms / 1e6;
const bestAndMedian = (c: Case, t: number[]) =>
  `${fmt(gflops(c, t[0]!))} / ${fmt(gflops(c, t[t.length >> 1]!))}`;
console.log(
  `${os.cpus()[0]?.model.trim()}, ${os.availableParallelism()} cores, load average ${os.loadavg()[0]!.toFixed(1)}`,
);
console.log(`GFLOP/s, best / median of ${reps} runs${values.gc ? ', garbage collected between runs' : ''}`);
console.log('"new memory": ms to allocate and first write an array the size of the result\n');

const reference = new ReferenceBackend();
console.log('reference (small shapes)');
for (const c of small)
  console.log(`  ${c.name.padEnd(32)} ${bestAndMedian(c, measure([reference], c, 2)[0]!)}`);

const one = new CpuBackend({ threads: 1 });
const two = new CpuBackend({ threads: 2 });
console.log(
  `\n${'cpu'.padEnd(34)} ${'1 thread'.padStart(15)}   ${'2 threads'.padStart(15)}   2/1   new memory`,
);
for (const c of cases) {
  const [t1, t2] = measure([one, two], c, reps) as [number[], number[]];
  const ratio = t1[t1.length >> 1]! / t2[t2.length >> 1]!;
  console.log(
    `  ${c.name.padEnd(32)} ${bestAndMedian(c, t1)}   ${bestAndMedian(c, t2)}   ${ratio.toFixed(2)}  ${fmt(newMemoryMs(c.outputSize))} ms`,
  );
}
one.dispose();
two.dispose();
