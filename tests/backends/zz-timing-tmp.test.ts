import { it } from 'vitest';
import { initWebGpu } from '../../src/tensor/backends/webgpu.js';
it("t", async () => {
  const b = (await initWebGpu())!;
  for (const [M, K, N] of [[64, 64, 64], [33, 17, 63]]) {
    const a = b.upload(new Float32Array(M! * K!).fill(1), [M!, K!]);
    const c = b.upload(new Float32Array(N! * K!).fill(1), [K!, N!]);
    const t1 = performance.now();
    const r = b.matmul(a, c);
    const v = await b.read(r);
    console.log(M, K, N, (performance.now() - t1).toFixed(0), v[0]);
  }
}, 120000);
