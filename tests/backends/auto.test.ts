/** chooseBackends: times candidates per kernel, runs each kernel on the fastest, caches the choice. */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Rng, randUniform } from '../../src/index.js';
import { chooseBackends, type LayerShape } from '../../src/tensor/backends/auto.js';
import { ReferenceBackend } from '../../src/tensor/backends/reference.js';
import { copyToArray } from '../../src/tensor/view.js';

function busyWait(ms: number): void {
  const start = performance.now();
  while (performance.now() - start < ms);
}

/** A reference backend under another name, slowed down on some kernels, counting heavy calls. */
class Slowed extends ReferenceBackend {
  calls = 0;
  constructor(
    override readonly name: string,
    private readonly slow: readonly string[],
  ) {
    super();
  }
  private delay(kernel: string): void {
    this.calls++;
    // 40 ms: far above the reference kernels' time here even when a busy machine preempts them (10 ms was not)
    if (this.slow.includes(kernel)) busyWait(40);
  }
  override matmul(...args: Parameters<ReferenceBackend['matmul']>) {
    this.delay('matmul');
    return super.matmul(...args);
  }
  override conv2d(...args: Parameters<ReferenceBackend['conv2d']>) {
    this.delay('conv2d');
    return super.conv2d(...args);
  }
  override conv2dBackwardInput(...args: Parameters<ReferenceBackend['conv2dBackwardInput']>) {
    this.delay('conv2dBackwardInput');
    return super.conv2dBackwardInput(...args);
  }
  override conv2dBackwardWeight(...args: Parameters<ReferenceBackend['conv2dBackwardWeight']>) {
    this.delay('conv2dBackwardWeight');
    return super.conv2dBackwardWeight(...args);
  }
}

const layers: LayerShape[] = [
  { kind: 'conv2d', x: [64, 2, 5, 5], w: [3, 2, 3, 3], p: { stride: [1, 1], padding: [1, 1] } },
  { kind: 'matmul', a: [4, 6], b: [6, 3] },
];
const dir = mkdtempSync(join(tmpdir(), 'auto-backend-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chooseBackends', () => {
  it('picks the fastest candidate per kernel and delegates to it', () => {
    const a = new Slowed('a', ['matmul', 'conv2dBackwardWeight']);
    const b = new Slowed('b', ['conv2d', 'conv2dBackwardInput']);
    const auto = chooseBackends(layers, [a, b], { repeats: 2 });
    expect(auto.fromCache).toBe(false);
    const chosen = Object.fromEntries(auto.choices.map((c) => [c.kernel, c.backend]));
    expect(chosen).toEqual({ matmul: 'b', conv2d: 'a', conv2dBackwardInput: 'a', conv2dBackwardWeight: 'b' });
    expect(auto.summary).toMatch(/matmul\s+-> b/);

    const rng = new Rng(1);
    const [x, y] = [randUniform([2, 3], rng).hostView(), randUniform([3, 2], rng).hostView()];
    const before = { a: a.calls, b: b.calls };
    const out = auto.backend.matmul(x, y);
    expect(Array.from(copyToArray(out))).toEqual(Array.from(new ReferenceBackend().matmul(x, y).data));
    expect([a.calls - before.a, b.calls - before.b]).toEqual([0, 1]);
    expect(auto.backend.base).toBe(a); // everything else runs on the first candidate
  });

  it('caps the batch while timing', () => {
    const seen: number[] = [];
    const probe = new (class extends Slowed {
      override conv2d(...args: Parameters<ReferenceBackend['conv2d']>) {
        seen.push(args[0].shape[0]!);
        return super.conv2d(...args);
      }
    })('probe', []);
    chooseBackends(layers, [probe], { maxBatch: 5, repeats: 1 });
    expect(seen.length).toBeGreaterThan(0);
    expect(new Set(seen)).toEqual(new Set([5]));
  });

  it('reuses a cached choice without timing again', () => {
    const file = join(dir, 'choice.json');
    const first = chooseBackends(layers, [new Slowed('a', ['matmul']), new Slowed('b', [])], {
      cacheFile: file,
      repeats: 1,
    });
    expect(first.fromCache).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toHaveLength(1);

    const a = new Slowed('a', []);
    const b = new Slowed('b', []);
    const second = chooseBackends(layers, [a, b], { cacheFile: file });
    expect(second.fromCache).toBe(true);
    expect(second.choices).toEqual(first.choices);
    expect(a.calls + b.calls).toBe(0);

    // Other shapes are another entry of the same file.
    const third = chooseBackends([layers[1]!], [a, b], { cacheFile: file, repeats: 1 });
    expect(third.fromCache).toBe(false);
    expect(Object.keys(JSON.parse(readFileSync(file, 'utf8')) as object)).toHaveLength(2);
  });

  it('rejects an empty or ambiguous candidate list', () => {
    expect(() => chooseBackends(layers, [])).toThrow(/no candidate/);
    expect(() => chooseBackends(layers, [new Slowed('a', []), new Slowed('a', [])])).toThrow(/duplicate/);
  });
});
