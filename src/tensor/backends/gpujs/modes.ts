/**
 * The execution modes of gpu.js 2.24.1, and whether each can run the gpujs
 * backend here. gpu.js translates a kernel function into:
 *
 *   cpu         plain JavaScript loops. Runs anywhere; the slowest.
 *   webasm      WebAssembly with f32x4 SIMD, one thread when called synchronously
 *               (its worker-pool threads engage only under the async contract).
 *   headlessgl  GLSL through the native `gl` package (an optional dependency that
 *               needs a native build, a GPU driver or Xvfb + Mesa, and a display).
 *   webgl, webgl2  GLSL in a browser canvas; absent in Node.
 *   webgpu      WGSL compute shaders; needs `navigator.gpu`, and every call returns
 *               a Promise.
 *
 * The Backend interface is synchronous, so only modes whose kernels return
 * their result synchronously are usable: webgpu never is.
 */
import { platform } from '#platform';

/** The gpu.js module, loaded on first use: loading it takes about 0.1 s, and most runs never need it. */
export function loadGpujs(): typeof import('gpu.js') {
  return platform.loadGpujs();
}

export type GpujsMode = 'cpu' | 'webasm' | 'headlessgl' | 'webgl' | 'webgl2' | 'webgpu';

/** Every mode gpu.js 2.24.1 has (besides its 'gpu'/'async' auto-selection and 'dev' debugging modes). */
export const GPUJS_MODES: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl', 'webgpu', 'webasm', 'cpu'];

/** The order in which the default mode is picked: the first usable one. */
export const GPUJS_MODE_PREFERENCE: readonly GpujsMode[] = ['headlessgl', 'webgl2', 'webgl', 'webasm', 'cpu'];

export interface ModeProbe {
  ok: boolean;
  /** One line saying why the mode is unavailable (absent when ok). */
  reason?: string;
}

export function isGpujsMode(name: string): name is GpujsMode {
  return (GPUJS_MODES as readonly string[]).includes(name);
}

/** Whether `mode` can run the gpujs backend in this process, and if not, why. */
export function probeMode(mode: string): ModeProbe {
  const { GPU } = loadGpujs();
  if (!isGpujsMode(mode)) {
    return { ok: false, reason: `unknown gpu.js mode '${mode}' (modes: ${GPUJS_MODES.join(', ')})` };
  }
  switch (mode) {
    case 'cpu':
      return { ok: true };
    case 'webasm':
      return GPU.isWebAssemblySupported
        ? { ok: true }
        : { ok: false, reason: 'this JavaScript engine has no WebAssembly' };
    case 'headlessgl':
      if (GPU.isHeadlessGLSupported) return { ok: true };
      return { ok: false, reason: headlessGlReason() };
    case 'webgl':
    case 'webgl2': {
      const supported = mode === 'webgl' ? GPU.isWebGLSupported : GPU.isWebGL2Supported;
      if (supported) return { ok: true };
      return {
        ok: false,
        reason: `${mode} needs a browser canvas (document or OffscreenCanvas), which Node does not have; in Node use headlessgl`,
      };
    }
    case 'webgpu':
      return {
        ok: false,
        reason:
          (GPU.isWebGPUSupported
            ? ''
            : 'no navigator.gpu (Node needs the `webgpu` package set up as navigator.gpu); ') +
          'webgpu kernels return Promises and the Backend interface is synchronous',
      };
  }
}

/**
 * The first usable mode in GPUJS_MODE_PREFERENCE ('cpu' always is), except
 * headlessgl on a software renderer (Mesa llvmpipe under Xvfb, SwiftShader):
 * that runs GLSL on the CPU, slower than webasm, so it is only used when asked for.
 */
export function bestMode(): GpujsMode {
  const renderer = headlessGlRenderer();
  const skip = renderer !== null && isSoftwareRenderer(renderer) ? ['headlessgl'] : [];
  return GPUJS_MODE_PREFERENCE.find((m) => !skip.includes(m) && probeMode(m).ok) ?? 'cpu';
}

/** Whether a WebGL renderer string names a CPU rasterizer rather than a GPU. */
export function isSoftwareRenderer(renderer: string): boolean {
  return /llvmpipe|softpipe|swiftshader|software|swrast/i.test(renderer);
}

/** The unmasked renderer of headless-gl's context ('ANGLE (..., llvmpipe ...)'), or null when unknown. */
export function headlessGlRenderer(): string | null {
  if (!probeMode('headlessgl').ok) return null;
  try {
    type GL = {
      getExtension(name: string): { UNMASKED_RENDERER_WEBGL: number } | null;
      getParameter(p: number): unknown;
    };
    const gl = (loadGpujs().HeadlessGLKernel as unknown as { testContext: GL | null }).testContext;
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    return gl && info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : null;
  } catch {
    return null;
  }
}

/** The modes usable here, best first. */
export function usableModes(): GpujsMode[] {
  return GPUJS_MODE_PREFERENCE.filter((m) => probeMode(m).ok);
}

/** Why headless-gl did not start: the package is missing, or it loaded but made no context. */
function headlessGlReason(): string {
  return platform.headlessGlProblem();
}
