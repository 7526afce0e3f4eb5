import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process-level suites spawn real gateways, agents and brokers: keep files isolated.
    pool: 'forks',
  },
});
