/**
 * The platform seam (src/platform): the library's core reaches Node only
 * through '#platform', so that a browser bundle of it needs nothing else.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { platform } from '#platform';

const root = join(import.meta.dirname, '..');
const NODE_BUILTINS = /from\s+'(node:[^']+|fs|os|path|url|zlib|module|worker_threads|child_process)'/;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return /\.(ts|mjs)$/.test(name) ? [path] : [];
  });
}

describe('platform seam', () => {
  it('no file of src/tensor, src/autograd, src/nn or src/lpl imports a Node module', () => {
    const offenders = ['tensor', 'autograd', 'nn', 'lpl']
      .flatMap((folder) => sources(join(root, 'src', folder)))
      .filter((file) => NODE_BUILTINS.test(readFileSync(file, 'utf8')))
      .map((file) => relative(root, file));
    expect(offenders).toEqual([]);
  });

  it("resolves to Node's implementation under Node", () => {
    expect(platform.name).toBe('node');
    expect(platform.cores()).toBeGreaterThanOrEqual(1);
    expect(platform.sharedMemory()).toBe(true);
    expect(platform.files.join('a', 'b')).toBe(join('a', 'b'));
  });
});
