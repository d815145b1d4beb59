/**
 * What orq-image-edits/msw brings into a page: the mock's platform-free core, the contract and generated/, the image
 * maker on the page's own codecs, and MSW itself; never a Node built-in, Prism, busboy, sharp, or the Node server (checked on the real module graph, esbuild's
 * metafile, of a browser bundle). And the client entry never brings in any of it (test/unit/import-footprint.test.ts).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('what importing orq-image-edits/msw loads in a browser', () => {
  it('the core, the contract, generated/, and MSW (msw.ts, with its canvas image maker): no Node built-in, no Prism, no busboy, no sharp, no Node server', async () => {
    const result = await build({
      entryPoints: [path.join(root, 'src/mock/msw.ts')],
      bundle: true,
      write: false,
      metafile: true,
      platform: 'browser',
      format: 'esm',
      logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    const ours = inputs.filter((input) => !input.includes('node_modules/'));
    expect(
      ours.filter((input) => !/^(src\/mock\/core\/|src\/contract\/|generated\/|src\/mock\/msw\.ts$)/.test(input)),
    ).toEqual([]);
    const packages = new Set(
      inputs.map((input) => input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1]).filter(Boolean),
    );
    expect(packages.has('msw')).toBe(true);
    expect([...packages].filter((name) => /busboy|stoplight|sharp/.test(name!))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((output) =>
      output.imports.map((entry) => entry.path),
    );
    expect(imports.filter((specifier) => specifier.startsWith('node:'))).toEqual([]);
  });
});
