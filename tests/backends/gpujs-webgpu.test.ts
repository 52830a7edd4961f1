/**
 * gpu.js 2.24.1's webgpu mode with the `webgpu` package that package.json
 * lifts over gpu.js's pinned 0.2.9 (`overrides`): kernels still compile and
 * run on the adapter here, and a pipeline result feeds a second kernel without
 * a host copy. (The webgpu backend writes WGSL itself: docs/PERFORMANCE.md.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GPU } from 'gpu.js';
import { closeWebGpu, webGpuForTests } from '../helpers/webgpu.js';

const hasAdapter = await webGpuForTests('gpu.js webgpu mode').then((b) => b !== null);
closeWebGpu(); // gpu.js acquires its own device below

describe.skipIf(!hasAdapter)('gpu.js webgpu mode on webgpu 0.6.2', () => {
  const g = globalThis as { navigator?: unknown };
  const hadNavigator = 'navigator' in g;
  let gpu: GPU | null = null;
  afterAll(async () => {
    gpu?.destroy();
    const context = (await import('gpu.js/src/backend/web-gpu/context.js' as string)) as {
      WebGPUContext: { destroy(): Promise<void> };
    };
    await context.WebGPUContext.destroy();
    if (!hadNavigator) delete g.navigator;
  });

  it('runs a kernel and chains a pipeline result into a second one', async () => {
    const dawn = (await import('webgpu')) as unknown as { create(o: string[]): unknown; globals: object };
    Object.assign(globalThis, dawn.globals);
    if (!hadNavigator) g.navigator = { gpu: dawn.create([]) };
    else Object.defineProperty(g.navigator, 'gpu', { value: dawn.create([]), configurable: true });
    gpu = new GPU({ mode: 'webgpu' });
    const double = gpu
      .createKernel(function (this: { thread: { x: number } }, a: number[]) {
        return a[this.thread.x]! * 2;
      })
      .setOutput([5])
      .setPipeline(true);
    const addOne = gpu
      .createKernel(function (this: { thread: { x: number } }, a: number[]) {
        return a[this.thread.x]! + 1;
      })
      .setOutput([5]);
    const mid = await (double([1, 2, 3, 4, 5]) as unknown as Promise<unknown>);
    const out = await (addOne(mid as number[]) as unknown as Promise<Float32Array>);
    expect(Array.from(out)).toEqual([3, 5, 7, 9, 11]);
  });
});
