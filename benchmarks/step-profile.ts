/**
 * Where a training step's time goes: the LPL step of step.bench.ts under V8's
 * sampling profiler (every thread: the main one and the GEMM workers), its
 * samples inside the timed steps sorted into a few kinds of work.
 *
 *   npx tsx benchmarks/step-profile.ts [--config cifar32-w0.5] [--batch 256] [--steps 4] [--top 12]
 *
 * The script re-runs itself with --cpu-prof (and the allocator settings of
 * `npm run train`, src/cli/relaunch.ts); the child writes one .cpuprofile per
 * thread and the times of the first and last timed step, which the parent
 * reads back. Only samples between those times count. The table gives ms per
 * step for each kind on the main thread and on the workers together; a
 * thread's "waiting" is time it sat idle while another thread worked
 * (the main thread inside a GEMM for a worker's share, a worker between
 * GEMMs). Between the timed steps step.bench.ts augments the next batch in
 * the main thread (src/data), outside the step's clock: that has a row of its
 * own. The machine must be otherwise idle for the numbers to mean much.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ALLOCATOR_TUNABLES, relaxedSimdNodeFlags } from '../src/cli/relaunch.js';
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import { CIFAR_CONFIG, FMNIST_CONFIG } from './shapes.js';
import { benchStep } from './step.bench.js';

const { values } = parseArgs({
  options: {
    config: { type: 'string', default: CIFAR_CONFIG.name },
    batch: { type: 'string', default: '256' },
    steps: { type: 'string', default: '4' },
    top: { type: 'string', default: '12' },
    help: { type: 'boolean', default: false },
  },
});

/** The kinds of work, tested in order on a sample's function name and file. */
const KINDS: { kind: string; test: (fn: string, url: string) => boolean }[] = [
  // (a module without a name section, as before it had one, shows its functions by index)
  { kind: 'GEMM micro-kernel (wasm)', test: (fn) => fn === 'gemm_macro' || fn === 'wasm-function[0]' },
  {
    kind: 'GEMM packing (wasm, tables)',
    test: (fn, url) =>
      /^(pack\d+|wasm-function\[[12]\])$/.test(fn) ||
      (/cpu\/(gather|sources|gemm|job)\.ts/.test(url) && fn !== ''),
  },
  {
    kind: 'SIMD passes (wasm-passes.ts)',
    test: (fn) => /^(rows_(copy|add|relu)|mask_grad|max_pool_2x2)$/.test(fn),
  },
  {
    kind: 'waiting for another thread',
    test: (fn, url) =>
      fn === '(idle)' || fn === 'waitFor' || fn === 'wait' || /cpu\/(worker|pool)\.ts/.test(url),
  },
  { kind: 'garbage collection', test: (fn) => fn === '(garbage collector)' },
  // step.bench.ts augments each step's batch before its clock starts: in the window, not in the step
  { kind: 'augmenting the next batch (outside the step)', test: (_fn, url) => /\/src\/data\//.test(url) },
  {
    kind: 'conv.ts, matmul.ts: copies in and out of the heap, loops',
    test: (fn, url) => /cpu\/(copy|conv|matmul)\.ts/.test(url) || fn === 'set' || fn === 'subarray',
  },
  {
    kind: 'elementwise, reductions, pooling, Adam (TypeScript)',
    test: (_fn, url) => /backends\/(cpu\/(elementwise|pooling|strided)|reference)\.ts/.test(url),
  },
  { kind: 'autograd, losses, allocation and the rest', test: () => true },
];

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}
interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

const CHILD = 'LPL_STEP_PROFILE_WINDOW';

async function child(windowFile: string): Promise<void> {
  const config = [FMNIST_CONFIG, CIFAR_CONFIG].find((c) => c.name === values.config);
  if (!config)
    throw new Error(`--config: ${values.config} is not one of ${FMNIST_CONFIG.name}, ${CIFAR_CONFIG.name}`);
  const backend = new CpuBackend();
  const window: number[] = [];
  // V8's profile timestamps are microseconds of the same monotonic clock as process.hrtime
  const now = (): number => Number(process.hrtime.bigint() / 1000n);
  const result = await benchStep({
    config,
    batch: Number(values.batch),
    backend,
    steps: Number(values.steps),
    onTimed: () => window.push(now()),
  });
  writeFileSync(
    windowFile,
    JSON.stringify({ window, msPerStep: result.msPerStep, threads: backend.threads }),
  );
  backend.dispose();
}

function summarize(dir: string, windowFile: string): void {
  const { window, msPerStep, threads } = JSON.parse(readFileSync(windowFile, 'utf8')) as {
    window: [number, number];
    msPerStep: number;
    threads: number;
  };
  const [from, to] = window;
  const steps = Number(values.steps);
  const perKind = new Map<string, { main: number; workers: number }>(
    KINDS.map((k) => [k.kind, { main: 0, workers: 0 }]),
  );
  const other = new Map<string, number>();
  const files = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  // the main thread's profile is the one that ran autograd and the losses (a waiting worker
  // is not idle to the profiler: it sits in Atomics.wait); the GEMM workers are the others that ran
  // the micro-kernel (tsx's module loader runs in a thread of its own)
  const profiles = files.map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as CpuProfile);
  const inWindow = (
    p: CpuProfile,
    count: (frame: { functionName: string; url: string }) => boolean,
  ): number => {
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    let t = p.startTime;
    let n = 0;
    p.samples.forEach((id, i) => {
      t += p.timeDeltas[i]!;
      if (t >= from && t <= to && count(byId.get(id)!)) n++;
    });
    return n;
  };
  const stepCode = profiles.map((p) => inWindow(p, (f) => /\/src\/(autograd|lpl|nn)\//.test(f.url)));
  const mainIndex = stepCode.reduce((best, v, i) => (v > stepCode[best]! ? i : best), 0);
  const isGemmWorker = profiles.map(
    (p, i) =>
      i !== mainIndex &&
      inWindow(p, (f) => f.functionName === 'gemm_macro' || f.functionName === 'wasm-function[0]') > 0,
  );
  profiles.forEach((p, index) => {
    if (index !== mainIndex && !isGemmWorker[index]) return;
    const byId = new Map(p.nodes.map((n) => [n.id, n.callFrame]));
    let t = p.startTime;
    p.samples.forEach((id, i) => {
      const dt = p.timeDeltas[i]!;
      t += dt;
      if (t < from || t > to) return;
      const frame = byId.get(id)!;
      const kind = KINDS.find((k) => k.test(frame.functionName, frame.url))!.kind;
      const entry = perKind.get(kind)!;
      if (index === mainIndex) entry.main += dt;
      else entry.workers += dt;
      if (kind === KINDS[KINDS.length - 1]!.kind && index === mainIndex) {
        const key = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(src|benchmarks|node_modules)\//, '$1/').replace(/\?.*$/, '')}`;
        other.set(key, (other.get(key) ?? 0) + dt);
      }
    });
  });
  const ms = (us: number): string => (us / 1000 / steps).toFixed(0).padStart(7);
  console.log(
    `${values.config}, batch ${values.batch}, ${steps} steps, ${threads} threads: median ${msPerStep.toFixed(0)} ms a step (profiled)\n`,
  );
  console.log(`${'kind of work'.padEnd(52)}   main  workers   ms a step`);
  let main = 0;
  let workers = 0;
  for (const [kind, v] of perKind) {
    main += v.main;
    workers += v.workers;
    console.log(`${kind.padEnd(52)}${ms(v.main)}${ms(v.workers)}`);
  }
  console.log(`${'total'.padEnd(52)}${ms(main)}${ms(workers)}`);
  console.log(`\nthe rest, main thread, top ${values.top}:`);
  for (const [key, us] of [...other].sort((a, b) => b[1] - a[1]).slice(0, Number(values.top)))
    console.log(`${ms(us)}  ${key}`);
}

if (values.help) {
  console.log(
    'npx tsx benchmarks/step-profile.ts [--config cifar32-w0.5|fmnist28-w0.25] [--batch 256] [--steps 4] [--top 12]',
  );
} else if (process.env[CHILD]) {
  await child(process.env[CHILD]);
} else {
  const dir = mkdtempSync(join(tmpdir(), 'lpl-step-profile-'));
  const windowFile = join(dir, 'window.json');
  const run = spawnSync(
    process.execPath,
    [
      ...process.execArgv,
      ...relaxedSimdNodeFlags(),
      '--cpu-prof',
      `--cpu-prof-dir=${dir}`,
      fileURLToPath(import.meta.url),
      ...process.argv.slice(2),
    ],
    {
      stdio: 'inherit',
      env: {
        ...process.env,
        [CHILD]: windowFile,
        GLIBC_TUNABLES: ALLOCATOR_TUNABLES,
      },
    },
  );
  if (run.status !== 0) throw new Error(`the profiled run failed (exit ${run.status})`);
  summarize(dir, windowFile);
  rmSync(dir, { recursive: true, force: true });
}
