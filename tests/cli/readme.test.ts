/** The README is the front door: every flag each command accepts is documented there. */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

describe('README', () => {
  for (const command of ['train', 'probe', 'figure', 'demo']) {
    it(`documents every flag of npm run ${command}`, () => {
      const help = spawnSync(
        process.execPath,
        ['--import', 'tsx', join('src', 'cli', `${command}.ts`), '--help'],
        {
          cwd: root,
          encoding: 'utf8',
          env: { ...process.env, LPL_NO_RELAUNCH: '1' },
        },
      );
      expect(help.status, help.stderr).toBe(0);
      const flags = [...help.stdout.matchAll(/^\s+(--[a-z-]+)/gm)].map((m) => m[1]!);
      expect(flags.length).toBeGreaterThan(2);
      for (const flag of flags) expect(readme, `${command} ${flag}`).toContain(flag);
    });
  }
  it('names the set-up and every command', () => {
    for (const text of [
      'npm ci',
      'npm test',
      'npm run train',
      'npm run probe -- --avgpool',
      'npm run bench',
      'npm run figure',
      'npm run demo',
      'npm run test:browser',
    ]) {
      expect(readme).toContain(text);
    }
  });
});
