/**
 * The WebGPU device for tests. Here (no GPU) Dawn gets an adapter from Mesa's
 * lavapipe when it is installed (scripts/install-lavapipe.sh; .ci/run installs
 * it). Without an adapter the webgpu tests skip with the reason printed, so
 * `npm test` passes anywhere, except under CI (CI set), where a missing
 * adapter fails: CI must never skip them.
 */
import {
  closeWebGpu,
  initWebGpu,
  webGpuUnavailableReason,
  type WebGpuBackend,
} from '../../src/tensor/backends/webgpu.js';

/** The backend, or null (after printing why) when the tests should skip. Throws under CI. */
export async function webGpuForTests(suite: string): Promise<WebGpuBackend | null> {
  const backend = await initWebGpu();
  if (backend) return backend;
  const reason = webGpuUnavailableReason();
  if (process.env.CI) throw new Error(`${suite}: no WebGPU adapter under CI: ${reason}`);
  console.warn(`${suite}: skipped: ${reason}`);
  return null;
}

export { closeWebGpu };
