/**
 * Importing the client loads only its own code, the generated artefacts and openapi-fetch: never Prism, Redocly,
 * ajv's compiler or anything else in node_modules. Checked on the real module graph (esbuild's metafile).
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { buildNodeBundle } from '../../scripts/client-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function inputsOf(entry: string, platform: 'node' | 'browser') {
  const result = await build({
    entryPoints: [path.join(root, entry)],
    bundle: true,
    write: false,
    metafile: true,
    platform,
    format: 'esm',
    external: ['node:*'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs);
}

const packageOf = (input: string) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1];

describe('what importing the client loads', () => {
  it.each(['node', 'browser'] as const)('on %s: openapi-fetch is the only package', async (platform) => {
    const inputs = await inputsOf('src/index.ts', platform);
    const packages = new Set(inputs.map(packageOf).filter(Boolean));
    expect([...packages]).toEqual(['openapi-fetch']);
    expect(inputs.some((i) => i.includes('src/mock/') || i.includes('src/cli/'))).toBe(false);
  });

  it('the generated validators need no ajv at run time', async () => {
    const inputs = await inputsOf('generated/validators.js', 'browser');
    expect(inputs).toEqual(['generated/validators.js']);
  });
});

/** The files a module of the Node build imports statically (`import … from "…"`, not `import("…")`), transitively. */
async function staticClosure(entry: string): Promise<string[]> {
  const seen = new Set<string>([entry]);
  for (const file of seen) {
    const code = await readFile(file, 'utf8');
    for (const [, specifier] of code.matchAll(/\bimport\s*(?:[\w$*{},\s]+from\s*)?["']([^"']+)["']/g)) {
      seen.add(specifier!.startsWith('.') ? path.resolve(path.dirname(file), specifier!) : specifier!);
    }
  }
  return [...seen];
}

describe('importing the Node build', () => {
  it('loads no Node built-in and none of the Node platform but what a call needs in hand: the rest loads with the first call', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'orq-node-build-'));
    try {
      const entry = path.join(dir, 'orq-image-edits.js');
      await buildNodeBundle(entry);
      const loaded = await staticClosure(entry);
      expect(loaded.filter((file) => !file.startsWith(dir))).toEqual([]);
      // Which sources the statically loaded files were built from, by their source maps.
      const sources = new Set<string>();
      for (const file of loaded)
        for (const source of JSON.parse(await readFile(`${file}.map`, 'utf8')).sources as string[])
          sources.add(path.resolve(path.dirname(file), source));
      const platformNode = [...sources]
        .map((source) => path.relative(root, source))
        .filter((source) => source.startsWith('src/client/platform/node/'));
      expect(platformNode.sort()).toEqual(['src/client/platform/node/index.ts']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
