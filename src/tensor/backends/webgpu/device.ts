/**
 * Acquiring a WebGPU device: the browser's `navigator.gpu`, or in Node the npm
 * package `webgpu` (Dawn, prebuilt inside the package). Acquisition is the one
 * asynchronous step of the webgpu backend; everything after it dispatches
 * synchronously.
 *
 * On a machine without a GPU, Dawn finds Mesa's lavapipe (a Vulkan driver
 * that runs shaders on the CPU) when it is installed: scripts/install-lavapipe.sh.
 */
/// <reference types="@webgpu/types" />
import { WebGpuRuntime } from './runtime.js';

/** A device, or why there is none. */
export type Acquired = { runtime: WebGpuRuntime } | { runtime: null; reason: string };

/**
 * Dawn's entry point in Node, made once and held for the life of the process.
 * It must never be garbage-collected: webgpu 0.6's finalizer for it kills the
 * process (a segmentation fault, or "terminate called after throwing an
 * instance of 'std::system_error'") at whatever moment the collector runs it,
 * for example in the middle of training after `--backend auto` had tried
 * WebGPU and let it go. Holding it does not keep Node from exiting once its
 * devices are destroyed.
 */
let dawnEntryPoint: GPU | null = null;

/** navigator.gpu where it exists; in Node, the `webgpu` package's entry point. */
async function gpuEntryPoint(): Promise<GPU | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) return 'this browser has no navigator.gpu';
  if (dawnEntryPoint) return dawnEntryPoint;
  try {
    const specifier = ['web', 'gpu'].join(''); // 'webgpu', built at run time: a browser bundle leaves this Node-only import alone
    const dawn = (await import(/* @vite-ignore */ specifier)) as {
      create(options: string[]): GPU;
      globals: object;
    };
    Object.assign(globalThis, dawn.globals); // GPUBufferUsage and the other WebGPU constants
    dawnEntryPoint = dawn.create([]);
    return dawnEntryPoint;
  } catch (e) {
    return `the npm package 'webgpu' (Dawn) did not load: ${(e as Error).message.split('\n')[0]}`;
  }
}

/** Requests the adapter and a device with the adapter's largest buffer limits. */
export async function acquireDevice(): Promise<Acquired> {
  const gpu = await gpuEntryPoint();
  if (typeof gpu === 'string') return { runtime: null, reason: gpu };
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (!adapter) {
    return {
      runtime: null,
      reason:
        'WebGPU found no adapter (no GPU, and no software Vulkan driver: on Debian, scripts/install-lavapipe.sh installs one)',
    };
  }
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
      maxBufferSize: adapter.limits.maxBufferSize,
      maxStorageBuffersPerShaderStage: Math.min(adapter.limits.maxStorageBuffersPerShaderStage, 10),
    },
  });
  const info = adapter.info;
  const name = [info.vendor, info.architecture, info.device, info.description].filter((s) => s).join(' ');
  const software =
    info.architecture === 'software' ||
    /llvmpipe|lavapipe|swiftshader/i.test(`${info.description} ${info.device}`) ||
    (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter === true;
  device.addEventListener('uncapturederror', (e) => {
    console.error(`webgpu: ${(e as GPUUncapturedErrorEvent).error.message}`);
  });
  return { runtime: new WebGpuRuntime(device, name || 'unknown adapter', software) };
}
