/**
 * `npm run demo`: builds the page and serves it, cross-origin isolated, with
 * the bundled data beside it. (The page itself is tested in a real browser by
 * `npm run test:browser`.)
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/free-port.js';

const root = join(import.meta.dirname, '..', '..');

describe('npm run demo', () => {
  it('builds the page and serves it with COOP/COEP, the bundled data beside it', async () => {
    const port = await freePort();
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join('src', 'cli', 'demo.ts'), '--port', String(port)],
      {
        cwd: root,
        env: { ...process.env, LPL_NO_RELAUNCH: '1' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no URL printed within 120 s:\n${output}`)), 120_000);
        child.stdout.on('data', () => {
          const m = /LPL demo: (http\S+)/.exec(output);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
        child.once('exit', (code) => reject(new Error(`demo exited with ${code}:\n${output}`)));
      });
      expect(url).toBe(`http://localhost:${port}/`);
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(page.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      expect(await page.text()).toContain('Latent Predictive Learning');
      const classes = await fetch(new URL('fashion-mnist/classes.txt', url));
      expect(classes.status).toBe(200);
      expect((await classes.text()).split('\n')[0]).toBe('T-shirt/top');
      const images = await fetch(new URL('fashion-mnist/train-images-idx3-ubyte.gz', url));
      // the server may send the .gz file as it is or mark it Content-Encoding: gzip, which fetch inflates
      let bytes = new Uint8Array(await images.arrayBuffer());
      if (bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = new Uint8Array(gunzipSync(bytes));
      expect([...bytes.subarray(0, 4)]).toEqual([0, 0, 8, 3]); // an IDX file of unsigned bytes, 3 dimensions
    } finally {
      child.kill('SIGINT');
    }
  }, 180_000);

  it('refuses a port outside 1..65535', () => {
    return new Promise<void>((resolve) => {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', join('src', 'cli', 'demo.ts'), '--port', '70000'],
        {
          cwd: root,
          env: { ...process.env, LPL_NO_RELAUNCH: '1' },
        },
      );
      let err = '';
      child.stderr.on('data', (d) => (err += d));
      child.on('exit', (code) => {
        expect(code).toBe(2);
        expect(err).toContain('--port 70000');
        resolve();
      });
    });
  }, 60_000);
});
