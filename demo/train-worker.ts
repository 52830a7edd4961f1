/**
 * The demo page's training worker: LPL on the bundled Fashion-MNIST subset,
 * off the page's thread so that the page stays responsive. It is the library
 * unchanged (LplRun.trainStep, EpochMeter, the linear probe), on the backend
 * the reader picked, and it reports every step to the page (demo/protocol.ts).
 */
import { platform } from '#platform';
import '../src/platform/browser-workers.js'; // the cpu backend's threads
import { idxDataset, parseIdx } from '../src/data/idx-format.js';
import { subsetDataset, type ImageDataset } from '../src/data/dataset.js';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from '../src/lpl/config.js';
import { EpochMeter } from '../src/lpl/epoch-meter.js';
import { extractFeatures, pixelFeatures, trainLinearProbe } from '../src/lpl/probe.js';
import { configOfCheckpoint, runCheckpointParts } from '../src/lpl/run-checkpoint.js';
import { buildEncoder, layerDiagnostics, LplRun } from '../src/lpl/train.js';
import {
  checkpointBytes,
  decodeSafetensors,
  loadCheckpointContents,
  type VggEncoder,
} from '../src/nn/index.js';
import { CpuBackend } from '../src/tensor/backends/cpu.js';
import { GpujsBackend } from '../src/tensor/backends/gpujs.js';
import { initWebGpu, webGpuUnavailableReason } from '../src/tensor/backends/webgpu.js';
import { setBackend } from '../src/tensor/registry.js';
import {
  CHOSEN_CONFIG_FIELDS,
  type DemoSettings,
  type FromWorker,
  type ToWorker,
  type ViewPair,
} from './protocol.js';

const port = platform.parentPort();
if (!port) throw new Error('demo/train-worker.ts runs as a Web Worker');
const send = (message: FromWorker, transfer: Transferable[] = []) =>
  (globalThis as unknown as { postMessage(m: unknown, t: Transferable[]): void }).postMessage(
    message,
    transfer,
  );

let paused = false;
let resume: (() => void) | null = null;
let stopRequested = false;
let run: LplRun | null = null;

port.onMessage((raw) => {
  const message = raw as ToWorker;
  if (message.type === 'start') void start(message.settings).catch(fail);
  else if (message.type === 'pause') {
    paused = true;
    send({ type: 'paused' });
  } else if (message.type === 'resume') {
    paused = false;
    resume?.();
    send({ type: 'resumed' });
  } else if (message.type === 'stop') {
    stopRequested = true;
    paused = false;
    resume?.();
  } else if (message.type === 'checkpoint') void sendCheckpoint().catch(fail);
  else if (message.type === 'readout-checkpoint') void readoutCheckpoint(message).catch(fail);
});

function fail(error: unknown): void {
  const message = error instanceof Error ? `${error.message}` : String(error);
  send({ type: 'error', message });
}

// ------------------------------------------------------------------ data

/** The bytes of a served file, inflated when it is gzip (fetch leaves a .gz file's bytes as they are). */
async function fetchBytes(url: string): Promise<Uint8Array> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes[0] !== 0x1f || bytes[1] !== 0x8b) return bytes;
  const inflated = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(inflated).arrayBuffer());
}

const datasets = new Map<string, Promise<ImageDataset>>();
/** A split of the bundled Fashion-MNIST subset, fetched once. */
function bundled(dataUrl: string, split: 'train' | 'test'): Promise<ImageDataset> {
  const key = `${dataUrl}|${split}`;
  if (!datasets.has(key)) {
    datasets.set(
      key,
      (async () => {
        const prefix = split === 'train' ? 'train' : 't10k';
        const imagesUrl = `${dataUrl}${prefix}-images-idx3-ubyte.gz`;
        const labelsUrl = `${dataUrl}${prefix}-labels-idx1-ubyte.gz`;
        const [images, labels, classes] = await Promise.all([
          fetchBytes(imagesUrl),
          fetchBytes(labelsUrl),
          fetch(`${dataUrl}classes.txt`).then((r) => r.text()),
        ]);
        const names = classes
          .split('\n')
          .map((s) => s.trim())
          .filter((s) => s.length > 0);
        const ds = idxDataset(
          parseIdx(images, imagesUrl),
          parseIdx(labels, labelsUrl),
          {
            images: imagesUrl,
            labels: labelsUrl,
          },
          { classes: names },
        );
        // named as the commands name it, so a checkpoint made here reads like one made by `npm run train`
        return { ...ds, source: `bundled Fashion-MNIST subset (data/fashion-mnist, ${split})` };
      })(),
    );
  }
  return datasets.get(key)!;
}

// ------------------------------------------------------------------ backend

/** Something whose tensors can move to a device backend (a model, an optimizer). */
interface Movable {
  moveTo(backend: import('../src/tensor/backend.js').Backend): Promise<unknown>;
}

/** Makes `name` the backend in use; on WebGPU the `onDevice` models and optimizers move to the device. */
async function chooseBackend(name: DemoSettings['backend'], onDevice: Movable[] = []): Promise<string> {
  if (name === 'cpu') {
    const threads = platform.sharedMemory() ? Math.min(platform.cores(), 4) : 1;
    const cpu = new CpuBackend({ threads });
    await cpu.startThreads();
    setBackend(cpu);
    const why = platform.sharedMemory() ? '' : ' (the page is not cross-origin isolated: one thread)';
    return `cpu, WebAssembly SIMD${cpu.fma ? ' + FMA' : ''}, ${threads} thread${threads > 1 ? 's' : ''}${why}`;
  }
  if (name === 'webgl2') {
    await platform.prepareGpujs();
    const probe = GpujsBackend.probe('webgl2');
    if (!probe.ok) throw new Error(`gpu.js webgl2 is not available here: ${probe.reason}`);
    const backend = new GpujsBackend({ mode: 'webgl2' });
    setBackend(backend);
    return backend.name;
  }
  send({ type: 'status', text: 'requesting a WebGPU device' });
  const device = await initWebGpu();
  if (!device) throw new Error(`WebGPU is not available here: ${webGpuUnavailableReason()}`);
  setBackend(device);
  send({ type: 'status', text: `moving the network to ${device.adapter.name}` });
  for (const m of onDevice) await m.moveTo(device);
  return `webgpu on ${device.adapter.name}${device.adapter.software ? ' (a software adapter)' : ''}`;
}

// ------------------------------------------------------------------ training

/** Steps between two readings of each layer's variance, participation ratio and silent units. */
const DIAGNOSTICS_EVERY = 10;

function configOf(settings: DemoSettings): TrainConfig {
  const chosen = Object.fromEntries(CHOSEN_CONFIG_FIELDS.map((field) => [field, settings[field]]));
  // augmentation in this worker (workers: 0): the page's cores go to the kernels
  return { ...DEFAULT_TRAIN_CONFIG, ...chosen, workers: 0 };
}

async function start(settings: DemoSettings): Promise<void> {
  send({ type: 'status', text: 'loading the data' });
  const dataset = await bundled(settings.dataUrl, 'train');
  const config = configOf(settings);
  run = new LplRun(config, dataset);
  const initial = buildEncoder(run.config, dataset.channels, run.inputSize); // the same seed: the network at step 0
  send({ type: 'status', text: `starting the ${settings.backend} backend` });
  const backend = await chooseBackend(settings.backend, [run.model, run.optimizer, initial]);
  const totalSteps = Math.min(settings.steps ?? Infinity, run.stepsPerEpoch * config.epochs);
  send({
    type: 'ready',
    backend,
    channels: [...run.model.channels],
    stepsPerEpoch: run.stepsPerEpoch,
    totalSteps,
    images: dataset.n,
  });
  const losses: number[] = [];
  let done = 0;
  while (!run.finished && done < totalSteps && !stopRequested) {
    const epoch = run.epoch;
    const meter = new EpochMeter(run.model.channels);
    for await (const batch of run.batches()) {
      // yield to the event loop: on the cpu backend a step never does, and pause/stop messages wait for it
      await new Promise((r) => setTimeout(r, 0));
      if (paused) await new Promise<void>((r) => (resume = r));
      if (stopRequested) break;
      if (run.step === 0)
        send({ type: 'views', pairs: viewPairs(batch.x1, batch.x2, batch.shape, run.config) });
      const record = await run.trainStep(batch);
      meter.add(record);
      losses.push(record.loss);
      done++;
      send({
        type: 'step',
        done,
        totalSteps,
        epoch: record.epoch,
        lr: record.lr,
        loss: record.loss,
        layers: record.layers.map((l) => l && { pred: l.pred, hebb: l.hebb, decorr: l.decorr }),
        imagesPerSecond: meter.imagesPerSecond,
      });
      if (done % DIAGNOSTICS_EVERY === 0 || done === 1) {
        const d = await layerDiagnostics(record.z);
        send({ type: 'diagnostics', done, layers: d.map((l) => ({ ...l })) });
      }
      if (done >= totalSteps) break;
    }
    if (run.epoch > epoch) {
      const summary = await meter.summary(epoch);
      send({ type: 'epoch', ...summary });
      if (settings.readout) await readout(run.model, initial, settings.dataUrl, `after epoch ${epoch + 1}`);
    }
  }
  send({ type: 'done', done, stopped: stopRequested, losses });
}

/** Up to four view pairs of a batch as RGBA pixels, un-normalised for display. */
function viewPairs(
  x1: Float32Array,
  x2: Float32Array,
  shape: readonly [number, number, number, number],
  config: TrainConfig,
): ViewPair[] {
  const [B, C, H, W] = shape;
  const stats = config.stats!;
  const rgba = (x: Float32Array, b: number) => {
    const out = new Uint8ClampedArray(H * W * 4);
    for (let p = 0; p < H * W; p++) {
      for (let k = 0; k < 3; k++) {
        const c = C === 1 ? 0 : k;
        const v = x[(b * C + c) * H * W + p]! * stats.std[c]! + stats.mean[c]!; // x·σ + μ
        out[p * 4 + k] = Math.round(v * 255);
      }
      out[p * 4 + 3] = 255;
    }
    return out;
  };
  return Array.from({ length: Math.min(4, B) }, (_, b) => ({
    width: W,
    height: H,
    view1: rgba(x1, b),
    view2: rgba(x2, b),
  }));
}

// ------------------------------------------------------------------ readout

/** Images the page's readout uses: every 10th training image (1,000, class-balanced) and 500 test images. */
const READOUT_TRAIN_STRIDE = 10;
const READOUT_TEST = 500;
/**
 * The probe's batch: 50 of 1,000 images gives 20 Adam steps an epoch, 400 in
 * its 20 epochs: as many as `npm run probe` makes on its 10,000 images at
 * batch 512 (raw average-pooled features, lr 1e-3, as the authors).
 */
const READOUT_BATCH = 50;

/** The readout of each network at initialisation (and of the pixels), made once. */
const baselines = new WeakMap<VggEncoder, { initial: number[]; pixels: number }>();

/** Linear probes per layer on average-pooled features, for `model` and the network at initialisation. */
async function readout(
  model: VggEncoder,
  initial: VggEncoder,
  dataUrl: string,
  title: string,
): Promise<void> {
  send({ type: 'status', text: `reading out ${title}` });
  const all = await bundled(dataUrl, 'train');
  const train = subsetDataset(
    all,
    Int32Array.from({ length: Math.floor(all.n / READOUT_TRAIN_STRIDE) }, (_, i) => i * READOUT_TRAIN_STRIDE),
  );
  const testAll = await bundled(dataUrl, 'test');
  const test = subsetDataset(
    testAll,
    Int32Array.from({ length: Math.min(READOUT_TEST, testAll.n) }, (_, i) =>
      Math.floor((i * testAll.n) / READOUT_TEST),
    ),
  );
  const stats = run?.config.stats ?? { mean: [0.286], std: [0.353] };
  const inputSize = train.height;
  const accuracies = async (net: VggEncoder) => {
    const opts = { avgpool: true, inputSize, stats };
    const [ftrain, ftest] = [await extractFeatures(net, train, opts), await extractFeatures(net, test, opts)];
    const out: number[] = [];
    for (let k = 0; k < ftrain.length; k++) {
      const r = await trainLinearProbe(ftrain[k]!, train.labels, ftest[k]!, test.labels, {
        classes: train.classes.length,
        batchSize: READOUT_BATCH,
      });
      out.push(r.testAccuracy);
    }
    return out;
  };
  const trained = await accuracies(model);
  // the network at initialisation and the pixels do not change from epoch to epoch: read them once
  let baseline = baselines.get(initial);
  if (!baseline) {
    const pixels = await trainLinearProbe(
      pixelFeatures(train, inputSize, stats),
      train.labels,
      pixelFeatures(test, inputSize, stats),
      test.labels,
      { classes: train.classes.length, batchSize: READOUT_BATCH },
    );
    baseline = { initial: await accuracies(initial), pixels: pixels.testAccuracy };
    baselines.set(initial, baseline);
  }
  const initialAcc = baseline.initial;
  const pix = { testAccuracy: baseline.pixels };
  send({
    type: 'readout',
    trained,
    initial: initialAcc,
    pixels: pix.testAccuracy,
    trainImages: train.n,
    testImages: test.n,
    title,
  });
}

// ------------------------------------------------------------------ checkpoints

async function sendCheckpoint(): Promise<void> {
  if (!run) throw new Error('nothing is training yet');
  const chunks = await checkpointBytes(runCheckpointParts(run));
  const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.length;
  }
  const name = `fashion-mnist-lpl-w${run.config.width}-step${run.globalStep}.safetensors`;
  send({ type: 'checkpoint', bytes: bytes.buffer, name }, [bytes.buffer]);
}

/** Reads out a checkpoint the reader loaded (one trained on the bundled data, by this page or `npm run train`). */
async function readoutCheckpoint(message: Extract<ToWorker, { type: 'readout-checkpoint' }>): Promise<void> {
  const contents = decodeSafetensors(new Uint8Array(message.bytes), message.name);
  const config = configOfCheckpoint(contents.metadata, message.name);
  const data = await bundled(message.dataUrl, 'train');
  if (config.channels !== data.channels || config.inputSize !== data.height) {
    throw new Error(
      `${message.name} was trained on ${config.channels}×${config.inputSize}×${config.inputSize} images; ` +
        `the page reads out on the bundled Fashion-MNIST (${data.channels}×${data.height}×${data.width})`,
    );
  }
  if (!run) await chooseBackend('cpu');
  const model = buildEncoder(config, config.channels, config.inputSize);
  loadCheckpointContents(contents, message.name, { model });
  const initial = buildEncoder(config, config.channels, config.inputSize);
  await readout(model, initial, message.dataUrl, message.name);
  send({ type: 'status', text: `read out ${message.name}` });
}
