/**
 * Kernel benchmark: matmul, conv2d and its two gradients at VGG-11 layer
 * shapes (shapes.ts), on every registered backend (the gpujs backend once per
 * usable gpu.js mode) and on the peers (tfjs, peers/tfjs.ts; jax-js,
 * peers/jaxjs.ts), timed by benny. Run through
 * benchmarks/run.ts (`npm run bench`).
 *
 * Slow cases run at a smaller batch. Some kernels take minutes a call at
 * batch 256 (the reference loops; tfjs-backend-cpu's Conv2DBackpropFilter), so
 * each convolution case is first timed once at batch 1; if a call at the full
 * batch would take more than `maxCallMs`, the case is timed at the largest
 * batch that fits (GFLOP/s barely depend on the batch for these kernels) and
 * the row says so. A case slower than that even at batch 1 reports that one call.
 */
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import { add, configure, suite } from 'benny';
import type { Backend } from '../src/tensor/backend.js';
import { backendByName, hostBackendNames } from '../src/tensor/registry.js';
import type { HeavyKernel } from '../src/tensor/backends/auto.js';
import { GpujsBackend, usableModes } from '../src/tensor/backends/gpujs.js';
import { HEAVY_KERNELS } from '../src/tensor/backends/timing.js';
import { Rng } from '../src/tensor/random.js';
import { sizeOf } from '../src/tensor/shape.js';
import { viewOf } from '../src/tensor/view.js';
import type { View } from '../src/tensor/backend.js';
import { JAXJS_PEER, jaxjsCall, useJaxjs } from './peers/jaxjs.js';
import { TFJS_PEERS, tfjsCall, tfjsUnavailable, useTfjs, type PeerCall } from './peers/tfjs.js';
import { batchOf, convOut, describeShape, flopsOf, withBatch, type BenchLayer } from './shapes.js';

export interface KernelRow {
  kernel: HeavyKernel;
  layer: string;
  shape: string;
  backend: string;
  /** Whether this backend is a peer (tfjs, jax-js) rather than one of ours. */
  peer: boolean;
  /** FLOPs of one call at the batch that was timed. */
  flops: number;
  /** The batch that was timed (smaller than the layer's for slow cases). */
  batch: number;
  /** Median ms per call, or null when the case did not run (see note). */
  ms: number | null;
  gflops: number | null;
  samples: number;
  note?: string;
}

export interface KernelBenchOptions {
  quick: boolean;
  layers: readonly BenchLayer[];
  /** A call predicted to take longer than this is timed at a smaller batch. */
  maxCallMs: number;
  /** Keeps only cases whose text "<backend> <kernel> <layer>" this accepts. */
  wants?: (caseText: string) => boolean;
  log: (line: string) => void;
}

/** The cpu backend without fused multiply-add (plain 128-bit SIMD), under its own name in the tables. */
export class PlainSimdCpuBackend extends CpuBackend {
  override readonly name: string = 'cpu-no-fma';
  constructor() {
    super({ fma: false });
  }
}

/**
 * Our backends: every registered one, with 'gpujs' expanded to every usable gpu.js mode, and
 * the cpu backend also without fused multiply-add when the registered one uses it.
 */
export function ourBackends(): Backend[] {
  return hostBackendNames().flatMap((name) => {
    if (name === 'gpujs') return usableModes().map((mode) => new GpujsBackend({ mode }));
    const backend = backendByName(name);
    return backend instanceof CpuBackend && backend.fma ? [backend, new PlainSimdCpuBackend()] : [backend];
  });
}

/** The kernels a layer has: a matmul, or the convolution and its two gradients. */
function kernelsOf(layer: BenchLayer): HeavyKernel[] {
  return layer.kind === 'matmul' ? ['matmul'] : HEAVY_KERNELS.filter((k) => k !== 'matmul');
}

/** The call of `kernel` for `layer` on one of our backends, with random float32 inputs. */
function ourCall(backend: Backend, kernel: HeavyKernel, layer: BenchLayer): PeerCall {
  const rng = new Rng(1);
  const random = (shape: number[]): View => {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    return viewOf(data, shape);
  };
  const dispose = (): void => {};
  if (layer.kind === 'matmul') {
    const [a, b] = [random(layer.a), random(layer.b)];
    return { run: () => void backend.matmul(a, b), dispose };
  }
  const [N, , H, W] = layer.x;
  const [O, , KH, KW] = layer.w;
  const { p } = layer;
  const gyShape = [
    N,
    O,
    convOut(H, KH, p.stride[0], p.padding[0]),
    convOut(W, KW, p.stride[1], p.padding[1]),
  ];
  if (kernel === 'conv2d') {
    const [x, w, bias] = [random(layer.x), random(layer.w), random([O])];
    return { run: () => void backend.conv2d(x, w, bias, p), dispose };
  }
  if (kernel === 'conv2dBackwardInput') {
    const [gy, w] = [random(gyShape), random(layer.w)];
    return { run: () => void backend.conv2dBackwardInput(gy, w, layer.x, p), dispose };
  }
  const [x, gy] = [random(layer.x), random(gyShape)];
  return { run: () => void backend.conv2dBackwardWeight(x, gy, layer.w, p), dispose };
}

function timeOnce(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

/** Median ms of one call, timed by benny (whose first call warms up: gpu.js compiles there). */
async function timeWithBenny(
  name: string,
  fn: () => void,
  quick: boolean,
): Promise<{ ms: number; samples: number }> {
  const options = quick ? { minSamples: 1, maxTime: 0.3 } : { minSamples: 3, maxTime: 2 };
  const summary = await suite(name, configure({ minDisplayPrecision: 6 }), add(name, fn, options));
  const result = summary.results[0]!;
  return { ms: result.details.median * 1000, samples: result.samples };
}

/**
 * Times one case: at the layer's batch when a call fits in maxCallMs, else at a
 * smaller batch (see the file comment). Fills in the row.
 */
async function measure(
  row: KernelRow,
  layer: BenchLayer,
  makeCall: (layer: BenchLayer) => PeerCall,
  opts: KernelBenchOptions,
): Promise<void> {
  let batch = batchOf(layer);
  if (layer.kind === 'conv2d' && batch > 1) {
    // ms per image, from one call at batch `b` (the best of two when it is quick).
    const msPerImage = (b: number): number => {
      const probe = makeCall(withBatch(layer, b));
      let ms = timeOnce(probe.run); // a first call: includes compilation (gpu.js)
      if (ms <= opts.maxCallMs) ms = Math.min(ms, timeOnce(probe.run));
      probe.dispose();
      return ms / b;
    };
    let perImage = msPerImage(1);
    const fits = (): number => Math.floor(opts.maxCallMs / perImage);
    if (fits() > 1 && fits() < batch) perImage = msPerImage(fits()); // batch 1 overstates: look again
    if (perImage > opts.maxCallMs) {
      Object.assign(row, { batch: 1, flops: flopsOf(withBatch(layer, 1)), ms: perImage, samples: 1 });
      row.note = `one call at batch 1 (${(perImage / 1000).toFixed(1)} s)`;
    } else if (perImage * batch > opts.maxCallMs) {
      row.note = `at batch ${fits()} (batch ${batch} predicted ${((perImage * batch) / 1000).toFixed(1)} s a call)`;
      batch = fits();
    }
  }
  if (row.ms === null) {
    const timed = withBatch(layer, batch);
    const call = makeCall(timed);
    try {
      const t = await timeWithBenny(`${row.backend} ${row.kernel} ${row.layer}`, call.run, opts.quick);
      Object.assign(row, { batch, flops: flopsOf(timed), ms: t.ms, samples: t.samples });
    } finally {
      call.dispose();
    }
  }
  row.gflops = row.flops / row.ms! / 1e6;
  const at = row.batch === batchOf(layer) ? '' : ` (batch ${row.batch})`;
  opts.log(
    `  ${row.backend} ${row.kernel} ${row.layer}: ${row.ms!.toFixed(2)} ms, ${row.gflops.toFixed(2)} GFLOP/s${at}`,
  );
}

export async function benchKernels(opts: KernelBenchOptions): Promise<KernelRow[]> {
  const rows: KernelRow[] = [];
  const cases = opts.layers.flatMap((layer) => kernelsOf(layer).map((kernel) => ({ layer, kernel })));
  const selected = (backend: string): typeof cases =>
    cases.filter(({ layer, kernel }) => !opts.wants || opts.wants(`${backend} ${kernel} ${layer.name}`));
  const row = (backend: string, peer: boolean, kernel: HeavyKernel, layer: BenchLayer): KernelRow => {
    const r: KernelRow = {
      kernel,
      layer: layer.name,
      shape: describeShape(layer),
      backend,
      peer,
      flops: flopsOf(layer),
      batch: batchOf(layer),
      ms: null,
      gflops: null,
      samples: 0,
    };
    rows.push(r);
    return r;
  };

  for (const backend of ourBackends()) {
    for (const { layer, kernel } of selected(backend.name)) {
      await measure(row(backend.name, false, kernel, layer), layer, (l) => ourCall(backend, kernel, l), opts);
    }
    if (backend instanceof GpujsBackend) backend.dispose();
  }

  for (const peer of TFJS_PEERS) {
    const wanted = selected(peer);
    if (wanted.length === 0) continue;
    opts.log(`  ${await useTfjs(peer)}`);
    for (const { layer, kernel } of wanted) {
      const r = row(peer, true, kernel, layer);
      const unavailable = tfjsUnavailable(kernel);
      if (unavailable) {
        r.note = `n/a: ${unavailable}`;
        opts.log(`  ${peer} ${kernel} ${layer.name}: ${r.note}`);
        continue;
      }
      await measure(r, layer, (l) => tfjsCall(kernel, l), opts);
    }
  }

  const jaxWanted = selected(JAXJS_PEER);
  if (jaxWanted.length > 0) {
    opts.log(`  ${await useJaxjs()}`);
    for (const { layer, kernel } of jaxWanted) {
      await measure(row(JAXJS_PEER, true, kernel, layer), layer, (l) => jaxjsCall(kernel, l), opts);
    }
  }
  return rows;
}
