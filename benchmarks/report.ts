/**
 * Reporting for `npm run bench`: the machine, a readable table for the
 * terminal, the same as markdown (bench/results/latest.md) and everything as
 * JSON (bench/results/<date>-<host>.json).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { DataBenchResult } from './data.bench.js';
import type { KernelRow } from './kernels.bench.js';
import { JAXJS_PEER } from './peers/jaxjs.js';
import type { PeerStepResult } from './peers/tfjs.js';
import type { StepResult } from './step.bench.js';
import type { PytorchStepResult } from './peers/pytorch.js';

export interface MachineInfo {
  cpu: string;
  cores: number;
  node: string;
  platform: string;
  memoryGiB: number;
  /** 1-minute load average when the run started: above the core count, numbers are noisy. */
  loadAverage: number;
  host: string;
}

export interface BenchReport {
  date: string;
  command: string;
  machine: MachineInfo;
  /** One line per gpu.js mode: usable, or why not. */
  gpujsModes: string[];
  peers: string[];
  kernels: KernelRow[];
  steps: StepResult[];
  /** A tfjs peer's time for the convolutions of the same training steps (a lower bound of its step). */
  peerSteps: PeerStepResult[];
  /** PyTorch's CPU step on the same configurations, where python3 has torch. */
  pytorchSteps: PytorchStepResult[];
  /** What was not measured, and why. */
  notes: string[];
  data: DataBenchResult | { error: string } | null;
  /** chooseBackends on the default model: its printable summary and how long it took. */
  auto: { seconds: number; summary: string } | null;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    node: process.version,
    platform: `${os.platform()} ${os.arch()}`,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverage: Number(os.loadavg()[0]!.toFixed(2)),
    host: os.hostname(),
  };
}

/** Rows of cells -> aligned text (or a markdown table). */
function table(header: string[], rows: string[][], markdown: boolean): string {
  if (markdown) {
    const line = (cells: string[]): string => `| ${cells.join(' | ')} |`;
    return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
  }
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

/** 3 significant digits, without exponents: 12.3, 1.23, 0.0123. */
function gflops(value: number): string {
  return value >= 100 ? value.toFixed(0) : value.toPrecision(3);
}

/**
 * The kernel table: one row per (kernel, layer), one column per backend with
 * GFLOP/s, and for our backends the ratio to the best peer of that row.
 */
export function kernelTable(rows: readonly KernelRow[], markdown: boolean): string {
  // cpu (the default), the gpu.js modes, other backends, the reference, then the peers.
  const order = (r: KernelRow): number =>
    r.peer
      ? 4
      : r.backend === 'cpu'
        ? 0
        : r.backend.startsWith('gpujs')
          ? 1
          : r.backend === 'reference'
            ? 3
            : 2;
  const backends = [...new Set([...rows].sort((a, b) => order(a) - order(b)).map((r) => r.backend))];
  const keys = [...new Set(rows.map((r) => `${r.kernel}\u0000${r.layer}`))];
  const body = keys.map((key) => {
    const [kernel, layer] = key.split('\u0000') as [string, string];
    const mine = rows.filter((r) => r.kernel === kernel && r.layer === layer);
    const bestPeer = Math.max(0, ...mine.filter((r) => r.peer && r.gflops !== null).map((r) => r.gflops!));
    const cells = backends.map((b) => {
      const r = mine.find((m) => m.backend === b);
      if (!r) return '';
      if (r.gflops === null) return r.note?.startsWith('n/a') ? 'n/a' : '-';
      const ratio = !r.peer && bestPeer > 0 ? ` (${gflops(r.gflops / bestPeer)}×)` : '';
      const smallerBatch = r.note && !r.note.startsWith('n/a') ? '†' : '';
      return `${gflops(r.gflops)}${smallerBatch}${ratio}`;
    });
    return [kernel, layer, mine[0]!.shape, ...cells];
  });
  return table(['kernel', 'layer', 'shape', ...backends], body, markdown);
}

/**
 * Convolution training as a training step runs it, the forward pass and the
 * weight gradient (a detached block needs no input gradient), per conv layer
 * that both our cpu backend and the jax-js peer timed: their time per image
 * for the two kernels together over ours. Rows timed at a smaller batch
 * count per image (both kernels are linear in the batch).
 */
export function convTrainingLines(rows: readonly KernelRow[]): string[] {
  const msPerImage = (backend: string, kernel: string, layer: string): number | null => {
    const r = rows.find((x) => x.backend === backend && x.kernel === kernel && x.layer === layer);
    return r && r.ms !== null ? r.ms / r.batch : null;
  };
  const layers = [...new Set(rows.filter((r) => r.kernel === 'conv2d').map((r) => r.layer))];
  const lines: string[] = [];
  for (const layer of layers) {
    const pair = (backend: string): number | null => {
      const f = msPerImage(backend, 'conv2d', layer);
      const g = msPerImage(backend, 'conv2dBackwardWeight', layer);
      return f === null || g === null ? null : f + g;
    };
    const ours = pair('cpu');
    const theirs = pair(JAXJS_PEER);
    if (ours === null || theirs === null) continue;
    lines.push(
      `conv training (forward + weight gradient), ${layer}: cpu ${(1000 * ours).toFixed(1)} µs/image, ` +
        `${JAXJS_PEER} ${(1000 * theirs).toFixed(1)} µs/image: ${(theirs / ours).toFixed(2)}× jax-js`,
    );
  }
  return lines;
}

export function stepTable(steps: readonly StepResult[], markdown: boolean): string {
  const device = (s: StepResult): string =>
    s.device
      ? `${s.device.dispatches.toFixed(0)} dispatches, ${s.device.submits.toFixed(0)} submits, ` +
        `${s.device.reads.toFixed(0)} read of ${(s.device.readMB * 1024).toFixed(2)} KiB, ${s.device.uploadedMB.toFixed(2)} MB up`
      : '-';
  return table(
    [
      'config',
      'backend',
      'batch',
      'ms/step',
      'images/s',
      'in matmul+conv kernels',
      'in any kernel',
      'device traffic per step',
    ],
    steps.map((s) => [
      s.config,
      s.backend,
      String(s.batch),
      s.msPerStep.toFixed(0),
      s.imagesPerSecond.toFixed(1),
      s.device ? 'host side only' : `${(100 * s.kernelFraction).toFixed(0)}%`,
      s.device
        ? `${(100 * s.backendFraction).toFixed(0)}% (recording)`
        : `${(100 * s.backendFraction).toFixed(0)}%`,
      device(s),
    ]),
    markdown,
  );
}

/** One line per peer step: its upper bound in images/s, and how many times faster our step is. */
function peerStepLines(report: BenchReport): string[] {
  const pytorch = report.pytorchSteps.map((p) => {
    const ours = report.steps.find(
      (s) => s.config === p.config && s.backend === 'cpu' && s.batch === p.batch,
    );
    const ratio = ours
      ? `; our cpu step ${ours.imagesPerSecond.toFixed(1)} images/s: ${(ours.imagesPerSecond / p.imagesPerSecond).toFixed(2)}× PyTorch's`
      : '';
    return (
      `PyTorch ${p.torch} CPU (${p.threads} threads), ${p.config}, batch ${p.batch}, the whole LPL step: ` +
      `${p.msPerStep.toFixed(0)} ms, ${p.imagesPerSecond.toFixed(1)} images/s${ratio}`
    );
  });
  return [...pytorch, ...tfjsStepLines(report)];
}

function tfjsStepLines(report: BenchReport): string[] {
  return report.peerSteps.map((p) => {
    const ours = report.steps.find((s) => s.config === p.config && s.backend === 'cpu');
    const ratio = ours
      ? `; our cpu step: ${ours.imagesPerSecond.toFixed(1)} images/s, ${(ours.imagesPerSecond / p.imagesPerSecond).toFixed(0)}× that`
      : '';
    return (
      `${p.peer}, ${p.config}, the step's 8 conv forwards and weight gradients alone (timed at ${p.timedImages} images, scaled): ` +
      `${p.msPerPair.toFixed(0)} ms per image pair, so at most ${p.imagesPerSecond.toFixed(2)} images/s${ratio}`
    );
  });
}

function dataLines(data: BenchReport['data']): string[] {
  if (data === null) return [];
  if ('error' in data) return [`data: ${data.error}`];
  return [
    `data (${withoutFolders(data.source)}): one 1024-image two-view batch: ${data.msPerBatch.toFixed(0)} ms with ${data.workers} worker(s), ` +
      `${data.msPerBatchInThread.toFixed(0)} ms in-thread; decoding 1024 images: ${data.msLoad.toFixed(0)} ms`,
  ];
}

/** "image-folder /any/where/cifar10/train" -> "image-folder cifar10/train": no machine paths in results. */
function withoutFolders(text: string): string {
  return text.replace(/\/(?:[^/\s]+\/)*([^/\s]+\/[^/\s]+)/g, '$1');
}

/** The whole report as text (markdown when asked). */
export function formatReport(report: BenchReport, markdown: boolean): string {
  const m = report.machine;
  const lines = [
    markdown ? `# Benchmark ${report.date}` : `benchmark ${report.date}`,
    '',
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}, ` +
      `load average ${m.loadAverage} at start. Command: \`${report.command}\`.`,
    '',
    'gpu.js modes:',
    ...report.gpujsModes.map((l) => `- ${l}`),
    'Peers:',
    ...report.peers.map((l) => `- ${l}`),
    '',
  ];
  if (report.kernels.length > 0) {
    lines.push(
      `${markdown ? '## ' : ''}Kernels: GFLOP/s; for ours, (ratio to the best peer); † timed at a smaller batch (see notes)`,
      '',
      kernelTable(report.kernels, markdown),
      '',
    );
    const training = convTrainingLines(report.kernels);
    if (training.length > 0) lines.push(...training.map((l) => (markdown ? `- ${l}` : l)), '');
  }
  if (report.steps.length > 0 || report.peerSteps.length > 0 || report.pytorchSteps.length > 0) {
    lines.push(
      markdown ? '## LPL training step' : 'LPL training step',
      '',
      ...(report.steps.length > 0 ? [stepTable(report.steps, markdown), ''] : []),
      ...peerStepLines(report).map((l) => (markdown ? `- ${l}` : l)),
      ...(report.peerSteps.length + report.pytorchSteps.length > 0 ? [''] : []),
    );
  }
  if (report.auto) {
    const title = `${markdown ? '## ' : ''}Automatic choice (fmnist28-w0.25 layers, ${report.auto.seconds.toFixed(1)} s)`;
    lines.push(title, '', ...(markdown ? ['```', report.auto.summary, '```'] : [report.auto.summary]), '');
  }
  lines.push(...dataLines(report.data), '');
  const notes = [
    ...new Set([
      ...report.notes,
      ...report.kernels.flatMap((r) => (r.note ? [`${r.backend} ${r.kernel} ${r.layer}: ${r.note}`] : [])),
    ]),
  ];
  if (notes.length > 0) lines.push(markdown ? '## Notes' : 'Notes:', ...notes.map((n) => `- ${n}`), '');
  return lines.join('\n');
}

/** Writes <dir>/<date>-<host>.json and <dir>/latest.md; returns their paths. */
export function writeReport(report: BenchReport, dir: string): { json: string; markdown: string } {
  mkdirSync(dir, { recursive: true });
  const stamp = report.date.replace(/:/g, '-').replace(/\..*$/, '');
  const json = join(dir, `${stamp}-${report.machine.host}.json`);
  const data =
    report.data && 'source' in report.data
      ? { ...report.data, source: withoutFolders(report.data.source) }
      : report.data;
  writeFileSync(json, `${JSON.stringify({ ...report, data }, null, 2)}\n`);
  const markdown = join(dir, 'latest.md');
  writeFileSync(markdown, formatReport(report, true));
  return { json, markdown };
}
