/**
 * Importing the client loads only its own code, the generated artefacts and openapi-fetch: never Prism, Redocly,
 * ajv's compiler or anything else in node_modules. Checked on the real module graph (esbuild's metafile).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function inputsOf(entry: string, platform: 'node' | 'browser') {
  const result = await build({ entryPoints: [path.join(root, entry)], bundle: true, write: false, metafile: true, platform, format: 'esm', external: ['node:*'], logLevel: 'silent' });
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
