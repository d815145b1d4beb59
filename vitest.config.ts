import { configDefaults, defineConfig } from 'vitest/config';

/**
 * Three projects, so that a run starts only what its tests use (`npm test` runs all three; `--project NAME` one):
 * - fast: the unit, contract and property tests: no mock, no Chromium, no packing (`npm run test:fast`).
 * - mock: the folders whose tests talk to the suite's one mock (inject('mockUrl')), started by the global setup on a
 *   free 127.0.0.1 port and always stopped at the end, and the property tests that send their cases to a mock.
 *   Vitest runs a project's global setup only when one of its files runs: `npx vitest run test/proxy` or
 *   `--project fast` never starts it.
 * - standalone: every other folder (the commands, docs, proxy, spec diff), whose tests start what they need themselves.
 */
const folders = (...names: string[]) => names.map((name) => `test/${name}/**/*.test.ts`);
const fast = folders('unit', 'contract', 'property');
const sentToTheMock = ['test/property/mock-conformance.test.ts'];
const withMock = [...folders('browser', 'client', 'mock', 'msw', 'package', 'workflows'), ...sentToTheMock];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // 2-core machines: a few forks, not one per file.
    pool: 'forks',
    maxWorkers: 2,
    projects: [
      { extends: true, test: { name: 'fast', include: fast, exclude: [...configDefaults.exclude, ...sentToTheMock] } },
      { extends: true, test: { name: 'mock', include: withMock, globalSetup: ['test/mock/global-setup.ts'] } },
      {
        extends: true,
        test: {
          name: 'standalone',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...fast, ...withMock],
        },
      },
    ],
  },
});
