/**
 * The WebGPU device's life in Node: a process that tried WebGPU and let it go
 * must survive garbage collection (webgpu 0.6 kills the process when Dawn's
 * entry point is collected; src/tensor/backends/webgpu/device.ts holds it), and
 * must exit on its own once the device is closed.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const tsxLoader = pathToFileURL(join(root, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;

describe('webgpu device lifetime in Node', () => {
  it('survives garbage collection after the device is closed, and exits on its own', () => {
    const child = spawnSync(
      process.execPath,
      ['--expose-gc', '--import', tsxLoader, join(import.meta.dirname, 'fixtures', 'webgpu-collect.ts')],
      { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const said = `${child.stdout}\n${child.stderr}`;
    if (child.stdout.startsWith('no adapter')) {
      if (process.env.CI) throw new Error(`no WebGPU adapter under CI: ${child.stdout}`);
      console.warn(`webgpu lifetime: skipped: ${child.stdout.trim()}`);
      return;
    }
    // a timeout (the process kept alive by Dawn) leaves signal SIGTERM; a crash leaves SIGSEGV or SIGABRT
    expect({ status: child.status, signal: child.signal, said }).toMatchObject({ status: 0, signal: null });
    expect(child.stdout).toContain('round 2: collected');
    expect(child.stdout).toContain('survived');
  });
});
