/** startMock({ docsDir }) serves the built API reference at /docs and /docs/, and nothing outside that directory. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMock, type MockServer } from '../../src/mock/index.js';

let dir: string;
let mock: MockServer;
const page = '<!doctype html><title>reference</title><p>the reference';

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-mock-docs-'));
  await writeFile(path.join(dir, 'index.html'), page);
  mock = await startMock({ port: 0, docsDir: dir });
});

afterAll(async () => {
  await mock?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('docs', () => {
  it('serves index.html at /docs and /docs/', async () => {
    expect(mock.docsUrl).toBe(`${mock.url}/docs`);
    for (const url of [mock.docsUrl!, `${mock.docsUrl}/`]) {
      const response = await fetch(url);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(await response.text()).toBe(page);
    }
  });

  it('serves nothing outside the directory', async () => {
    for (const escaping of ['/docs/../package.json', '/docs/%2e%2e/package.json', '/docs/..%2fpackage.json']) {
      const response = await fetch(`${mock.url}${escaping}`);
      expect(await response.text()).not.toContain('"name"');
    }
  });

  it('refuses to start when the directory has no index.html', async () => {
    await expect(startMock({ port: 0, docsDir: path.join(dir, 'missing') })).rejects.toThrow(/index\.html/);
  });
});
