/**
 * Prism and busboy are optional peer dependencies: when they cannot be found, the mock says which packages and
 * versions to install instead of failing with a bare MODULE_NOT_FOUND.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };
import { MockDependencyError } from '../../src/mock/dependency-error.js';
import { loadMockDependencies, mockPeerDependencies } from '../../src/mock/dependencies.js';

describe('mock dependencies', () => {
  it('the peer ranges are read from package.json, where both are optional', () => {
    const peers = mockPeerDependencies();
    expect(Object.keys(peers)).toEqual(expect.arrayContaining(['@stoplight/prism-cli', 'busboy']));
    for (const name of ['@stoplight/prism-cli', 'busboy'])
      expect((pkg as any).peerDependenciesMeta[name].optional).toBe(true);
  });

  it("every peer dependency (the mock's, MSW, esbuild, Redocly CLI) is optional: a consumer of the client installs none of them", () => {
    const peers = Object.keys((pkg as any).peerDependencies);
    expect(peers).toEqual(
      expect.arrayContaining(['@stoplight/prism-cli', 'busboy', 'sharp', 'msw', 'esbuild', '@redocly/cli']),
    );
    expect(peers.filter((name) => (pkg as any).peerDependenciesMeta[name]?.optional !== true)).toEqual([]);
    expect(Object.keys((pkg as any).dependencies)).toEqual(['openapi-fetch']);
  });

  it('missing packages → MockDependencyError naming each package and its version', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orq-no-prism-'));
    try {
      const from = path.join(dir, 'index.js');
      await writeFile(from, '');
      let error: unknown;
      try {
        loadMockDependencies(pathToFileURL(from).href);
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(MockDependencyError);
      const peers = mockPeerDependencies();
      for (const name of ['@stoplight/prism-cli', 'busboy'])
        expect((error as Error).message).toContain(`${name}@${peers[name]}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('the installed packages load', () => {
    expect(loadMockDependencies().prism.version).toBe(pkg.devDependencies['@stoplight/prism-cli']);
  });
});
