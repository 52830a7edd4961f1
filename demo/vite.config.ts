/**
 * Vite builds and serves the demo page (npm run demo). The page is served
 * cross-origin isolated (COOP + COEP), so that the cpu backend's threads can
 * share memory; the bundled data set is served from data/ as plain files.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: here('../data'),
  // not minified: gpu.js compiles its kernels from their JavaScript source, which a minifier rewrites past its parser
  build: { outDir: here('../dist/demo'), emptyOutDir: true, target: 'es2022', minify: false },
  worker: { format: 'es' },
  esbuild: { target: 'es2022' },
  server: { headers: isolation, strictPort: true },
  preview: { headers: isolation, strictPort: true },
  logLevel: 'warn',
});
