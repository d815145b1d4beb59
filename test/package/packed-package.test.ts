/**
 * The package as a consumer gets it: packed by npm and installed into a fresh project outside this repository (one
 * project for everything below, to keep the test lean).
 *
 * Bundled for browsers by
 * esbuild (`--bundle --platform=browser`), Vite, webpack 5 and Rollup (+ node-resolve), each with its defaults. Each
 * must build with no error, no warning and no `node:` specifier, and its bundle must then run in headless Chromium
 * against the suite's mock (on another origin): an edit whose image is shown, one call with its own `Prefer` header
 * (the mock's documented 429, from the same client), and Node-only inputs (a path, a file: URL) refused by name
 * before anything is sent. Node itself, importing the same installed package, gets the Node build.
 *
 * Its types: every entry point typechecks with `strict` and `skipLibCheck` off (TypeScript's default), in a browser
 * project with no `@types/*` at all and in a Node project with only `@types/node`. And the TypeScript snippets of the
 * README and docs/*.md typecheck there too; the vitest globalSetup one and the browser one also run, against the
 * packed mock and in Chromium.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  BUNDLERS,
  bundleWith,
  createConsumerProject,
  nodeSpecifiers,
  packPackage,
  pageHtml,
  type Bundler,
} from '../../scripts/consumer-bundles.js';
import { imageField } from '../../src/contract/spec.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { responses } from '../support/spec.js';
import { minimalParts } from '../mock/support.js';
import { closeServers, isBrowserSnippet, linkPackages, readmeSnippets, serveDirectory, tsc } from './consumer.js';

const run = promisify(execFile);
let dir: string;
let project: string;
let browser: BrowserSession | undefined;
const servers: http.Server[] = [];

const BODY = '<img id="result" alt="edited image">\n<pre id="status">sending</pre>';

const PNG_BASE64 = makePng(6, 6).toString('base64');
let snippets: string[];
type Check = 'browser' | 'node' | 'node-snippets';
const checks = new Map<Check, Promise<string>>();

const BROWSER_TYPES = `import { createImageEditClient, RequestValidationError, type ImageEditRequest, type ImageEditResponse } from 'orq-image-edits';
import * as browserBuild from 'orq-image-edits/browser';
import { createImageEditHandlers, type ImageEditHandlerOptions } from 'orq-image-edits/msw';
import type { HttpHandler } from 'msw';

const request: ImageEditRequest = { model: 'openai/gpt-image-1', prompt: 'p', image: new Blob([]), n: 2, response_format: 'b64_json' };
export const response: Promise<ImageEditResponse> = createImageEditClient({ apiKey: 'k' }).edit(request, { headers: { Prefer: 'code=429' } });
export const same: typeof createImageEditClient = browserBuild.createImageEditClient;
export const refused = (error: unknown) => error instanceof RequestValidationError && error.issues.map((issue) => issue.field);
export const handlers: HttpHandler[] = createImageEditHandlers({ baseUrl: 'https://api.orq.ai', dynamic: true, seed: 7 } satisfies ImageEditHandlerOptions);
`;

const NODE_TYPES = `import { createImageEditClient, saveImages, type ImageEditResponse } from 'orq-image-edits';
import { startMock, MockDependencyError, type MockOptions, type MockServer } from 'orq-image-edits/mock';

const options: MockOptions = { port: 0, dynamic: true };
export const mock: Promise<MockServer> = startMock(options);
export const save = (result: ImageEditResponse) => saveImages(result, 'out');
export const client = createImageEditClient({ apiKey: 'k', baseUrl: 'http://127.0.0.1:4010' });
export const missing = (error: unknown) => error instanceof MockDependencyError;
`;

/**
 * The tsc runs, started as soon as the package is installed so that they run beside the bundler tests; each test
 * reads the diagnostics of its own files (README snippets are written as readme-N.ts).
 */
function diagnostics(check: Check): Promise<string[]> {
  if (!checks.has(check)) checks.set(check, startCheck(check));
  return checks.get(check)!.then((output) => output.split('\n').filter(Boolean));
}

async function startCheck(check: Check): Promise<string> {
  snippets ??= await readmeSnippets();
  const readme = snippets
    .map((snippet, i) => ({ file: `readme-${i + 1}.ts`, snippet }))
    .filter(({ snippet }) => (check === 'node' ? false : isBrowserSnippet(snippet) === (check === 'browser')));
  for (const { file, snippet } of readme) await writeFile(path.join(project, file), snippet);
  const files = readme.map(({ file }) => file);
  if (check === 'browser') {
    await writeFile(path.join(project, 'types-browser.ts'), BROWSER_TYPES);
    // A page: the DOM's lib and no @types package at all; skipLibCheck off (the default).
    return tsc(
      project,
      'tsconfig.browser.json',
      {
        strict: true,
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        lib: ['es2022', 'dom', 'dom.iterable'],
        types: [],
      },
      ['types-browser.ts', ...files],
    );
  }
  if (check === 'node') {
    await writeFile(path.join(project, 'types-node.ts'), NODE_TYPES);
    // A Node project: nodenext with @types/node; skipLibCheck off (the default).
    return tsc(project, 'tsconfig.node.json', { strict: true, target: 'es2022', module: 'nodenext', types: ['node'] }, [
      'types-node.ts',
    ]);
  }
  // The README's Node snippets (one is a vitest globalSetup file). The package's declarations are checked above;
  // vitest's and Vite's own are not this package's to check, and checking them is most of a run's time.
  return tsc(
    project,
    'tsconfig.snippets.json',
    { strict: true, target: 'es2022', module: 'nodenext', skipLibCheck: true },
    files,
  );
}

/** The app: plain JavaScript importing the package by name, as a frontend team writes it. */
function app(mockUrl: string): string {
  const fields = Object.fromEntries(
    minimalParts()
      .filter((part) => part.filename === undefined)
      .map((part) => [part.name, String(part.value)]),
  );
  return `import { createImageEditClient } from 'orq-image-edits';

const status = document.getElementById('status');
const png = Uint8Array.from(atob(${JSON.stringify(makePng(6, 6).toString('base64'))}), (c) => c.charCodeAt(0));
const request = { ...${JSON.stringify(fields)}, ${JSON.stringify(imageField.name)}: new File([png], 'cat.png', { type: 'image/png' }), response_format: 'b64_json' };
const failure = (error) => ({ name: error.name, status: error.status, code: error.code, retryAfter: error.headers && error.headers['retry-after'], issues: error.issues });

async function main() {
  const client = createImageEditClient({ apiKey: 'browser-test-key', baseUrl: ${JSON.stringify(mockUrl)}, maxRetries: 0 });
  const seen = {};
  const result = await client.edit(request);
  const img = document.getElementById('result');
  img.src = 'data:image/png;base64,' + result.data[0].b64_json;
  await img.decode();
  // One call with its own header, from the same client; the next call is back to the client's own headers.
  seen.preferred = await client.edit(request, { headers: { Prefer: 'code=429' } }).then(() => 'responded 200', failure);
  seen.next = await client.edit(request).then((response) => response.data.length, failure);
  // Inputs only Node can read: refused before anything is sent.
  seen.path = await client.edit({ ...request, image: 'cat.png' }).then(() => 'sent', failure);
  seen.fileUrl = await client.edit({ ...request, image: new URL('file:///tmp/cat.png') }).then(() => 'sent', failure);
  return seen;
}
main().then((seen) => (status.textContent = JSON.stringify(seen)), (error) => (status.textContent = 'failed: ' + error.message));
`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-packed-'));
  project = path.join(dir, 'app');
  await createConsumerProject(project, await packPackage(dir));
  await writeFile(path.join(project, 'main.js'), app(inject('mockUrl')));
  // Vite's entry is the page itself.
  await writeFile(path.join(project, 'index.html'), pageHtml(BODY, '<script type="module" src="./main.js"></script>'));
  // What the README tells a consumer to install beside the package: TypeScript's Node types, vitest (the test-suite
  // snippet), and the mock's optional peers (sharp for its images, MSW for orq-image-edits/msw).
  await linkPackages(project, ['@types/node', 'vitest', '@stoplight/prism-cli', 'busboy', 'sharp', 'msw']);
  // Started now, awaited by the type tests: the two tsc runs overlap the bundler tests.
  for (const check of ['browser', 'node', 'node-snippets'] as const) diagnostics(check).catch(() => {});
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await closeServers(servers);
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package in a fresh project', () => {
  it('Node gets the Node build, and every bundler the browser build (the export conditions)', async () => {
    const resolved = await run(
      process.execPath,
      ['--input-type=module', '-e', "console.log(import.meta.resolve('orq-image-edits'))"],
      { cwd: project },
    );
    expect(resolved.stdout.trim()).toMatch(/\/node_modules\/orq-image-edits\/dist\/node\/orq-image-edits\.js$/);
    const manifest = JSON.parse(
      await readFile(path.join(project, 'node_modules/orq-image-edits/package.json'), 'utf8'),
    );
    expect(Object.keys(manifest.exports['.'])).toEqual(['node', 'types', 'browser', 'default']);
    expect(manifest.exports['.'].browser).toBe(manifest.exports['.'].default);
  });

  it.each(BUNDLERS)(
    '%s builds one edit call with its defaults: no error, no warning, no node: specifier; the bundle runs in Chromium against the mock',
    { timeout: 120_000 },
    async (bundler: Bundler) => {
      const built = await bundleWith(bundler, project, 'main.js', BODY);
      expect(built.errors).toEqual([]);
      expect(built.warnings).toEqual([]);
      expect(built.scripts.length).toBeGreaterThan(0);
      for (const script of built.scripts) {
        expect(nodeSpecifiers(await readFile(path.join(built.outDir, script.file), 'utf8')), script.file).toEqual([]);
      }

      const mockUrl = inject('mockUrl');
      const pageUrl = await serveDirectory(built.outDir, servers);
      expect(new URL(pageUrl).origin).not.toBe(new URL(mockUrl).origin);
      browser ??= await openBrowser();
      const page = await browser.context.newPage();
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(error.message));
      const posts: string[] = [];
      page.on('request', (request) => {
        if (request.url().startsWith(mockUrl) && request.method() === 'POST')
          posts.push(request.headers()['prefer'] ?? '');
      });
      try {
        await page.goto(pageUrl);
        await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'sending', undefined, {
          timeout: 60_000,
        });
        const status = (await page.textContent('#status')) ?? '';
        expect(status).not.toMatch(/^failed/);
        const seen = JSON.parse(status);
        // The returned image decoded and is on the page.
        expect(await page.$eval('#result', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
        // The per-call Prefer header reached the mock, which responded with the spec's 429 with its first example.
        const tooMany = responses['429']!;
        const firstExample = Object.values(tooMany.content['application/json']!.examples)[0]!.value as {
          error: { code: string };
        };
        expect(seen.preferred).toMatchObject({ name: 'ApiError', status: 429, code: firstExample.error.code });
        expect(seen.preferred.retryAfter).toBeTruthy();
        expect(seen.next).toBeGreaterThan(0);
        // A path and a file: URL: refused by name with what to give instead, and never sent.
        expect(seen.path).toMatchObject({
          name: 'RequestValidationError',
          issues: [
            { field: 'image', message: expect.stringMatching(/file path \("cat\.png"\).*only Node.*Blob or File/) },
          ],
        });
        expect(seen.fileUrl).toMatchObject({
          name: 'RequestValidationError',
          issues: [{ field: 'image', message: expect.stringMatching(/file: URL.*only Node.*Blob or File/) }],
        });
        expect(posts).toEqual(['', 'code=429', '']);
        expect(errors).toEqual([]);
        expect(browser.externalRequests()).toEqual([]);
      } finally {
        await page.close();
      }
    },
  );
});

describe('its types, as a consumer typechecks them (strict, skipLibCheck off), and the snippets of the README and docs/', () => {
  it.each(['browser', 'node'] as const)(
    'every entry point typechecks in a %s project',
    { timeout: 300_000 },
    async (kind) => {
      expect((await diagnostics(kind)).filter((line) => !line.startsWith('readme-'))).toEqual([]);
    },
  );

  it.each(['browser', 'node'] as const)(
    'the %s snippets of the README and docs/ typecheck against the packed package',
    { timeout: 300_000 },
    async (kind) => {
      const found = await diagnostics(kind === 'browser' ? 'browser' : 'node-snippets');
      expect(snippets.filter((snippet) => isBrowserSnippet(snippet) === (kind === 'browser')).length).toBeGreaterThan(
        0,
      );
      expect(found.filter((line) => kind === 'node' || line.startsWith('readme-'))).toEqual([]);
    },
  );

  it('the vitest globalSetup snippet (docs/mock.md) starts the packed mock, which responds to the packed client, and stops it', {
    timeout: 120_000,
  }, async () => {
    snippets ??= await readmeSnippets();
    const setup = snippets.find((snippet) => snippet.includes('globalSetup'));
    expect(setup).toBeDefined();
    const ts = (await import('typescript')).default;
    await writeFile(
      path.join(project, 'readme-setup.mjs'),
      ts.transpileModule(setup!, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } })
        .outputText,
    );
    await writeFile(
      path.join(project, 'run-setup.mjs'),
      `import setup from './readme-setup.mjs';
import { createImageEditClient } from 'orq-image-edits';
const provided = {};
const teardown = await setup({ provide: (key, value) => { provided[key] = value; } });
let images;
try {
  const png = Buffer.from(${JSON.stringify(PNG_BASE64)}, 'base64');
  const client = createImageEditClient({ apiKey: 'any-key', baseUrl: provided.orqBaseUrl, maxRetries: 0 });
  images = (await client.edit({ model: 'openai/gpt-image-1', prompt: 'Add a red scarf', image: new Blob([png]), response_format: 'b64_json' })).data.length;
} finally {
  await teardown();
}
const afterwards = await fetch(provided.orqBaseUrl).then(() => 'still responding', () => 'stopped');
console.log(JSON.stringify({ provided, images, afterwards }));
`,
    );
    const { stdout } = await run(process.execPath, ['run-setup.mjs'], { cwd: project, timeout: 90_000 });
    const seen = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(seen.provided.orqBaseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(seen.images).toBeGreaterThan(0);
    expect(seen.afterwards).toBe('stopped');
  });

  it('the browser snippet (docs/client.md), bundled by esbuild, sends the chosen file to the mock and shows the image in Chromium', {
    timeout: 120_000,
  }, async () => {
    snippets ??= await readmeSnippets();
    const snippet = snippets.find(isBrowserSnippet)!;
    // The snippet points at the mock's default address; here the suite's mock stands in for it.
    expect(snippet).toContain("'http://127.0.0.1:4010'");
    await writeFile(
      path.join(project, 'readme-page.ts'),
      snippet.replace("'http://127.0.0.1:4010'", JSON.stringify(inject('mockUrl'))),
    );
    const outDir = path.join(project, 'out', 'readme-page');
    const { build } = await import('esbuild');
    const built = await build({
      absWorkingDir: project,
      entryPoints: ['readme-page.ts'],
      bundle: true,
      platform: 'browser',
      format: 'esm',
      outdir: outDir,
      logLevel: 'silent',
    });
    expect([...built.errors, ...built.warnings]).toEqual([]);
    await writeFile(
      path.join(outDir, 'index.html'),
      pageHtml(
        '<input type="file" accept="image/*">\n<img alt="edited image">',
        '<script type="module" src="./readme-page.js"></script>',
      ),
    );
    const pageUrl = await serveDirectory(outDir, servers);
    browser ??= await openBrowser();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    try {
      await page.goto(pageUrl);
      await page.setInputFiles('input[type=file]', { name: 'cat.png', mimeType: 'image/png', buffer: makePng(6, 6) });
      await page.waitForFunction(() => (document.querySelector('img')?.naturalWidth ?? 0) > 0 || false, undefined, {
        timeout: 60_000,
      });
      expect(errors).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
