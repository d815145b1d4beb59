/**
 * `orq-images docs`: builds the reference from the package's own spec into --out, says what to install when Redocly
 * CLI is missing, and refuses bad arguments; the console's script is read where `npm run build` puts it, and a
 * checkout without one is told how to build it; the offline post-processing refuses a page that would reach the
 * network; and the mock serves the built page at /docs (what `npm start` prints).
 */
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '../../src/cli/docs.js';
import {
  MissingRedoclyCliError,
  REDOCLY_CLI_VERSION,
  defaultSpecPath,
  resolveRedoclyCli,
  tryItScript,
} from '../../src/docs/build.js';
import { makeOffline } from '../../src/docs/page.js';
import { bundleTryIt } from '../../scripts/try-it-bundle.ts';
import { startMock } from '../../src/mock/index.js';
import { spec } from '../support/spec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));

let work: string;
let reference: string;
let consoleScript: string;
let built: { code: number; stdout: string; stderr: string };
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-docs-cli-'));
  reference = path.join(work, 'reference');
  // A checkout has no prebuilt console script (npm run build writes one into dist/): it is bundled here, as npm run docs does.
  consoleScript = await bundleTryIt();
  built = await docs(['--out', reference], consoleScript);
}, 60_000);
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

/** Runs the command in process, capturing what it writes. */
async function docs(argv: string[], tryItScript?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stdout += String(chunk)), true));
  const err = vi
    .spyOn(process.stderr, 'write')
    .mockImplementation((chunk: string | Uint8Array) => ((stderr += String(chunk)), true));
  try {
    return { code: await run(argv, tryItScript === undefined ? {} : { tryItScript }), stdout, stderr };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

describe('orq-images docs', () => {
  it('--out DIR writes DIR/index.html from the package spec, self-contained', async () => {
    expect(built.code, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/index\.html/);
    const html = await readFile(path.join(reference, 'index.html'), 'utf8');
    expect(html).toContain(`<title>${spec.info.title}</title>`);
    expect(html).toContain('Content-Security-Policy');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
  }, 60_000);

  it('reads the console script npm run build put beside the docs builder; without one, exits 1 saying how to build it', async () => {
    const dist = path.join(work, 'dist/src/docs');
    await mkdir(dist, { recursive: true });
    await writeFile(path.join(dist, 'try-it.bundle.js'), consoleScript);
    expect(await tryItScript(pathToFileURL(path.join(dist, 'build.js')))).toBe(consoleScript);
    // This checkout's src/docs has none: the command says so, and writes nothing.
    const out = path.join(work, 'not-built');
    const refused = await docs(['--out', out]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain("the Try-it console's script is not built");
    expect(refused.stderr).toContain('npm run build');
    await expect(readFile(path.join(out, 'index.html'))).rejects.toThrow();
  });

  it('finds the spec beside the module (generated/openapi.json in the repository and in dist/)', () => {
    expect(defaultSpecPath()).toBe(path.join(root, 'generated/openapi.json'));
  });

  it('--help prints the usage and exits 0; an unknown argument or a missing --out value exits 2', async () => {
    const help = await docs(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/orq-images docs \[--out DIR\]/);
    expect((await docs(['--bogus'])).code).toBe(2);
    const missing = await docs(['--out']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--out <value>' argument missing/);
    expect((await docs(['--out='])).stderr).toMatch(/--out needs a directory/);
  });

  it('names the package to install when Redocly CLI cannot be resolved, at the version the package declares', () => {
    expect(manifest.peerDependencies['@redocly/cli']).toBe(REDOCLY_CLI_VERSION);
    expect(manifest.peerDependenciesMeta['@redocly/cli'].optional).toBe(true);
    expect(JSON.parse(readFileSync(path.join(root, 'node_modules/@redocly/cli/package.json'), 'utf8')).version).toBe(
      REDOCLY_CLI_VERSION,
    );
    expect(resolveRedoclyCli()).toBe(path.join(root, 'node_modules/@redocly/cli/bin/cli.js'));
    const elsewhere = pathToFileURL(path.join(tmpdir(), 'no-node-modules-here', 'docs.js')).href;
    expect(() => resolveRedoclyCli(elsewhere)).toThrow(MissingRedoclyCliError);
    expect(() => resolveRedoclyCli(elsewhere)).toThrow(`npm install --save-dev @redocly/cli@${REDOCLY_CLI_VERSION}`);
  });
});

describe('makeOffline', () => {
  const page = (body: string) =>
    `<!DOCTYPE html><html><head><title>t</title></head><body>${body}<script type="module">const o = {"disableTelemetry":true};</script></body></html>`;

  it('draws the Redocly logo locally; its policy allows only HTTP(S) connections, which its first script narrows to one server', () => {
    const html = makeOffline(
      page('<script type="module">const a = `https://cdn.redoc.ly/redoc/logo-mini.svg`;</script>'),
      { fileDefaultServer: 'http://127.0.0.1:4010' },
    );
    expect(html).not.toContain('cdn.redoc.ly');
    expect(html).toContain('data:image/svg+xml;base64,');
    const csp = html.match(/http-equiv="Content-Security-Policy" content="([^"]+)"/)?.[1] ?? '';
    expect(csp).toMatch(/default-src 'none'/);
    expect(csp).toMatch(/connect-src http: https:;/);
    expect(csp).not.toMatch(/\*/);
    // The boot script comes first, before any other script of the page, and adds the narrowing policy.
    const firstScript = html.match(/<script>([\s\S]*?)<\/script>/)?.[1] ?? '';
    expect(html.indexOf(firstScript)).toBeLessThan(html.indexOf('<script type="module">'));
    expect(firstScript).toContain("'connect-src ' + url.origin");
    expect(firstScript).toContain(`connect-src 'none'`);
  });

  it.each([
    ['a script from a CDN', page('<script src="https://cdn.redocly.com/redoc/v3/redoc.standalone.js"></script>')],
    ['a remote stylesheet', page('<link rel="stylesheet" href="https://fonts.googleapis.com/css?family=Roboto">')],
    [
      'telemetry left on',
      '<html><head></head><body><script type="module">const o = {"disableTelemetry":false};</script></body></html>',
    ],
  ])('refuses a page with %s', (_what, html) => {
    expect(() => makeOffline(html)).toThrow(/not self-contained/);
  });
});

describe('served beside the mock (npm start)', () => {
  it('startMock({ docsDir }) responds to GET /docs with the built page, byte for byte', async () => {
    expect(built.code, built.stderr).toBe(0);
    const mock = await startMock({ port: 0, docsDir: reference });
    try {
      expect(mock.docsUrl).toBeDefined();
      const response = await fetch(mock.docsUrl!);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^text\/html/);
      expect(Buffer.from(await response.arrayBuffer()).equals(await readFile(path.join(reference, 'index.html')))).toBe(
        true,
      );
    } finally {
      await mock.close();
    }
  }, 60_000);
});
