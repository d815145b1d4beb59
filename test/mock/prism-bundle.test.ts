/**
 * Prism's one-file bundle (src/mock/prism/bundle*.ts): built from the installed Prism with the requires the mock
 * does not need at start made lazy, used only while every file it was made from is unchanged, and responding exactly
 * as Prism loaded module by module does.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { examplesOf, specFacts, wireContract } from '../../src/contract/spec.js';
import { createPrismEngine } from '../../src/mock/prism/engine.js';
import { buildPrismBundle } from '../../src/mock/prism/bundle-build.js';
import { digestOf } from '../../src/mock/prism/file-records.js';
import {
  loadPrismBundle,
  PRISM_BUNDLE_RECIPE,
  prismBundlePlace,
  savePrismCodeCache,
} from '../../src/mock/prism/bundle.js';
import { loadPrismDocument } from '../../src/mock/prism/engine.js';
import type { PrismModules } from '../../src/mock/prism/engine.js';
import { enginePreferences, readPrefer } from '../../src/mock/core/prefer.js';
import type { RequestHead } from '../../src/mock/core/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const cliPackageJson = createRequire(path.join(root, 'package.json')).resolve('@stoplight/prism-cli/package.json');
const temporary: string[] = [];
afterAll(() => {
  for (const dir of temporary) rmSync(dir, { recursive: true, force: true });
});

describe('the bundle of the installed Prism', () => {
  it('makes every lazy require it knows lazy, and keeps their modules out of the bundle', {
    timeout: 120_000,
  }, async () => {
    const { code, manifest } = await buildPrismBundle(esbuild, path.dirname(cliPackageJson), PRISM_BUNDLE_RECIPE);
    expect(manifest.lazy.map((entry) => entry.split(': ')[1]).sort()).toEqual(
      [
        '@faker-js/faker',
        '@stoplight/http-spec/postman/operation',
        'js-yaml',
        'lodash/fp',
        'node-fetch',
        'node-fetch',
        'node-fetch',
      ].sort(),
    );
    const packages = new Set(
      manifest.inputs.map((input) => input.file.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/)?.[1]),
    );
    for (const name of ['@stoplight/prism-http', '@stoplight/prism-cli', 'lodash']) expect(packages).toContain(name);
    // Prism's server (and its Prefer reader) is not the mock's: the mock reads Prefer itself (core/prefer.ts).
    for (const name of [
      '@faker-js/faker',
      'postman-collection',
      'node-fetch',
      'js-yaml',
      '@stoplight/prism-http-server',
    ])
      expect(packages).not.toContain(name);
    // Each input is listed with what it holds now.
    const input = manifest.inputs.find((entry) => entry.file.endsWith('prism-http/dist/index.js'))!;
    expect(input.digest).toBe(digestOf(readFileSync(input.file)));
    expect(code).toContain('__orqLazy');
  });

  it('a fresh process starts the mock without loading faker, Postman, node-fetch, js-yaml or sharp, and loads faker when a value needs it and sharp with the first image', {
    timeout: 120_000,
  }, () => {
    const script = `
      const { startMock, loadMockDependencies } = { ...(await import(${JSON.stringify(path.join(root, 'src/mock/index.ts'))})), ...(await import(${JSON.stringify(path.join(root, 'src/mock/dependencies.ts'))})) };
      const { createRequire } = await import('node:module');
      const loaded = () => Object.keys(createRequire(import.meta.url).cache).map((file) => file.match(/node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules)/)?.[1]).filter(Boolean);
      const mock = await startMock({ port: 0 });
      const atStart = [...new Set(loaded())];
      const { makePng } = await import(${JSON.stringify(path.join(root, 'test/support/images.ts'))});
      const form = new FormData();
      form.set('model', 'openai/gpt-image-1');
      form.set('prompt', 'Add a red scarf to the cat');
      form.set('image', new Blob([makePng(8, 8)], { type: 'image/png' }), 'cat.png');
      const response = await fetch(mock.endpoint, { method: 'POST', headers: { authorization: 'Bearer any-key' }, body: form });
      await response.arrayBuffer();
      const afterImage = [...new Set(loaded())];
      // Prism's own generator for a parameter without example asks faker for a word (x-faker: lorem.word).
      const word = loadMockDependencies().prism.http.generateHttpParam({ name: 'q', style: 'form', schema: { type: 'string' } });
      await mock.close();
      console.log(JSON.stringify({ atStart, status: response.status, afterImage, word: word._tag === 'Some' ? word.value : null, later: [...new Set(loaded())] }));`;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
    });
    const { atStart, status, afterImage, word, later } = JSON.parse(output.trim().split('\n').pop()!) as {
      atStart: string[];
      status: number;
      afterImage: string[];
      word: unknown;
      later: string[];
    };
    expect(atStart).not.toContain('@stoplight/prism-http'); // from the bundle, not module by module
    for (const name of ['@faker-js/faker', 'postman-collection', 'node-fetch', 'js-yaml', 'esprima', 'sharp'])
      expect(atStart).not.toContain(name);
    expect(status).toBe(200);
    expect(afterImage).toContain('sharp');
    expect(typeof word).toBe('string');
    expect(later).toContain('@faker-js/faker');
  });
});

describe('Prism from the bundle and module by module', () => {
  it('route, check credentials and respond with every documented status and named example alike', {
    timeout: 180_000,
  }, async () => {
    const bundled = loadPrismBundle(cliPackageJson);
    expect(bundled, 'the suite built the bundle when it started the mock').toBeDefined();
    const fromCli = createRequire(cliPackageJson);
    const version = (fromCli('@stoplight/prism-cli/package.json') as { version: string }).version;
    const modules: PrismModules = {
      http: fromCli('@stoplight/prism-http'),
      router: fromCli('@stoplight/prism-http/dist/router').default,
      validateSecurity: fromCli('@stoplight/prism-http/dist/validator').validateSecurity,
      configureDataGenerator: fromCli('@stoplight/prism-cli/dist/extensions').configureExtensionsUserProvided,
      version,
    };
    const head = (headers: Record<string, string>, url: string = wireContract.path): RequestHead => ({
      method: 'post',
      url: { path: url },
      headers: { 'content-type': 'multipart/form-data; boundary=x', ...headers },
    });
    const auth = { authorization: 'Bearer test-key' };
    const heads = [
      head(auth),
      head({}),
      head({ authorization: 'Basic abc' }),
      head(auth, '/v2/router/images/other'),
      ...specFacts.responses.map((response) => head({ ...auth, prefer: `code=${response.status}` })),
      ...examplesOf(200).map((example) => head({ ...auth, prefer: `example=${example.name}` })),
      head({ ...auth, prefer: 'code=299' }),
    ];
    const responses = async (prism: PrismModules, dynamic: boolean) => {
      const engine = await createPrismEngine(prism, loadPrismDocument(), { dynamic });
      const out = [];
      for (const h of heads) {
        const misrouted = engine.misrouted(h);
        const preferences = readPrefer(h);
        out.push({
          misrouted,
          authorized: engine.authorized(h),
          response:
            misrouted || !preferences.ok
              ? undefined
              : await engine.respond(h, { ...enginePreferences(preferences.value), seed: 'same' }),
        });
      }
      return out;
    };
    for (const dynamic of [false, true]) {
      const fromBundle = await responses({ ...bundled!, version }, dynamic);
      expect(fromBundle.filter((entry) => entry.response?.status === 200).length).toBeGreaterThan(1);
      expect(fromBundle).toEqual(await responses(modules, dynamic));
    }
  });
});

describe('when a bundle is used', () => {
  /** A made-up installation: node_modules/@stoplight/prism-cli and a bundle in .cache made from one input file. */
  function installation() {
    const dir = mkdtempSync(path.join(tmpdir(), 'orq-prism-bundle-'));
    temporary.push(dir);
    const cli = path.join(dir, 'node_modules/@stoplight/prism-cli');
    mkdirSync(cli, { recursive: true });
    writeFileSync(path.join(cli, 'package.json'), JSON.stringify({ name: '@stoplight/prism-cli', version: '0.0.1' }));
    const input = path.join(cli, 'input.js');
    writeFileSync(input, 'one');
    return {
      cliPackageJson: path.join(cli, 'package.json'),
      input,
      cache: path.join(dir, 'node_modules/.cache/orq-image-edits'),
    };
  }

  function writeBundle(place: ReturnType<typeof installation>, code: string) {
    const { bundle, manifest } = prismBundlePlace(place.cliPackageJson)!;
    const stat = statSync(place.input);
    mkdirSync(place.cache, { recursive: true });
    writeFileSync(bundle, code);
    const inputs = [
      { file: place.input, size: stat.size, mtimeMs: stat.mtimeMs, digest: digestOf(readFileSync(place.input)) },
    ];
    writeFileSync(manifest, JSON.stringify({ recipe: PRISM_BUNDLE_RECIPE, esbuild: 'test', lazy: [], inputs }));
    return bundle.replace(/\.cjs$/, '');
  }

  it('runs it while its inputs are unchanged, even when only their time changed, and not once one changed', () => {
    const place = installation();
    writeBundle(place, 'module.exports = { http: "from the bundle", dir: typeof __dirname };');
    expect(loadPrismBundle(place.cliPackageJson)).toEqual({ http: 'from the bundle', dir: 'string' });
    utimesSync(place.input, new Date(2000, 1, 1), new Date(2000, 1, 1));
    expect(loadPrismBundle(place.cliPackageJson)).toMatchObject({ http: 'from the bundle' });
    writeFileSync(place.input, 'two'); // same size, other bytes
    expect(loadPrismBundle(place.cliPackageJson)).toBeUndefined();
  });

  it('writes V8 code cache for the code it ran, and never runs a rebuilt bundle with the cache of another', () => {
    const place = installation();
    const base = writeBundle(place, 'module.exports = { http: "first!" };');
    expect(loadPrismBundle(place.cliPackageJson)).toEqual({ http: 'first!' });
    savePrismCodeCache();
    expect(readFileSync(`${base}.v8`).subarray(0, 44).toString()).toBe(
      `${digestOf('module.exports = { http: "first!" };')}\n`,
    );
    writeBundle(place, 'module.exports = { http: "second" };'); // same length: V8 alone would accept the old cache
    expect(loadPrismBundle(place.cliPackageJson)).toEqual({ http: 'second' });
  });

  it('is not used with ORQ_MOCK_PRISM_BUNDLE=off, nor when it fails to run', () => {
    const place = installation();
    writeBundle(place, 'module.exports = { http: "from the bundle" };');
    process.env.ORQ_MOCK_PRISM_BUNDLE = 'off';
    try {
      expect(loadPrismBundle(place.cliPackageJson)).toBeUndefined();
    } finally {
      delete process.env.ORQ_MOCK_PRISM_BUNDLE;
    }
    writeBundle(place, 'throw new Error("broken")');
    expect(loadPrismBundle(place.cliPackageJson)).toBeUndefined();
  });
});
