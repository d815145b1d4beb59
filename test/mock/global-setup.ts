/**
 * Vitest global setup: one mock for the whole run on a free 127.0.0.1 port, handed to the tests as
 * inject('mockUrl'), and always closed when the run ends (the returned teardown).
 */
import type { TestProject } from 'vitest/node';
import { startMock } from '../../src/mock/index.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Base URL of the suite's mock, e.g. http://127.0.0.1:41234. */
    mockUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mock = await startMock({ port: 0 });
  project.provide('mockUrl', mock.url);
  return () => mock.close();
}
