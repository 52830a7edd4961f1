import { it } from 'vitest';
import { initWebGpu } from '../../src/tensor/backends/webgpu.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { Rng } from '../../src/tensor/random.js';
import { copyToArray, viewOf } from '../../src/tensor/view.js';
const b0 = await initWebGpu();
it('t', async () => {
  const b = (await initWebGpu())!;
  const ref = new ReferenceBackend();
  const rng = new Rng(1);
  for (const [M, K, N] of [
    [1, 5, 1],
    [4, 1, 6],
    [16, 16, 16],
    [17, 33, 31],
    [33, 17, 63],
    [64, 64, 64],
    [65, 47, 129],
  ]) {
    const t0 = performance.now();
    const ha = viewOf(
      Float32Array.from({ length: M! * K! }, () => rng.uniform(-1, 1)),
      [M!, K!],
    );
    const hb = viewOf(
      Float32Array.from({ length: N! * K! }, () => rng.uniform(-1, 1)),
      [K!, N!],
    );
    const a = b.upload(copyToArray(ha), [M!, K!]);
    const c = b.upload(copyToArray(hb), [K!, N!]);
    const t1 = performance.now();
    const r = b.matmul(a, c);
    const t2 = performance.now();
    await b.read(r);
    const t3 = performance.now();
    ref.matmul(ha, hb);
    const t4 = performance.now();
    console.log(
      M,
      K,
      N,
      (t1 - t0).toFixed(0),
      (t2 - t1).toFixed(0),
      (t3 - t2).toFixed(0),
      (t4 - t3).toFixed(0),
    );
  }
}, 120000);
