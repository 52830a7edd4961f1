/** The run's seed (tests/setup/seed.ts), for tests that draw at random outside fast-check. */
import { inject } from 'vitest';

export function runSeed(): number {
  return inject('fcSeed');
}
