/**
 * The package as a frontend team gets it: packed by npm, installed into a fresh project, and bundled for browsers by
 * esbuild (`--bundle --platform=browser`), Vite, webpack 5 and Rollup (+ node-resolve), each with its defaults. Each
 * must build with no error, no warning and no `node:` specifier, and its bundle must then run in headless Chromium
 * against the suite's mock (on another origin): an edit whose image is shown, one call with its own `Prefer` header
 * (the mock's documented 429, from the same client), and Node-only inputs (a path, a file: URL) refused by name
 * before anything is sent. Node itself, importing the same installed package, gets the Node build.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUNDLERS, bundleWith, createConsumerProject, nodeSpecifiers, packPackage, pageHtml, type Bundler } from '../../scripts/consumer-bundles.js';
import { imageField } from '../../src/contract/wire-contract.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { responses } from '../support/spec.js';
import { minimalParts } from '../mock/support.js';

const run = promisify(execFile);
let dir: string;
let project: string;
let browser: BrowserSession | undefined;
const servers: http.Server[] = [];

const BODY = '<img id="result" alt="edited image">\n<pre id="status">sending</pre>';

/** The app: plain JavaScript importing the package by name, as a frontend team writes it. */
function app(mockUrl: string): string {
  const fields = Object.fromEntries(minimalParts().filter((part) => part.filename === undefined).map((part) => [part.name, String(part.value)]));
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
  seen.preferred = await client.edit(request, { headers: { Prefer: 'code=429' } }).then(() => 'answered 200', failure);
  seen.next = await client.edit(request).then((answer) => answer.data.length, failure);
  // Inputs only Node can read: refused before anything is sent.
  seen.path = await client.edit({ ...request, image: 'cat.png' }).then(() => 'sent', failure);
  seen.fileUrl = await client.edit({ ...request, image: new URL('file:///tmp/cat.png') }).then(() => 'sent', failure);
  return seen;
}
main().then((seen) => (status.textContent = JSON.stringify(seen)), (error) => (status.textContent = 'failed: ' + error.message));
`;
}

/** Serves a directory on a free 127.0.0.1 port (every bundler's output has its own origin, like a deployed app). */
async function serve(root: string): Promise<string> {
  const server = http.createServer(async (req, res) => {
    const name = path.normalize(new URL(req.url ?? '/', 'http://page').pathname).slice(1) || 'index.html';
    const file = path.join(root, name);
    if (!file.startsWith(root + path.sep)) return void res.writeHead(404).end();
    const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    readFile(file).then((bytes) => res.writeHead(200, { 'Content-Type': type }).end(bytes), () => res.writeHead(404).end());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-packed-'));
  project = path.join(dir, 'app');
  await createConsumerProject(project, await packPackage(dir));
  await writeFile(path.join(project, 'main.js'), app(inject('mockUrl')));
  // Vite's entry is the page itself.
  await writeFile(path.join(project, 'index.html'), pageHtml(BODY, '<script type="module" src="./main.js"></script>'));
}, 240_000);

afterAll(async () => {
  await browser?.close();
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the packed package in a fresh project', () => {
  it('Node gets the Node build, and every bundler the browser build (the export conditions)', async () => {
    const resolved = await run(process.execPath, ['--input-type=module', '-e', "console.log(import.meta.resolve('orq-image-edits'))"], { cwd: project });
    expect(resolved.stdout.trim()).toMatch(/\/node_modules\/orq-image-edits\/dist\/node\/orq-image-edits\.js$/);
    const manifest = JSON.parse(await readFile(path.join(project, 'node_modules/orq-image-edits/package.json'), 'utf8'));
    expect(Object.keys(manifest.exports['.'])).toEqual(['types', 'node', 'browser', 'default']);
    expect(manifest.exports['.'].browser).toBe(manifest.exports['.'].default);
  });

  it.each(BUNDLERS)('%s builds one edit call with its defaults: no error, no warning, no node: specifier; the bundle runs in Chromium against the mock', { timeout: 120_000 }, async (bundler: Bundler) => {
    const built = await bundleWith(bundler, project, 'main.js', BODY);
    expect(built.errors).toEqual([]);
    expect(built.warnings).toEqual([]);
    expect(built.scripts.length).toBeGreaterThan(0);
    for (const script of built.scripts) {
      expect(nodeSpecifiers(await readFile(path.join(built.outDir, script.file), 'utf8')), script.file).toEqual([]);
    }

    const mockUrl = inject('mockUrl');
    const pageUrl = await serve(built.outDir);
    expect(new URL(pageUrl).origin).not.toBe(new URL(mockUrl).origin);
    browser ??= await openBrowser();
    const page = await browser.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    const posts: string[] = [];
    page.on('request', (request) => {
      if (request.url().startsWith(mockUrl) && request.method() === 'POST') posts.push(request.headers()['prefer'] ?? '');
    });
    try {
      await page.goto(pageUrl);
      await page.waitForFunction(() => document.getElementById('status')?.textContent !== 'sending', undefined, { timeout: 60_000 });
      const status = (await page.textContent('#status')) ?? '';
      expect(status).not.toMatch(/^failed/);
      const seen = JSON.parse(status);
      // The returned image decoded and is on the page.
      expect(await page.$eval('#result', (img) => (img as HTMLImageElement).naturalWidth)).toBeGreaterThan(0);
      // The per-call Prefer header reached the mock, which answered the spec's 429 with its first example.
      const tooMany = responses['429']!;
      const firstExample = Object.values(tooMany.content['application/json']!.examples)[0]!.value as { error: { code: string } };
      expect(seen.preferred).toMatchObject({ name: 'ApiError', status: 429, code: firstExample.error.code });
      expect(seen.preferred.retryAfter).toBeTruthy();
      expect(seen.next).toBeGreaterThan(0);
      // A path and a file: URL: refused by name with what to give instead, and never sent.
      expect(seen.path).toMatchObject({ name: 'RequestValidationError', issues: [{ field: 'image', message: expect.stringMatching(/file path \("cat\.png"\).*only Node.*Blob or File/) }] });
      expect(seen.fileUrl).toMatchObject({ name: 'RequestValidationError', issues: [{ field: 'image', message: expect.stringMatching(/file: URL.*only Node.*Blob or File/) }] });
      expect(posts).toEqual(['', 'code=429', '']);
      expect(errors).toEqual([]);
      expect(browser.externalRequests()).toEqual([]);
    } finally {
      await page.close();
    }
  });
});
