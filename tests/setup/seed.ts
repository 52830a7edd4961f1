/**
 * The suite's one random seed. Every property test (fast-check) and every test
 * that draws at random takes its randomness from it, so a failure replays
 * exactly with `FC_SEED=<seed> npx vitest run <file>`.
 *
 * `FC_SEED` in the environment fixes it; otherwise a fresh one is drawn once per
 * run (by tests/setup/global-seed.ts) and printed before the first test.
 */

/** Parses FC_SEED: an integer in fast-check's seed range, or undefined when unset or empty. */
export function seedFromEnvironment(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const seed = Number(value);
  if (!Number.isSafeInteger(seed) || seed < -(2 ** 31) || seed >= 2 ** 32) {
    throw new Error(`FC_SEED must be an integer in [-2^31, 2^32), got '${value}'`);
  }
  return seed;
}

/** A fresh seed, printed so that the run can be replayed. */
export function freshSeed(): number {
  return Math.floor(Math.random() * 2 ** 31);
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's seed, shared by every test file (see tests/setup/seed.ts). */
    fcSeed: number;
  }
}
