import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Process-level suites spawn real gateways, agents and brokers: keep files isolated.
    pool: 'forks',
    setupFiles: ['test/support/cleanup.ts'],
    // Scans what every spawned gateway and agent wrote for secrets once all files have run.
    globalSetup: ['test/support/log-scan.ts'],
    // In CI also write JSON, from which .ci/run prints a plain "N passed, N failed" line.
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results.json' }]] : ['default'],
  },
});
