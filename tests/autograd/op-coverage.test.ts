/**
 * Every op registered with defineOp has a gradient test: a `describe('op <name>: gradient', ...)`
 * block in one of the test files of this folder. A new op without one fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { opTable } from '../../src/index.js';
import { aliasNames } from '../helpers/internal-ops.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Op names that have a gradient test block in this folder. */
function testedOps(): Set<string> {
  const names = new Set<string>();
  for (const file of readdirSync(here).filter((f) => f.endsWith('.test.ts'))) {
    const source = readFileSync(join(here, file), 'utf8');
    for (const m of source.matchAll(/describe\(\s*'op (\w+): gradient/g)) names.add(m[1]!);
  }
  return names;
}

const opsFolder = join(here, '../../src/autograd/ops');

describe('op coverage', () => {
  const tested = testedOps();
  let registered: string[] = [];
  beforeAll(async () => {
    // Load every op file, exported from the index or not yet.
    for (const file of readdirSync(opsFolder).filter((f) => f.endsWith('.ts'))) {
      await import(pathToFileURL(join(opsFolder, file)).href);
    }
    registered = [...opTable.keys()].filter((name) => !aliasNames.has(name));
  });

  it('finds the ops of the library', () => {
    expect(registered).toEqual(expect.arrayContaining(['add', 'matmul', 'conv2d', 'maxPool2d', 'sum']));
  });

  it('every registered op has a gradient test', () => {
    expect(registered.filter((name) => !tested.has(name))).toEqual([]);
  });

  it('every gradient test names a registered op', () => {
    expect([...tested].filter((name) => !opTable.has(name))).toEqual([]);
  });
});
