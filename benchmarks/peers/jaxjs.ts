/**
 * jax-js as a peer: the same kernels at the same sizes on @jax-js/jax's
 * WebAssembly device, each a jit-compiled function of jax-js's own ops:
 *
 *   conv2d                 lax.conv(x, w, stride, padding)            (NCHW, OIHW, as ours)
 *   conv2dBackwardInput    the vjp of lax.conv in x, applied to ∂L/∂y
 *   conv2dBackwardWeight   the vjp of lax.conv in w, applied to ∂L/∂y
 *   matmul                 np.matmul(a, b)
 *
 * The gradients are what jax-js's autodiff derives for a convolution, the
 * kernels its grad() runs in training. Every call reads its result back
 * (dataSync), as our kernels return arrays.
 *
 * Threads: jax-js runs its Wasm kernels on a pool of Web Workers only where
 * the global `Worker` and SharedArrayBuffer both exist; Node has no global
 * Worker, so here it runs on one thread, and our cpu backend on every core:
 * per thread, our ratio to it is half as large on 2 cores.
 *
 * jax-js counts references: a function takes ownership of the arrays it is
 * given (`.ref` keeps one for later), and reading a result out consumes it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { defaultDevice, init, jit, lax, numpy as np, vjp } from '@jax-js/jax';
import type { HeavyKernel } from '../../src/tensor/backends/auto.js';
import { Rng } from '../../src/tensor/random.js';
import { sizeOf } from '../../src/tensor/shape.js';
import { convOut, type BenchLayer } from '../shapes.js';
import type { PeerCall } from './tfjs.js';

export const JAXJS_PEER = 'jax-js-wasm';

let ready: string | null = null;

/** Starts jax-js's wasm device and makes it the default; returns a one-line description. */
export async function useJaxjs(): Promise<string> {
  if (ready) return ready;
  const devices = await init('wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (devices: ${devices.join(', ')})`);
  defaultDevice('wasm');
  // the package exports no package.json: read it beside its entry point (dist/)
  const entry = createRequire(import.meta.url).resolve('@jax-js/jax');
  const { version } = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as {
    version: string;
  };
  const threaded = typeof (globalThis as { Worker?: unknown }).Worker !== 'undefined';
  ready = `jax-js ${version}: wasm device, jit, ${threaded ? 'Web Worker threads' : '1 thread (Node has no global Worker)'}`;
  return ready;
}

/** The operand shapes of `kernel` at `layer`, in the order jaxjsKernel takes them. */
export function operandShapes(kernel: HeavyKernel, layer: BenchLayer): number[][] {
  if (layer.kind === 'matmul') return [layer.a, layer.b];
  const [N, , H, W] = layer.x;
  const [O, , KH, KW] = layer.w;
  const { stride, padding } = layer.p;
  const gyShape = [N, O, convOut(H, KH, stride[0], padding[0]), convOut(W, KW, stride[1], padding[1])];
  return kernel === 'conv2d' ? [layer.x, layer.w] : [layer.x, layer.w, gyShape];
}

/**
 * `kernel` at `layer` as a jit-compiled jax-js function of its operands
 * (operandShapes order: a, b; or x, w and for the gradients ∂L/∂y).
 */
export function jaxjsKernel(kernel: HeavyKernel, layer: BenchLayer): (...operands: np.Array[]) => np.Array {
  if (layer.kind === 'matmul') {
    if (kernel !== 'matmul') throw new Error(`jaxjsKernel: ${kernel} of a matmul layer`);
    return jit((a: np.Array, b: np.Array) => np.matmul(a, b));
  }
  const { stride, padding } = layer.p;
  const pad: [number, number][] = [
    [padding[0], padding[0]],
    [padding[1], padding[1]],
  ];
  const strides = [stride[0], stride[1]];
  const conv = (x: np.Array, w: np.Array): np.Array => lax.conv(x, w, strides, pad);
  if (kernel === 'conv2d') return jit(conv);
  if (kernel === 'conv2dBackwardWeight') {
    return jit((x: np.Array, w: np.Array, gy: np.Array) => {
      const [, back] = vjp((w: np.Array) => conv(x, w), [w]);
      return back(gy)[0]!;
    });
  }
  if (kernel === 'conv2dBackwardInput') {
    return jit((x: np.Array, w: np.Array, gy: np.Array) => {
      const [, back] = vjp((x: np.Array) => conv(x, w), [x]);
      return back(gy)[0]!;
    });
  }
  throw new Error(`jaxjsKernel: ${kernel} of a conv layer`);
}

/** `kernel` at `layer` on the given operand values, read back (call useJaxjs first). */
export function jaxjsCompute(kernel: HeavyKernel, layer: BenchLayer, operands: Float32Array[]): Float32Array {
  const shapes = operandShapes(kernel, layer);
  const arrays = operands.map((data, i) => np.array(data).reshape(shapes[i]!));
  return jaxjsKernel(kernel, layer)(...arrays).dataSync() as Float32Array;
}

/** The call of `kernel` for `layer` on jax-js's wasm device, with random inputs (call useJaxjs first). */
export function jaxjsCall(kernel: HeavyKernel, layer: BenchLayer): PeerCall {
  const rng = new Rng(1);
  const operands = operandShapes(kernel, layer).map((shape) => {
    const data = new Float32Array(sizeOf(shape));
    for (let i = 0; i < data.length; i++) data[i] = rng.uniform(-1, 1);
    return np.array(data).reshape(shape);
  });
  const f = jaxjsKernel(kernel, layer);
  return {
    run: () => void f(...operands.map((a) => a.ref)).dataSync(),
    dispose: () => operands.forEach((a) => a.dispose()),
  };
}
