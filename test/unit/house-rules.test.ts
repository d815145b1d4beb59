/**
 * The shape of src/ holds: each folder imports only what its README says it may (so "the client and the mock cannot
 * disagree" stays visible: both check by src/contract/, neither imports the other), the layers point one way (src/
 * never names scripts/ or test/, scripts/ never test/), the package's public exports change only on purpose
 * (test/unit/public-exports.json), and no file hides from the type checker or grows past a screenful of screens.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exportNames } from '../support/export-names.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const src = path.join(root, 'src');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(path.join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [path.join(dir, entry.name)]
        : [],
  );
}

/** Every module a file imports (static, dynamic, type-only and re-exports), as a path from the root or a package name. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const specifiers = [
    ...text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => (m[1] ?? m[2])!);
  return specifiers.map((specifier) =>
    specifier.startsWith('.') ? path.relative(root, path.resolve(path.dirname(file), specifier)) : specifier,
  );
}

/** Where each folder's files may import from (besides their own folder and, except where platform-free, Node built-ins). */
const platformFree = ['src/mock/core/'];
const allowed: Record<string, RegExp[]> = {
  'src/contract/': [/^generated\//],
  'src/client/': [/^src\/contract\//, /^generated\//, /^openapi-fetch$/],
  // The mock's own optional peer dependencies (Prism, busboy, sharp, MSW, and esbuild, which bundles Prism) are the
  // only packages it loads.
  'src/mock/': [/^src\/contract\//, /^generated\//, /^(busboy|msw|sharp|esbuild)(\/|$)/, /^@stoplight\//],
  // The mock's core runs in browsers too (MSW): the contract and generated/ only, no Node built-in, no Prism, no busboy.
  'src/mock/core/': [/^src\/contract\//, /^generated\//],
  // The validating proxy stands on the shared core and the node:http pieces the mock's server uses too, never on the server.
  'src/mock/proxy/': [
    /^src\/contract\//,
    /^generated\//,
    /^busboy$/,
    /^src\/mock\/core\//,
    /^src\/mock\/(node-http|dependencies)\.js$/,
  ],
  // The docs may embed the client's public face (its retry policy in the error table, its browser build in Try it).
  // The Try-it console checks and sends with the client's own request module and retry policy, not a copy of them.
  'src/docs/': [/^src\/index\.js$/, /^src\/client\/(request|retry)\.js$/, /^src\/contract\//, /^generated\//],
  'src/cli/': [/^src\/index\.js$/, /^src\/contract\//, /^src\/mock\//, /^src\/docs\//, /^generated\//],
  'src/index.ts': [/^src\/client\//, /^src\/contract\//, /^generated\//],
  // The Node builds' entry (scripts/client-bundle.ts): the public face, and nothing else.
  'src/node.ts': [/^src\/index\.js$/],
};

describe('the house rules of src/', () => {
  const files = filesUnder(src).map((file) => path.relative(root, file));

  it('every file belongs to a folder with rules', () => {
    expect(files.filter((file) => !Object.keys(allowed).some((place) => file.startsWith(place)))).toEqual([]);
  });

  it.each(Object.keys(allowed))('%s imports only what it may', (place) => {
    const wrong: string[] = [];
    for (const file of files.filter((f) => f.startsWith(place))) {
      const own = place.endsWith('/') ? place : path.dirname(place) + '/';
      for (const target of importsOf(path.join(root, file))) {
        if (
          (target.startsWith('node:') && !platformFree.includes(place)) ||
          target.startsWith(own) ||
          allowed[place]!.some((rule) => rule.test(target))
        )
          continue;
        wrong.push(`${file} → ${target}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('the contract runs in browsers: its one Node-only file (the response decoder) is imported only by Node-only code', () => {
    const contract = files.filter((file) => file.startsWith('src/contract/'));
    const nodeOnly = contract.filter((file) =>
      importsOf(path.join(root, file)).some((target) => target.startsWith('node:')),
    );
    expect(nodeOnly).toEqual(['src/contract/decoded-body.ts']);
    const importers = files.filter((file) => importsOf(path.join(root, file)).includes('src/contract/decoded-body.js'));
    expect(importers.sort()).toEqual(['src/client/platform/node/transport.ts', 'src/mock/proxy/response-copy.ts']);
  });

  it('the mock and the client never import each other, and nothing but the CLI imports the CLI or the mock', () => {
    const crossings = files.flatMap((file) =>
      importsOf(path.join(root, file))
        .filter(
          (target) =>
            (file.startsWith('src/mock/') && target.startsWith('src/client/')) ||
            (file.startsWith('src/client/') && target.startsWith('src/mock/')) ||
            ((target.startsWith('src/cli/') || target.startsWith('src/mock/')) &&
              !file.startsWith('src/cli/') &&
              !file.startsWith(target.split('/').slice(0, 2).join('/') + '/')),
        )
        .map((target) => `${file} → ${target}`),
    );
    expect(crossings).toEqual([]);
  });

  it('no file casts its way past the type checker (as never) or passes 500 lines (a concept, not a screenful)', () => {
    const found = files.flatMap((file) => {
      const text = readFileSync(path.join(root, file), 'utf8');
      const lines = text.split('\n').length;
      return [
        ...(text.includes('as never') ? [`${file}: as never`] : []),
        ...(lines > 500 ? [`${file}: ${lines} lines`] : []),
      ];
    });
    expect(found).toEqual([]);
  });
});

/**
 * Every path a file names, relative to the repository: its imports, and any './' or '../' string it holds (a module
 * loaded by a computed URL, `new URL('../../scripts/x.ts', import.meta.url)`, is a dependency the import regex cannot see).
 */
function referencesOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const relative = [...text.matchAll(/['"`](\.\.?\/[^'"`$\s]*)['"`]/g)].map((m) =>
    path.relative(root, path.resolve(path.dirname(file), m[1]!)),
  );
  return [...new Set([...importsOf(file), ...relative])];
}

/** Source files under a folder of the repository, as paths from the root. */
const sourcesUnder = (dir: string) =>
  readdirSync(path.join(root, dir), { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile() && /\.(ts|mts|mjs|js)$/.test(entry.name))
    .map((entry) => path.relative(root, path.join(entry.parentPath, entry.name)));

describe('the layering of the repository: the product never depends on its tools or tests, the tools never on the tests', () => {
  const layers: [string, string[]][] = [
    ['src/', ['scripts/', 'test/']],
    ['scripts/', ['test/']],
  ];
  it.each(layers)('%s names nothing under %j', (dir, forbidden) => {
    const wrong = sourcesUnder(dir).flatMap((file) =>
      referencesOf(path.join(root, file))
        .filter((target) => forbidden.some((place) => target.startsWith(place)))
        .map((target) => `${file} → ${target}`),
    );
    expect(wrong).toEqual([]);
  });
});

describe('the public exports of each entry point', () => {
  const recorded = JSON.parse(readFileSync(path.join(root, 'test/unit/public-exports.json'), 'utf8')) as Record<
    string,
    string[]
  >;
  const entries: Record<string, string> = {
    '.': 'src/index.ts',
    './mock': 'src/mock/index.ts',
    './msw': 'src/mock/msw.ts',
  };

  it('are the recorded ones: a name added, renamed or removed is a decision, recorded in test/unit/public-exports.json', {
    timeout: 120_000,
  }, () => {
    const now = Object.fromEntries(
      Object.entries(entries).map(([entry, file]) => [entry, exportNames(path.join(root, file))]),
    );
    expect(now).toEqual(recorded);
  });
});
