/**
 * The messages between the page (demo/main.ts) and its training worker
 * (demo/train-worker.ts). Everything the worker sends is plain data.
 */
import type { TrainConfig } from '../src/lpl/config.js';

/** The backends the page offers: the cpu kernels (WebAssembly SIMD), gpu.js in WebGL2, WebGPU. */
export type DemoBackend = 'cpu' | 'webgl2' | 'webgpu';
export const DEMO_BACKENDS: readonly DemoBackend[] = ['cpu', 'webgl2', 'webgpu'];

/** The training settings the page lets the reader choose; the rest of the configuration is DEFAULT_TRAIN_CONFIG's. */
export const CHOSEN_CONFIG_FIELDS = [
  'width',
  'batchSize',
  'epochs',
  'warmupSteps',
  'lambdaPred',
  'lambdaHebb',
  'lambdaDecorr',
  'usePred',
  'useHebb',
  'useDecorr',
  'seed',
] as const satisfies readonly (keyof TrainConfig)[];

/** What the reader chose: those settings, the backend and what the page does around training. */
export interface DemoSettings extends Pick<TrainConfig, (typeof CHOSEN_CONFIG_FIELDS)[number]> {
  backend: DemoBackend;
  /** Stop after this many steps (null: train every epoch). */
  steps: number | null;
  /** Linear readout per layer after each epoch. */
  readout: boolean;
  /** Where the bundled Fashion-MNIST files are served (an absolute URL ending in '/'). */
  dataUrl: string;
}

export type ToWorker =
  | { type: 'start'; settings: DemoSettings }
  | { type: 'pause' }
  | { type: 'resume' }
  | { type: 'stop' }
  | { type: 'checkpoint' }
  | { type: 'readout-checkpoint'; bytes: ArrayBuffer; name: string; dataUrl: string };

export interface StepLayer {
  pred: number;
  hebb: number;
  decorr: number;
}

export interface EpochLayerMessage {
  layer: number;
  channels: number;
  pred?: number;
  hebb?: number;
  decorr?: number;
  variance?: number;
  participationRatio?: number;
  deadFraction?: number;
}

/** A view pair as RGBA pixels (0..255) for an ImageData. */
export interface ViewPair {
  width: number;
  height: number;
  view1: Uint8ClampedArray;
  view2: Uint8ClampedArray;
}

export interface ReadoutMessage {
  /** Accuracy per layer on the held-out images, trained and at initialisation. */
  trained: number[];
  initial: number[];
  pixels: number;
  trainImages: number;
  testImages: number;
  title: string;
}

export type FromWorker =
  | { type: 'status'; text: string }
  | {
      type: 'ready';
      backend: string;
      channels: number[];
      stepsPerEpoch: number;
      totalSteps: number;
      images: number;
    }
  | {
      type: 'step';
      /** Steps done so far (1-based count), out of totalSteps. */
      done: number;
      totalSteps: number;
      epoch: number;
      lr: number;
      loss: number;
      layers: (StepLayer | null)[];
      imagesPerSecond: number;
    }
  | { type: 'views'; pairs: ViewPair[] }
  | {
      type: 'diagnostics';
      done: number;
      layers: { variance: number; participationRatio: number; deadFraction: number }[];
    }
  | { type: 'epoch'; epoch: number; seconds: number; imagesPerSecond: number; layers: EpochLayerMessage[] }
  | ({ type: 'readout' } & ReadoutMessage)
  | { type: 'checkpoint'; bytes: ArrayBuffer; name: string }
  | { type: 'paused' }
  | { type: 'resumed' }
  | { type: 'done'; done: number; stopped: boolean; losses: number[] }
  | { type: 'error'; message: string };
