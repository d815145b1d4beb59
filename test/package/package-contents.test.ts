/**
 * What the tarball holds (issue 21): each module shipped once (the bundles and declarations, not also a per-file copy
 * of the same code), source maps without the sources, at most 400 kB packed, and a file behind every name the
 * manifest gives a consumer ("exports", "typesVersions", "bin", "main", "types").
 */
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packPackage } from '../../scripts/consumer-bundles.js';

const run = promisify(execFile);
const MAX_PACKED_BYTES = 400 * 1024;
let dir: string;
let tarball: string;
/** The unpacked package (npm packs everything under package/). */
let unpacked: string;
let files: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-contents-'));
  tarball = await packPackage(dir);
  unpacked = path.join(dir, 'unpacked');
  await mkdir(unpacked);
  await run('tar', ['-xzf', tarball, '-C', unpacked]);
  unpacked = path.join(unpacked, 'package');
  files = (await readdir(unpacked, { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(unpacked, path.join(entry.parentPath, entry.name)));
}, 300_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('is at most 400 kB packed', async () => {
    const { size } = await stat(tarball);
    expect(size, `${(size / 1024).toFixed(1)} kB packed, ${files.length} files`).toBeLessThanOrEqual(MAX_PACKED_BYTES);
  });

  it('ships each module once: JavaScript only in the bundles and the entries the manifest names; elsewhere declarations and the spec', async () => {
    const manifest = JSON.parse(await readFile(path.join(unpacked, 'package.json'), 'utf8'));
    // The entries the manifest names, and the reference page's Try-it script (one browser script the docs build inlines).
    const entries = new Set(
      [
        manifest.exports['./mock'].default,
        manifest.exports['./msw'].default,
        manifest.bin['orq-images'],
        'dist/src/docs/try-it.bundle.js',
      ].map((file: string) => path.normalize(file)),
    );
    const code = files.filter((file) => /\.(c|m)?js$/.test(file));
    // Bundles: the Node build (its chunks included), the browser build; the mock, MSW and CLI entries built with them.
    expect(code.filter((file) => !/^dist\/(node|browser)\//.test(file) && !entries.has(file))).toEqual([]);
    const declarationsAndSpec = (file: string) =>
      file.endsWith('.d.ts') || ['dist/generated/openapi.json', 'dist/commonjs/package.json'].includes(file);
    const entryOrItsMap = (file: string) => entries.has(file.replace(/\.map$/, ''));
    expect(
      files.filter(
        (file) => /^dist\/(src|generated|commonjs)\//.test(file) && !entryOrItsMap(file) && !declarationsAndSpec(file),
      ),
    ).toEqual([]);
    // One copy of the client for each loader: ESM and CommonJS for Node, one for browsers.
    expect(code.filter((file) => /orq-image-edits\.(c?js)$/.test(file)).sort()).toEqual([
      'dist/browser/orq-image-edits.js',
      'dist/node/orq-image-edits.cjs',
      'dist/node/orq-image-edits.js',
    ]);
  });

  it('its source maps name the sources without carrying them', async () => {
    const maps = files.filter((file) => file.endsWith('.map'));
    expect(maps.length).toBeGreaterThan(0);
    for (const file of maps) {
      const map = JSON.parse(await readFile(path.join(unpacked, file), 'utf8'));
      expect(map.sourcesContent, file).toBeUndefined();
    }
  });

  it('holds a file behind every name in "exports", "typesVersions", "bin", "main" and "types"', async () => {
    const manifest = JSON.parse(await readFile(path.join(unpacked, 'package.json'), 'utf8'));
    const targets = new Set<string>();
    const collect = (value: unknown): void => {
      if (typeof value === 'string') targets.add(path.normalize(value));
      else if (value && typeof value === 'object') Object.values(value).forEach(collect);
    };
    collect([manifest.exports, manifest.typesVersions, manifest.bin, manifest.main, manifest.types]);
    expect(targets.size).toBeGreaterThan(10);
    expect([...targets].filter((target) => !files.includes(target))).toEqual([]);
  });
});
