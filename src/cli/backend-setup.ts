/**
 * The --backend, --gpujs-mode and --threads flags: selects the backend that
 * runs every kernel. `auto` (the default) takes webgpu on a real GPU when it
 * runs the network's convolutions faster than cpu; otherwise it times cpu and
 * the usable gpu.js modes on the network's real layer shapes and runs each
 * heavy kernel on the fastest (that choice is cached per machine).
 *
 * The model (and the optimizer's state) is built on the default backend and
 * moved in place when the chosen backend keeps its data elsewhere (webgpu).
 */
import { join } from 'node:path';
import type { Optimizer } from '../nn/optim/optimizer.js';
import { setBackend } from '../tensor/registry.js';
import {
  closeWebGpu,
  initWebGpu,
  webGpuUnavailableReason,
  type WebGpuBackend,
} from '../tensor/backends/webgpu.js';
import { chooseBackends, type LayerShape } from '../tensor/backends/auto.js';
import { CpuBackend } from '../tensor/backends/cpu.js';
import { GpujsBackend } from '../tensor/backends/gpujs.js';
import { isGpujsMode, probeMode, usableModes, type GpujsMode } from '../tensor/backends/gpujs/modes.js';
import { ReferenceBackend } from '../tensor/backends/reference.js';
import type { VggEncoder } from '../nn/index.js';
import { CliError, type FlagSpec, type FlagValues } from './flags.js';

export const BACKEND_FLAGS: FlagSpec[] = [
  {
    name: 'backend',
    type: 'string',
    choices: ['auto', 'cpu', 'webgpu', 'gpujs', 'reference'],
    default: 'auto',
    help: 'kernels: auto = webgpu on a real GPU when faster on the real shapes, else the fastest of cpu and gpu.js per kernel; webgpu = WGSL kernels with tensors on the device',
  },
  {
    name: 'gpujs-mode',
    type: 'string',
    metavar: 'MODE',
    help: 'gpu.js mode for --backend gpujs: headlessgl, webgpu, webgl2, webgl, webasm or cpu (default: best usable)',
  },
  {
    name: 'threads',
    type: 'int',
    min: 1,
    metavar: 'N',
    help: 'threads for large CPU kernels (default: all cores)',
  },
];

/** Where the automatic choice is remembered between runs. */
export const BACKEND_CACHE_FILE = join('node_modules', '.cache', 'lpl-ts', 'backend-choice.json');

function gpujsBackend(mode: string | undefined): GpujsBackend {
  if (mode !== undefined) {
    if (!isGpujsMode(mode)) throw new CliError(`--gpujs-mode: unknown mode '${mode}'`);
    const probe = probeMode(mode);
    if (!probe.ok) throw new CliError(`--gpujs-mode ${mode}: unavailable here: ${probe.reason}`);
    return new GpujsBackend({ mode: mode as GpujsMode });
  }
  return new GpujsBackend();
}

/** The network's convolutions at a batch of `batch`: the shapes the backends are timed on. */
function convLayers(model: VggEncoder, inputSize: number, inChannels: number, batch: number): LayerShape[] {
  const layers: LayerShape[] = [];
  let size = inputSize;
  let channels = inChannels;
  model.channels.forEach((out, k) => {
    layers.push({
      kind: 'conv2d',
      x: [batch, channels, size, size],
      w: [out, channels, 3, 3],
      p: { stride: [1, 1], padding: [1, 1] },
    });
    channels = out;
    if (model.pools[k]) size = Math.floor(size / 2);
  });
  return layers;
}

/** Milliseconds for the forward convolutions of `layers` (best of 2, after a warm-up); webgpu waits for its results. */
async function timeConvolutions(backend: CpuBackend | WebGpuBackend, layers: LayerShape[]): Promise<number> {
  const inputs = layers.map((l) => {
    if (l.kind !== 'conv2d') throw new Error('timeConvolutions: conv layers only');
    const rand = (shape: readonly number[]) =>
      backend.upload(
        Float32Array.from({ length: shape.reduce((a, d) => a * d, 1) }, (_, i) => Math.sin(i)),
        shape,
      );
    return { l, x: rand(l.x), w: rand(l.w) };
  });
  let best = Infinity;
  for (let round = 0; round < 3; round++) {
    const start = performance.now();
    for (const { l, x, w } of inputs) {
      if (l.kind !== 'conv2d') continue;
      const y = backend.conv2d(x as never, w as never, null, l.p, true);
      await backend.read(y as never); // a device backend has finished once its result is back
    }
    if (round > 0) best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Selects the backend the flags ask for and moves the model (and the
 * optimizer's buffers) to it when it keeps its data elsewhere; returns one
 * line describing the choice.
 */
export async function setupBackend(
  f: FlagValues,
  model: VggEncoder,
  inputSize: number,
  inChannels: number,
  batchSize: number,
  optimizer?: Optimizer,
): Promise<string> {
  const name = (f.backend as string | undefined) ?? 'auto';
  const threads = f.threads as number | undefined;
  const useDevice = async (backend: WebGpuBackend): Promise<void> => {
    setBackend(backend);
    await model.moveTo(backend);
    await optimizer?.moveTo(backend);
  };
  if (name === 'webgpu') {
    const backend = await initWebGpu();
    if (!backend) throw new CliError(`--backend webgpu: unavailable here: ${webGpuUnavailableReason()}`);
    await useDevice(backend);
    const { name: adapter, software } = backend.adapter;
    return `webgpu on ${adapter}${software ? ' (a software adapter: correct, not fast)' : ''}`;
  }
  if (name === 'reference') {
    setBackend(new ReferenceBackend());
    return 'reference (plain loops; slow)';
  }
  if (name === 'gpujs') {
    const backend = gpujsBackend(f['gpujs-mode'] as string | undefined);
    setBackend(backend);
    return backend.name;
  }
  const cpu = new CpuBackend({ threads });
  if (name === 'cpu') {
    setBackend(cpu);
    return `cpu (${threadsText(cpu.threads)})`;
  }
  // auto, first choice: webgpu, only on a real GPU and only when faster than cpu on these shapes
  let webgpuNote: string;
  const device = await initWebGpu();
  if (!device) webgpuNote = `webgpu not available (${webGpuUnavailableReason()})`;
  else if (device.adapter.software)
    webgpuNote = `webgpu skipped: ${device.adapter.name} is a software adapter`;
  else {
    const timed = convLayers(model, inputSize, inChannels, Math.min(2 * batchSize, 64));
    const [gpuMs, cpuMs] = [await timeConvolutions(device, timed), await timeConvolutions(cpu, timed)];
    webgpuNote = `webgpu ${gpuMs.toFixed(1)} ms, cpu ${cpuMs.toFixed(1)} ms on the network's convolutions`;
    if (gpuMs < cpuMs) {
      await useDevice(device);
      return `webgpu on ${device.adapter.name}; auto: ${webgpuNote}`;
    }
  }
  closeWebGpu(); // not chosen: free the device (in Node it would keep the process alive)
  // then cpu, and gpu.js in its best usable mode unless that is its plain-JS 'cpu' mode
  const gpuModes = usableModes().filter((m) => m !== 'cpu');
  if (gpuModes.length === 0) {
    setBackend(cpu);
    return `cpu (${threadsText(cpu.threads)}); auto: ${webgpuNote}; no gpu.js mode besides plain JS here, nothing else to time`;
  }
  const layers = convLayers(model, inputSize, inChannels, 2 * batchSize);
  const gpujs = gpujsBackend((f['gpujs-mode'] as string | undefined) ?? gpuModes[0]);
  const result = chooseBackends(layers, [cpu, gpujs], {
    cacheFile: BACKEND_CACHE_FILE,
  });
  setBackend(result.backend);
  return `auto${result.fromCache ? ' (cached)' : ''} (${webgpuNote}):\n${result.summary}`;
}

/** "1 thread", "2 threads". */
function threadsText(n: number): string {
  return `${n} thread${n === 1 ? '' : 's'}`;
}
