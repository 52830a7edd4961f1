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

/** navigator.gpu where it exists; in Node, the `webgpu` package's entry point. */
async function gpuEntryPoint(): Promise<GPU | string> {
  const nav = (globalThis as { navigator?: { gpu?: GPU } }).navigator;
  if (nav?.gpu) return nav.gpu;
  if (typeof process === 'undefined' || !process.versions?.node) return 'this browser has no navigator.gpu';
  try {
    const specifier = 'webgpu'; // a variable: bundlers for the browser leave this Node-only import alone
    const dawn = (await import(specifier)) as { create(options: string[]): GPU; globals: object };
    Object.assign(globalThis, dawn.globals); // GPUBufferUsage and the other WebGPU constants
    return dawn.create([]);
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
  // Dawn's entry point polls the device for finished work: it must live as long as the runtime.
  return { runtime: new WebGpuRuntime(device, name || 'unknown adapter', software, gpu) };
}
