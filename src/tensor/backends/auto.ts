/**
 * Automatic backend choice: time each candidate backend on the network's own
 * layer shapes and run each heavy kernel (matmul, conv2d and its two
 * gradients) on the fastest one. Everything else runs on the first candidate.
 *
 *   const auto = chooseBackends(layers, defaultCandidates(), { cacheFile: 'runs/backend-choice.json' });
 *   console.log(auto.summary);
 *   setBackend(auto.backend);
 *
 * It is not in the registry because it needs the layer shapes: the CLI calls
 * chooseBackends once the model is built. Timing uses the real shapes with the
 * batch axis capped (`maxBatch`), one warm-up call (gpu.js compiles there)
 * and the best of `repeats` timed calls; a candidate twice as slow as the
 * best so far on the same shapes is not timed further. Results are cached
 * per machine (CPU model, cores, Node version), candidates and shapes.
 */
import { platform } from '#platform';
import type {
  AdamStep,
  Backend,
  FloatArray,
  PoolIndices,
  SgdStep,
  BinaryOp,
  Conv2dParams,
  DType,
  Pool2dParams,
  ReduceOp,
  UnaryOp,
  View,
} from '../backend.js';
import { Rng } from '../random.js';
import { sizeOf, windowOutputSize, type Shape } from '../shape.js';
import { viewOf } from '../view.js';
import { backendByName, hostBackendNames } from '../registry.js';
import { HEAVY_KERNELS } from './timing.js';

export type HeavyKernel = (typeof HEAVY_KERNELS)[number];

/** A layer whose kernels are timed: a convolution (input and weight shapes) or a matmul. */
export type LayerShape =
  { kind: 'conv2d'; x: Shape; w: Shape; p: Conv2dParams } | { kind: 'matmul'; a: Shape; b: Shape };

export interface ChooseOptions {
  /** A JSON file remembering choices per machine, candidates and shapes. */
  cacheFile?: string;
  /** The batch axis of conv inputs is capped at this while timing (default 32). */
  maxBatch?: number;
  /** Timed calls per shape after the warm-up; the fastest counts (default 2). */
  repeats?: number;
}

export interface KernelChoice {
  kernel: HeavyKernel;
  /** Name of the chosen backend. */
  backend: string;
  /** Total ms over the layer shapes per candidate; null where timing stopped early or nothing ran. */
  ms: Record<string, number | null>;
}

export interface AutoResult {
  backend: CompositeBackend;
  choices: KernelChoice[];
  fromCache: boolean;
  /** A few printable lines: the chosen backend per kernel and the times. */
  summary: string;
}

/**
 * The usual candidates: every registered backend except the reference (the
 * specification, far too slow to win), the 'cpu' backend first so that it
 * runs everything but the chosen kernels. gpujs comes in its default mode.
 */
export function defaultCandidates(): Backend[] {
  const names = hostBackendNames().filter((n) => n !== 'reference');
  names.sort((a, b) => Number(b === 'cpu') - Number(a === 'cpu'));
  return names.map((n) => backendByName(n));
}

export function chooseBackends(
  layers: readonly LayerShape[],
  candidates: readonly Backend[],
  opts: ChooseOptions = {},
): AutoResult {
  if (candidates.length === 0) throw new Error('chooseBackends: no candidate backends');
  const names = candidates.map((c) => c.name);
  if (new Set(names).size !== names.length)
    throw new Error(`chooseBackends: duplicate names ${names.join(', ')}`);
  const maxBatch = opts.maxBatch ?? 32;
  const key = cacheKey(layers, names, maxBatch);

  const cached = opts.cacheFile ? readCache(opts.cacheFile)[key] : undefined;
  const fromCache = cached !== undefined && cached.every((c) => names.includes(c.backend));
  const choices = fromCache ? cached : timeKernels(layers, candidates, maxBatch, opts.repeats ?? 2);
  if (opts.cacheFile && !fromCache) writeCache(opts.cacheFile, key, choices);

  const byName = new Map(candidates.map((c) => [c.name, c]));
  const pick = (k: HeavyKernel): Backend => byName.get(choices.find((c) => c.kernel === k)!.backend)!;
  const backend = new CompositeBackend(candidates[0]!, {
    matmul: pick('matmul'),
    conv2d: pick('conv2d'),
    conv2dBackwardInput: pick('conv2dBackwardInput'),
    conv2dBackwardWeight: pick('conv2dBackwardWeight'),
  });
  return { backend, choices, fromCache, summary: summarize(choices, fromCache, maxBatch) };
}

/** Times every candidate on every kernel; the fastest total per kernel wins (first candidate if none ran). */
function timeKernels(
  layers: readonly LayerShape[],
  candidates: readonly Backend[],
  maxBatch: number,
  repeats: number,
): KernelChoice[] {
  const rng = new Rng(0);
  const calls = layers.flatMap((layer) => kernelCalls(layer, maxBatch, rng));
  return HEAVY_KERNELS.map((kernel) => {
    const mine = calls.filter((c) => c.kernel === kernel);
    const ms: Record<string, number | null> = {};
    // The winner's running total over the shapes timed so far, shape by shape.
    let winnerTotals: number[] | null = null;
    let winner = candidates[0]!.name;
    for (const backend of candidates) {
      const totals: number[] = [];
      let total = 0;
      for (const [i, call] of mine.entries()) {
        call.run(backend); // warm-up: compiles, allocates
        let fastest = Infinity;
        for (let r = 0; r < repeats; r++) {
          const start = performance.now();
          call.run(backend);
          fastest = Math.min(fastest, performance.now() - start);
        }
        total += fastest;
        totals.push(total);
        if (winnerTotals && total > 2 * winnerTotals[i]!) break; // twice as slow on the same shapes: out
      }
      const complete = mine.length > 0 && totals.length === mine.length;
      ms[backend.name] = complete ? total : null;
      if (complete && (!winnerTotals || total < winnerTotals.at(-1)!)) {
        winnerTotals = totals;
        winner = backend.name;
      }
    }
    return { kernel, backend: winner, ms };
  });
}

interface KernelCall {
  kernel: HeavyKernel;
  run(backend: Backend): View;
}

/** The kernel calls one layer makes in a training step, on random float32 inputs. */
function kernelCalls(layer: LayerShape, maxBatch: number, rng: Rng): KernelCall[] {
  const random = (shape: Shape): View => {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    return viewOf(data, shape);
  };
  if (layer.kind === 'matmul') {
    const [a, b] = [random(layer.a), random(layer.b)];
    return [{ kernel: 'matmul', run: (k) => k.matmul(a, b) }];
  }
  const xShape = [Math.min(layer.x[0]!, maxBatch), ...layer.x.slice(1)];
  const { p } = layer;
  const outH = windowOutputSize(xShape[2]!, layer.w[2]!, p.stride[0], p.padding[0]);
  const outW = windowOutputSize(xShape[3]!, layer.w[3]!, p.stride[1], p.padding[1]);
  const [x, w, bias] = [random(xShape), random(layer.w), random([layer.w[0]!])];
  const gy = random([xShape[0]!, layer.w[0]!, outH, outW]);
  return [
    { kernel: 'conv2d', run: (k) => k.conv2d(x, w, bias, p) },
    { kernel: 'conv2dBackwardInput', run: (k) => k.conv2dBackwardInput(gy, w, xShape, p) },
    { kernel: 'conv2dBackwardWeight', run: (k) => k.conv2dBackwardWeight(x, gy, layer.w, p) },
  ];
}

function summarize(choices: readonly KernelChoice[], fromCache: boolean, maxBatch: number): string {
  const lines = [
    `auto backend (${fromCache ? 'cached choice' : `timed here, conv batch capped at ${maxBatch}`}):`,
  ];
  for (const c of choices) {
    const times = Object.entries(c.ms)
      .map(([name, ms]) => `${name} ${ms === null ? '-' : `${ms.toFixed(1)} ms`}`)
      .join(', ');
    lines.push(`  ${c.kernel.padEnd(21)} -> ${c.backend.padEnd(14)} (${times})`);
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------------------
// The cache: { "<key>": KernelChoice[] } in one JSON file.

function cacheKey(layers: readonly LayerShape[], names: readonly string[], maxBatch: number): string {
  return JSON.stringify({ machine: platform.cpuModel(), names, maxBatch, layers });
}

function readCache(file: string): Record<string, KernelChoice[]> {
  if (!platform.files.exists(file)) return {};
  try {
    return JSON.parse(platform.files.readText(file)) as Record<string, KernelChoice[]>;
  } catch {
    return {}; // an unreadable cache is only a missed shortcut
  }
}

function writeCache(file: string, key: string, choices: KernelChoice[]): void {
  const all = { ...readCache(file), [key]: choices };
  platform.files.makeDir(platform.files.dirname(file));
  platform.files.writeFileAtomic(file, [new TextEncoder().encode(JSON.stringify(all, null, 2))]);
}

// ---------------------------------------------------------------------------

/** A backend that runs each heavy kernel on a chosen backend and everything else on `base`. */
export class CompositeBackend implements Backend {
  readonly name: string;

  constructor(
    readonly base: Backend,
    readonly kernels: Readonly<Record<HeavyKernel, Backend>>,
  ) {
    const parts = HEAVY_KERNELS.map((k) => `${k}=${kernels[k].name}`).join(',');
    this.name = `auto(${base.name};${parts})`;
    for (const k of Object.values(kernels)) {
      if (k.device !== base.device) {
        throw new Error(
          `auto: backend '${k.name}' keeps its data on '${k.device}', '${base.name}' on '${base.device}'; ` +
            'a composite backend mixes only backends that share memory',
        );
      }
    }
  }

  get device(): string {
    return this.base.device;
  }
  upload(values: FloatArray, shape: Shape): View {
    return this.base.upload(values, shape);
  }
  read(x: View): Promise<FloatArray> {
    return this.base.read(x);
  }
  copy(x: View): View {
    return this.base.copy(x);
  }

  matmul(a: View, b: View): View {
    return this.kernels.matmul.matmul(a, b);
  }
  conv2d(x: View, w: View, bias: View | null, p: Conv2dParams, relu = false): View {
    return this.kernels.conv2d.conv2d(x, w, bias, p, relu);
  }
  conv2dBackwardInput(gy: View, w: View, xShape: Shape, p: Conv2dParams): View {
    return this.kernels.conv2dBackwardInput.conv2dBackwardInput(gy, w, xShape, p);
  }
  conv2dBackwardWeight(x: View, gy: View, wShape: Shape, p: Conv2dParams): View {
    return this.kernels.conv2dBackwardWeight.conv2dBackwardWeight(x, gy, wShape, p);
  }
  /** The weight gradient's backend: its own fused kernel, or (gpujs) the unfused kernels around its weight gradient. */
  conv2dReluBackwardParams(x: View, gy: View, y: View, wShape: Shape, p: Conv2dParams): View {
    return this.kernels.conv2dBackwardWeight.conv2dReluBackwardParams(x, gy, y, wShape, p);
  }

  unary(op: UnaryOp, x: View, param?: number): View {
    return this.base.unary(op, x, param);
  }
  binary(op: BinaryOp, a: View, b: View): View {
    return this.base.binary(op, a, b);
  }
  reluBackward(g: View, x: View): View {
    return this.base.reluBackward(g, x);
  }
  reduce(op: ReduceOp, x: View, axes: readonly number[]): View {
    return this.base.reduce(op, x, axes);
  }
  maxPool2d(x: View, p: Pool2dParams): { out: View; argmax: PoolIndices } {
    return this.base.maxPool2d(x, p);
  }
  maxPool2dBackward(gy: View, argmax: PoolIndices, xShape: Shape): View {
    return this.base.maxPool2dBackward(gy, argmax, xShape);
  }
  avgPool2d(x: View, p: Pool2dParams): View {
    return this.base.avgPool2d(x, p);
  }
  avgPool2dBackward(gy: View, xShape: Shape, p: Pool2dParams): View {
    return this.base.avgPool2dBackward(gy, xShape, p);
  }
  contiguous(x: View): View {
    return this.base.contiguous(x);
  }
  fill(shape: Shape, dtype: DType, value: number): View {
    return this.base.fill(shape, dtype, value);
  }
  assign(dst: View, src: View): void {
    this.base.assign(dst, src);
  }
  adamUpdate(theta: View, g: View, m: View, v: View, h: AdamStep): void {
    this.base.adamUpdate(theta, g, m, v, h);
  }
  sgdUpdate(theta: View, g: View, buf: View | null, h: SgdStep): void {
    this.base.sgdUpdate(theta, g, buf, h);
  }
}
