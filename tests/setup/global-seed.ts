/**
 * Runs once per `vitest run`, before any test file: chooses the run's seed
 * (FC_SEED, or a fresh one), prints it and hands it to every test worker.
 */
import type { TestProject } from 'vitest/node';
import { freshSeed, seedFromEnvironment } from './seed.js';

export default function setup(project: TestProject): void {
  const given = seedFromEnvironment(process.env.FC_SEED);
  const seed = given ?? freshSeed();
  project.provide('fcSeed', seed);
  console.log(
    `random seed ${seed}${given === undefined ? ' (fresh)' : ' (FC_SEED)'}; replay a failure with FC_SEED=${seed} npx vitest run <file>`,
  );
}
