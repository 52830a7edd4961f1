/**
 * `npm run demo`: builds the demo page (demo/) with Vite into dist/demo and
 * serves it on localhost, cross-origin isolated, until Ctrl-C.
 */
import { fileURLToPath } from 'node:url';
import { build, preview } from 'vite';
import { CliError, helpText, parseFlags, runCommand, type FlagSpec } from './flags.js';

const FLAGS: FlagSpec[] = [
  { name: 'port', type: 'int', metavar: 'P', default: 5173, help: 'port to serve the page on' },
  {
    name: 'host',
    type: 'string',
    metavar: 'HOST',
    default: 'localhost',
    help: 'address to serve on (0.0.0.0: every interface)',
  },
  { name: 'no-build', type: 'boolean', help: 'serve the last build in dist/demo without building again' },
];

const SUMMARY =
  'Builds the demo page and serves it: LPL trains in the browser on the bundled Fashion-MNIST subset, live.\n' +
  'Query flags of the page: ?autostart=1&steps=N&backend=cpu|webgl2|webgpu (and any setting, e.g. &width=0.125).';

export const DEMO_CONFIG = fileURLToPath(new URL('../../demo/vite.config.ts', import.meta.url));

/** Builds the page into dist/demo (quietly: Vite's warnings only). */
export async function buildDemo(): Promise<void> {
  await build({ configFile: DEMO_CONFIG, logLevel: 'warn' });
}

/** Serves dist/demo on host:port; resolves with the page's URL and a function that stops the server. */
export async function serveDemo(
  host: string,
  port: number,
): Promise<{ url: string; close: () => Promise<void> }> {
  const server = await preview({
    configFile: DEMO_CONFIG,
    preview: { host, port, strictPort: true, open: false },
  });
  const url = server.resolvedUrls?.local[0] ?? `http://${host}:${port}/`;
  return { url, close: () => server.close() };
}

async function main(): Promise<void> {
  const f = parseFlags('demo', FLAGS, process.argv.slice(2));
  if (f.help) {
    process.stdout.write(helpText('demo', SUMMARY, FLAGS));
    return;
  }
  const port = f.port as number;
  if (port < 1 || port > 65535) throw new CliError(`--port ${port}: give a port from 1 to 65535`);
  if (!f['no-build']) {
    console.log('building the page (demo/ → dist/demo) ...');
    await buildDemo();
  }
  let served: { url: string };
  try {
    served = await serveDemo(f.host as string, port);
  } catch (e) {
    const message = (e as Error).message;
    if (/in use/i.test(message)) throw new CliError(`--port ${port} is in use: choose another with --port P`);
    throw e;
  }
  console.log(`LPL demo: ${served.url}`);
  console.log('open it in a browser; Ctrl-C stops the server');
  await new Promise(() => undefined); // serve until interrupted
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) void runCommand('demo', main);
