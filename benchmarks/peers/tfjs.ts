/**
 * TensorFlow.js as a peer: the same kernels at the same sizes in
 * @tensorflow/tfjs-backend-cpu (plain JavaScript) and
 * @tensorflow/tfjs-backend-wasm (XNNPACK, WebAssembly SIMD).
 *
 * tfjs lays images out NHWC and filters HWIO, so the same [N,C,H,W] layer
 * is run as x [N,H,W,C], w [KH,KW,C,O]: equal work, tfjs's native layout.
 * Every call reads its result back (dataSync), as our kernels return arrays.
 *
 * The gradients are tfjs's own kernels, called by name: Conv2DBackpropInput
 * (∂L/∂x) and Conv2DBackpropFilter (∂L/∂w), the two that tf.grad of tf.conv2d
 * runs (tfjs-core's Conv2D gradient). A kernel a backend lacks is reported
 * "n/a": tfjs-backend-wasm has no Conv2DBackpropFilter, so tf.grad through a
 * convolution fails there, and tfjs-wasm cannot train a CNN.
 *
 * Threads: tfjs-wasm turns its threaded build off under Node (the flag
 * WASM_HAS_MULTITHREAD_SUPPORT is false when IS_NODE), because its pthread
 * workers are Blob URLs, which Node's Worker cannot load; so tfjs-wasm runs on
 * one thread here.
 */
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { HeavyKernel } from '../../src/tensor/backends/auto.js';
import { vgg11ConvLayers, type BenchLayer, type ModelConfig } from '../shapes.js';

export const TFJS_PEERS = ['tfjs-cpu', 'tfjs-wasm'] as const;
export type TfjsPeer = (typeof TFJS_PEERS)[number];

/** A prepared kernel call: run it (result read back and freed), then free its inputs. */
export interface PeerCall {
  run(): void;
  dispose(): void;
}

let wasmPathSet = false;

/** Makes `peer` the active tfjs backend; returns a one-line description (SIMD, threads). */
export async function useTfjs(peer: TfjsPeer): Promise<string> {
  if (peer === 'tfjs-wasm' && !wasmPathSet) {
    // The .wasm binaries ship in the package's dist/ folder.
    const require = createRequire(import.meta.url);
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
    wasmPathSet = true;
  }
  const name = peer === 'tfjs-cpu' ? 'cpu' : 'wasm';
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend '${name}' did not initialize`);
  if (peer === 'tfjs-cpu') return 'tfjs-backend-cpu 4.22.0: plain JavaScript, 1 thread';
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  return `tfjs-backend-wasm 4.22.0: SIMD ${simd ? 'on' : 'off'}, threads ${threads ? 'on' : 'off (disabled by tfjs under Node)'}`;
}

/** The tfjs kernel (by registry name) each of our kernels is compared with. */
const TFJS_KERNEL: Record<HeavyKernel, string> = {
  matmul: 'BatchMatMul',
  conv2d: 'Conv2D',
  conv2dBackwardInput: 'Conv2DBackpropInput',
  conv2dBackwardWeight: 'Conv2DBackpropFilter',
};

/** Why `kernel` cannot run on the active tfjs backend, or null when it can. */
export function tfjsUnavailable(kernel: HeavyKernel): string | null {
  const name = TFJS_KERNEL[kernel];
  const backend = tf.getBackend();
  return tf.getKernel(name, backend) ? null : `Kernel '${name}' not registered for backend '${backend}'`;
}

/** The call of `kernel` for `layer` on the active tfjs backend, with random inputs. */
export function tfjsCall(kernel: HeavyKernel, layer: BenchLayer): PeerCall {
  const inputs: tf.Tensor[] = [];
  const random = (shape: number[]): tf.Tensor => {
    const t = tf.randomUniform(shape, -1, 1, 'float32');
    inputs.push(t);
    return t;
  };
  let op: () => tf.Tensor;
  if (layer.kind === 'matmul') {
    if (kernel !== 'matmul') throw new Error(`tfjsCall: ${kernel} of a matmul layer`);
    const [a, b] = [random(layer.a), random(layer.b)];
    op = () => tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D);
  } else {
    const [N, C, H, W] = layer.x;
    const [O, , KH, KW] = layer.w;
    const [sh, sw] = layer.p.stride;
    const [ph, pw] = layer.p.padding;
    const pad: tf.backend_util.ExplicitPadding = [
      [0, 0],
      [ph, ph],
      [pw, pw],
      [0, 0],
    ];
    const OH = Math.floor((H + 2 * ph - KH) / sh) + 1;
    const OW = Math.floor((W + 2 * pw - KW) / sw) + 1;
    const attrs = { strides: [sh, sw], pad, dataFormat: 'NHWC', dimRoundingMode: undefined };
    const x = random([N, H, W, C]) as tf.Tensor4D;
    const w = random([KH, KW, C, O]) as tf.Tensor4D;
    const dy = random([N, OH, OW, O]) as tf.Tensor4D;
    const runKernel = (name: string, ins: tf.NamedTensorMap, extra: object): tf.Tensor =>
      tf.engine().runKernel(name, ins, { ...attrs, ...extra } as unknown as tf.NamedAttrMap) as tf.Tensor;
    if (kernel === 'conv2d') op = () => tf.conv2d(x, w, [sh, sw], pad);
    else if (kernel === 'conv2dBackwardInput')
      op = () => runKernel('Conv2DBackpropInput', { dy, filter: w }, { inputShape: [N, H, W, C] });
    else if (kernel === 'conv2dBackwardWeight')
      op = () => runKernel('Conv2DBackpropFilter', { x, dy }, { filterShape: [KH, KW, C, O] });
    else throw new Error(`tfjsCall: ${kernel} of a conv layer`);
  }
  return {
    run: () => {
      const y = op();
      y.dataSync();
      y.dispose();
    },
    dispose: () => inputs.forEach((t) => t.dispose()),
  };
}

/** tfjs's time for the convolutions of one LPL training step (see tfjsStepConvolutions). */
export interface PeerStepResult {
  peer: TfjsPeer;
  config: string;
  /** Images (views) per convolution call actually timed. */
  timedImages: number;
  /** Milliseconds per image pair (two views) for the 8 conv forwards and weight gradients. */
  msPerPair: number;
  /** Image pairs per second if the step did nothing but these convolutions: an upper bound. */
  imagesPerSecond: number;
}

/**
 * The convolutions one layer-local LPL training step runs, on the active tfjs
 * backend: for each of VGG-11's 8 conv layers, the forward pass (Conv2D) and
 * the weight gradient (Conv2DBackpropFilter) over both views. A block's input
 * is detached, so there is no input gradient, as in our step. Each call is
 * timed at `images` views and the sum scaled per image pair: both kernels
 * are linear in the batch. A call of over a second is timed once (tfjs-cpu's
 * weight gradient takes seconds even for 2 images, and JIT warm-up is
 * negligible at that length); a shorter one is warmed up and timed `reps`
 * times (the median). Everything else the step does
 * (ReLU, pooling, the losses, Adam) is left out, so this is a lower bound of
 * tfjs's step time, and the images/s an upper bound.
 */
export function tfjsStepConvolutions(
  peer: TfjsPeer,
  config: ModelConfig,
  images: number,
  reps = 3,
): PeerStepResult {
  let ms = 0;
  for (const layer of vgg11ConvLayers(config, images)) {
    for (const kernel of ['conv2d', 'conv2dBackwardWeight'] as const) {
      const call = tfjsCall(kernel, layer);
      const timed = (): number => {
        const start = performance.now();
        call.run();
        return performance.now() - start;
      };
      const first = timed();
      const times = first > 1000 ? [first] : Array.from({ length: reps }, timed);
      call.dispose();
      ms += times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
    }
  }
  const msPerPair = (2 * ms) / images;
  return { peer, config: config.name, timedImages: images, msPerPair, imagesPerSecond: 1000 / msPerPair };
}
