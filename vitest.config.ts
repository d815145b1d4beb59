import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // One mock server for the run (inject('mockUrl')), always stopped at the end.
    globalSetup: ['test/mock/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core machines: a few forks, not one per file.
    pool: 'forks',
    maxWorkers: 2,
  },
});
