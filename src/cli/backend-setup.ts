/**
 * The --backend, --gpujs-mode and --threads flags: selects the backend that
 * runs every kernel. `auto` (the default) times the candidates on the
 * network's real layer shapes and runs each heavy kernel on the fastest;
 * the choice is cached per machine.
 */
import { join } from 'node:path';
import { setBackend } from '../tensor/registry.js';
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
    choices: ['auto', 'cpu', 'gpujs', 'reference'],
    default: 'auto',
    help: 'kernels: auto = time cpu and usable gpu.js modes on the real shapes, keep the fastest per kernel',
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

/** Selects the backend the flags ask for; returns one line describing it. */
export async function setupBackend(
  f: FlagValues,
  model: VggEncoder,
  inputSize: number,
  inChannels: number,
  batchSize: number,
): Promise<string> {
  const name = (f.backend as string | undefined) ?? 'auto';
  const threads = f.threads as number | undefined;
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
    return `cpu (${cpu.threads} threads)`;
  }
  // auto: cpu, and gpu.js in its best usable mode unless that is its plain-JS 'cpu' mode
  const gpuModes = usableModes().filter((m) => m !== 'cpu');
  if (gpuModes.length === 0) {
    setBackend(cpu);
    return `cpu (${cpu.threads} threads); auto: no gpu.js mode besides plain JS here, nothing else to time`;
  }
  const layers: LayerShape[] = [];
  let size = inputSize;
  let channels = inChannels;
  model.channels.forEach((out, k) => {
    layers.push({
      kind: 'conv2d',
      x: [2 * batchSize, channels, size, size],
      w: [out, channels, 3, 3],
      p: { stride: [1, 1], padding: [1, 1] },
    });
    channels = out;
    if (model.pools[k]) size = Math.floor(size / 2);
  });
  const gpujs = gpujsBackend((f['gpujs-mode'] as string | undefined) ?? gpuModes[0]);
  const result = chooseBackends(layers, [cpu, gpujs], {
    cacheFile: BACKEND_CACHE_FILE,
  });
  setBackend(result.backend);
  return `auto${result.fromCache ? ' (cached)' : ''}:\n${result.summary}`;
}
