/**
 * The demo page: settings, buttons and live plots around the training worker
 * (demo/train-worker.ts). Scripted use: `?autostart=1&steps=N&backend=cpu|webgl2|webgpu`
 * starts at once; `#status` reads `step N/M ...` while training and contains
 * `done` when training ends. `window.lplDemo` holds what a test reads back.
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { DEFAULT_TRAIN_CONFIG } from '../src/lpl/config.js';
import { layerFigureSvg } from '../src/report/figure-svg.js';
import {
  CHOSEN_CONFIG_FIELDS,
  DEMO_BACKENDS,
  type DemoBackend,
  type DemoSettings,
  type FromWorker,
  type ReadoutMessage,
  type ToWorker,
  type ViewPair,
} from './protocol.js';

const $ = <T extends HTMLElement>(selector: string) => document.querySelector(selector) as T;
const status = $<HTMLParagraphElement>('#status');
const form = $<HTMLFormElement>('#settings');
const buttons = {
  start: $<HTMLButtonElement>('#start'),
  pause: $<HTMLButtonElement>('#pause'),
  stop: $<HTMLButtonElement>('#stop'),
  download: $<HTMLButtonElement>('#download'),
};

/** What a scripted test reads: the losses of every step, the backend, whether training ended. */
const demo = {
  losses: [] as number[],
  backend: '',
  done: false,
  error: null as string | null,
  readout: null as ReadoutMessage | null,
};
(window as unknown as { lplDemo: typeof demo }).lplDemo = demo;

const query = new URLSearchParams(location.search);
const backendSelect = form.elements.namedItem('backend') as HTMLSelectElement;
for (const b of DEMO_BACKENDS) backendSelect.add(new Option(b, b));
backendSelect.value = query.get('backend') ?? 'cpu';
// The form starts at the command line's defaults (src/lpl/config.ts): the page and `npm run train` agree.
for (const key of CHOSEN_CONFIG_FIELDS) {
  const input = form.elements.namedItem(key) as HTMLInputElement;
  const value = DEFAULT_TRAIN_CONFIG[key];
  if (typeof value === 'boolean') input.checked = value;
  else input.value = String(value);
}
for (const [key, value] of query) {
  const input = form.elements.namedItem(key) as HTMLInputElement | null;
  if (input && key !== 'backend') {
    if (input.type === 'checkbox') input.checked = value !== '0' && value !== 'false';
    else input.value = value;
  }
}

function settings(): DemoSettings {
  const v = (name: string) => form.elements.namedItem(name) as HTMLInputElement;
  const num = (name: string) => Number(v(name).value);
  const steps = query.get('steps');
  return {
    backend: backendSelect.value as DemoBackend,
    width: num('width'),
    batchSize: num('batchSize'),
    epochs: num('epochs'),
    warmupSteps: num('warmupSteps'),
    lambdaPred: num('lambdaPred'),
    lambdaHebb: num('lambdaHebb'),
    lambdaDecorr: num('lambdaDecorr'),
    usePred: v('usePred').checked,
    useHebb: v('useHebb').checked,
    useDecorr: v('useDecorr').checked,
    readout: v('readout').checked,
    seed: num('seed'),
    steps: steps === null ? null : Number(steps),
    dataUrl: new URL('fashion-mnist/', document.baseURI).href,
  };
}

// ------------------------------------------------------------------ plots

const LAYER_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f'];

/** A plot of one quantity, one line per layer, against the step. */
class LayerPlot {
  private readonly data: number[][];
  private readonly plot: uPlot;
  private pending = false;

  constructor(parent: HTMLElement, title: string, layers: number, log: boolean) {
    this.data = [[], ...Array.from({ length: layers }, () => [])];
    const series: uPlot.Series[] = [
      { label: 'step' },
      ...Array.from({ length: layers }, (_, k) => ({
        label: `${k + 1}`,
        stroke: LAYER_COLORS[k % 8],
        width: 1.2,
      })),
    ];
    this.plot = new uPlot(
      {
        title,
        width: 370,
        height: 210,
        series,
        scales: { x: { time: false }, y: log ? { distr: 3 } : {} },
        axes: [
          {},
          log
            ? { values: (_u, ticks) => ticks.map((v) => (v == null ? '' : v.toExponential(0))), size: 56 }
            : { size: 56 },
        ],
        legend: { show: true, live: false },
      },
      this.data as uPlot.AlignedData,
      parent,
    );
  }

  add(step: number, values: readonly (number | null)[]): void {
    this.data[0]!.push(step);
    values.forEach((v, k) => this.data[k + 1]!.push(v === null || !(v > 0 || v === 0) ? NaN : v));
    if (this.pending) return; // redraw at most once a frame
    this.pending = true;
    requestAnimationFrame(() => {
      this.pending = false;
      this.plot.setData(this.data as uPlot.AlignedData);
    });
  }
}

let plots: Record<string, LayerPlot> = {};
function makePlots(layers: number): void {
  const losses = $<HTMLDivElement>('#loss-plots');
  const diagnostics = $<HTMLDivElement>('#diagnostic-plots');
  losses.replaceChildren();
  diagnostics.replaceChildren();
  plots = {
    pred: new LayerPlot(losses, 'L_pred (predictive)', layers, true),
    hebb: new LayerPlot(losses, 'L_hebb (Hebbian)', layers, false),
    decorr: new LayerPlot(losses, 'L_decorr (decorrelation)', layers, true),
    variance: new LayerPlot(diagnostics, 'mean variance of the units', layers, true),
    pr: new LayerPlot(diagnostics, 'participation ratio', layers, false),
    dead: new LayerPlot(diagnostics, 'silent units (fraction)', layers, false),
  };
}

function showViews(pairs: readonly ViewPair[]): void {
  const box = $<HTMLDivElement>('#views');
  box.replaceChildren();
  // one column per image: view 1 above view 2
  for (const view of ['view1', 'view2'] as const) {
    for (const pair of pairs) {
      const canvas = document.createElement('canvas');
      canvas.width = pair.width;
      canvas.height = pair.height;
      const pixels = new Uint8ClampedArray(pair[view]);
      canvas.getContext('2d')!.putImageData(new ImageData(pixels, pair.width, pair.height), 0, 0);
      box.append(canvas);
    }
  }
}

function showReadout(m: Extract<FromWorker, { type: 'readout' }>): void {
  const svg = layerFigureSvg(
    [
      { name: 'LPL', accuracies: m.trained },
      { name: 'at initialisation', accuracies: m.initial },
    ],
    {
      title: `Linear readout: ${m.title}`,
      chance: 0.1,
      references: [{ name: 'raw pixels', value: m.pixels }],
      width: 560,
      height: 340,
    },
  );
  const note = `<p class="note">logistic regression on raw average-pooled features of ${m.trainImages} training images, tested on ${m.testImages} test images (the authors' protocol, smaller)</p>`;
  $<HTMLDivElement>('#readout').innerHTML = svg + note;
}

// ------------------------------------------------------------------ the worker

let worker: Worker | null = null;
let paused = false;

function setStatus(text: string, error = false): void {
  status.textContent = text;
  status.classList.toggle('error', error);
}

function handle(m: FromWorker): void {
  switch (m.type) {
    case 'status':
      setStatus(m.text);
      break;
    case 'ready':
      demo.backend = m.backend;
      $<HTMLParagraphElement>('#backend-line').textContent =
        `backend: ${m.backend}; ${m.images} images, ${m.stepsPerEpoch} steps an epoch, ${m.totalSteps} steps; channels ${m.channels.join(', ')}`;
      makePlots(m.channels.length);
      buttons.download.disabled = false;
      break;
    case 'step': {
      demo.losses.push(m.loss);
      const get = (key: 'pred' | 'hebb' | 'decorr') => m.layers.map((l) => (l ? l[key] : null));
      plots.pred?.add(m.done, get('pred'));
      plots.hebb?.add(m.done, get('hebb'));
      plots.decorr?.add(m.done, get('decorr'));
      if (!paused) {
        setStatus(
          `step ${m.done}/${m.totalSteps}, epoch ${m.epoch + 1}, loss ${m.loss.toFixed(4)}, lr ${m.lr.toExponential(2)}, ${m.imagesPerSecond.toFixed(1)} images/s`,
        );
      }
      break;
    }
    case 'diagnostics':
      plots.variance?.add(
        m.done,
        m.layers.map((l) => l.variance),
      );
      plots.pr?.add(
        m.done,
        m.layers.map((l) => l.participationRatio),
      );
      plots.dead?.add(
        m.done,
        m.layers.map((l) => l.deadFraction),
      );
      break;
    case 'views':
      showViews(m.pairs);
      break;
    case 'epoch':
      break; // the per-step plots already show the epoch; the readout follows
    case 'readout':
      demo.readout = m;
      showReadout(m);
      break;
    case 'checkpoint': {
      const url = URL.createObjectURL(new Blob([m.bytes], { type: 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = m.name;
      a.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      break;
    }
    case 'paused':
      setStatus(`${status.textContent} (paused)`);
      break;
    case 'resumed':
      break;
    case 'done':
      demo.done = true;
      setStatus(
        `done: ${m.done} steps${m.stopped ? ' (stopped)' : ''}, last loss ${m.losses.at(-1)?.toFixed(4) ?? '-'}`,
      );
      buttons.start.disabled = false;
      buttons.pause.disabled = true;
      buttons.stop.disabled = true;
      break;
    case 'error':
      demo.error = m.message;
      demo.done = true;
      setStatus(`error: ${m.message} (done)`, true);
      console.error(`training worker: ${m.message}`);
      buttons.start.disabled = false;
      buttons.pause.disabled = true;
      buttons.stop.disabled = true;
      break;
  }
}

function startWorker(): Worker {
  const w = new Worker(new URL('./train-worker.ts', import.meta.url), { type: 'module' });
  w.addEventListener('message', (e: MessageEvent<FromWorker>) => handle(e.data));
  w.addEventListener('error', (e) =>
    handle({ type: 'error', message: e.message || 'the training worker failed to start' }),
  );
  return w;
}
const post = (message: ToWorker, transfer: Transferable[] = []) => worker?.postMessage(message, transfer);

function start(): void {
  worker?.terminate();
  worker = startWorker();
  demo.losses = [];
  demo.done = false;
  demo.error = null;
  paused = false;
  buttons.start.disabled = true;
  buttons.pause.disabled = false;
  buttons.pause.textContent = 'Pause';
  buttons.stop.disabled = false;
  post({ type: 'start', settings: settings() });
}

buttons.start.addEventListener('click', start);
buttons.pause.addEventListener('click', () => {
  paused = !paused;
  buttons.pause.textContent = paused ? 'Resume' : 'Pause';
  post({ type: paused ? 'pause' : 'resume' });
});
buttons.stop.addEventListener('click', () => post({ type: 'stop' }));
buttons.download.addEventListener('click', () => post({ type: 'checkpoint' }));
$<HTMLInputElement>('#load').addEventListener('change', async (e) => {
  const file = (e.target as HTMLInputElement).files?.[0];
  if (!file) return;
  worker ??= startWorker();
  const bytes = await file.arrayBuffer();
  setStatus(`reading out ${file.name}`);
  post({ type: 'readout-checkpoint', bytes, name: file.name, dataUrl: settings().dataUrl }, [bytes]);
});

if (!crossOriginIsolated) {
  $<HTMLParagraphElement>('#backend-line').textContent =
    'this page is not cross-origin isolated: the cpu backend runs on one thread';
}
if (query.get('autostart') === '1') start();
