/**
 * Where the system Chromium is, for puppeteer-core's `executablePath`. The headless
 * browser tests use the distribution's Chromium (`bash scripts/install-chromium.sh`),
 * never a browser that Puppeteer downloads itself.
 *
 * Looks, in order, at $CHROMIUM_PATH, at `chromium` and `chromium-browser` on PATH,
 * then at /usr/bin/chromium. A $CHROMIUM_PATH that is set but not an executable
 * file is an error rather than skipped, so that a mistyped path is not silently
 * replaced by another browser.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

const NAMES = ['chromium', 'chromium-browser'];
const FALLBACK = '/usr/bin/chromium';
const INSTALL_HINT = 'run `bash scripts/install-chromium.sh` (as root) to install it';

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function findChromium(): string {
  const fromEnv = process.env.CHROMIUM_PATH;
  if (fromEnv) {
    if (isExecutableFile(fromEnv)) return fromEnv;
    throw new Error(`CHROMIUM_PATH=${fromEnv} is not an executable file; unset it, or ${INSTALL_HINT}`);
  }
  // Empty PATH entries mean the current directory to a shell; a browser found there
  // would be an accident, so only absolute entries count.
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => isAbsolute(dir));
  for (const name of NAMES) {
    for (const dir of dirs) {
      const candidate = join(dir, name);
      if (isExecutableFile(candidate)) return candidate;
    }
  }
  if (isExecutableFile(FALLBACK)) return FALLBACK;
  throw new Error(
    `No Chromium found (looked at $CHROMIUM_PATH, ${NAMES.join(' and ')} on PATH, ${FALLBACK}); ${INSTALL_HINT}`,
  );
}
