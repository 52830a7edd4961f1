/** The run's seed: parsed from FC_SEED, given to fast-check, and the same in every file. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { runSeed } from './helpers/seed.js';
import { seedFromEnvironment } from './setup/seed.js';

describe('the run seed', () => {
  it('FC_SEED parses to an integer, unset or empty means a fresh seed, anything else is an error naming it', () => {
    expect(seedFromEnvironment('1796842280')).toBe(1796842280);
    expect(seedFromEnvironment(' 7 ')).toBe(7);
    expect(seedFromEnvironment('-3')).toBe(-3);
    expect(seedFromEnvironment(undefined)).toBeUndefined();
    expect(seedFromEnvironment('')).toBeUndefined();
    for (const bad of ['abc', '1.5', '1e20', String(2 ** 32)]) {
      expect(() => seedFromEnvironment(bad)).toThrow(new RegExp(`FC_SEED.*'${bad.replace('.', '\\.')}'`));
    }
  });

  it('is fast-check global seed, so a property replays exactly', () => {
    expect(fc.readConfigureGlobal().seed).toBe(runSeed());
    if (process.env.FC_SEED) expect(runSeed()).toBe(Number(process.env.FC_SEED));
    const draws = (): number[] => fc.sample(fc.integer(), { numRuns: 5 });
    expect(draws()).toEqual(draws());
  });
});
