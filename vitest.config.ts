import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores here: tfjs-wasm is single-threaded, so two forks keep both busy.
    pool: 'forks',
    maxWorkers: 2,
  },
});
