import { defineConfig } from 'vitest/config';
import { relaxedSimdNodeFlags } from './src/cli/relaunch.js';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One seed per run for every random test, printed and replayable with FC_SEED (tests/setup/seed.ts).
    globalSetup: ['tests/setup/global-seed.ts'],
    setupFiles: ['tests/setup/fast-check.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // relaxed SIMD in the test workers as in the commands, so the fused multiply-add GEMM is tested
    execArgv: relaxedSimdNodeFlags([]),
  },
});
