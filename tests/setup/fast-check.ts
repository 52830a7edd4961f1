/**
 * Runs in every test worker before its test file: every fast-check property of
 * the file starts from the run's seed (tests/setup/seed.ts). A failing property
 * reports that seed and the path of its shrunk counterexample.
 */
import fc from 'fast-check';
import { inject } from 'vitest';

fc.configureGlobal({ seed: inject('fcSeed') });
