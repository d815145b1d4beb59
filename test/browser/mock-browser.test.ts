/**
 * The frontend proof: a page on one 127.0.0.1 origin imports the client's browser build, sends an edit to the
 * mock on another origin (so CORS preflight and the actual request both happen), and shows the returned base64
 * image. Headless Debian Chromium checks that the image decoded and that no request left 127.0.0.1.
 * No Chromium is a failure, never a skip (.ci/run installs it).
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildBrowserBundle } from '../../scripts/client-bundle.js';
import { wireContract } from '../../src/contract/spec.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { minimalParts } from '../mock/support.js';

const BUNDLE = 'orq-image-edits.js';

let dir: string;
let pageServer: http.Server;
let pageUrl: string;
let browser: BrowserSession | undefined;

function page(mockUrl: string): string {
  // The request's text fields are the spec's smallest example; its image is a real PNG made here.
  const fields = Object.fromEntries(
    minimalParts()
      .filter((part) => part.filename === undefined)
      .map((part) => [part.name, String(part.value)]),
  );
  const imagePart = minimalParts().find((part) => part.filename !== undefined)!;
  return `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>orq-image-edits against the mock</title>
<img id="result" alt="edited image">
<pre id="status">sending</pre>
<script type="module">
  import { createImageEditClient } from './${BUNDLE}';
  const status = document.getElementById('status');
  try {
    const png = Uint8Array.from(atob(${JSON.stringify(makePng(6, 6).toString('base64'))}), (c) => c.charCodeAt(0));
    const client = createImageEditClient({ apiKey: 'browser-test-key', baseUrl: ${JSON.stringify(mockUrl)}, maxRetries: 0 });
    const result = await client.edit({
      ...${JSON.stringify(fields)},
      ${JSON.stringify(imagePart.name)}: new File([png], ${JSON.stringify(imagePart.filename)}, { type: 'image/png' }),
      response_format: 'b64_json',
    });
    const img = document.getElementById('result');
    img.src = 'data:image/png;base64,' + result.data[0].b64_json;
    await img.decode();
    status.textContent = 'done';
  } catch (error) {
    status.textContent = 'failed: ' + (error && error.message);
  }
</script>`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-browser-page-'));
  await buildBrowserBundle(path.join(dir, BUNDLE));
  const html = page(inject('mockUrl'));
  pageServer = http.createServer(async (req, res) => {
    const name = new URL(req.url ?? '/', 'http://page').pathname.slice(1) || 'index.html';
    if (name === 'index.html') {
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    } else if (name === BUNDLE || name === `${BUNDLE}.map`) {
      res
        .writeHead(200, { 'Content-Type': 'text/javascript; charset=utf-8' })
        .end(await readFile(path.join(dir, name)));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    pageServer?.closeAllConnections();
    pageServer ? pageServer.close(() => resolve()) : resolve();
  });
  await rm(dir, { recursive: true, force: true });
});

describe('a page on another origin, in headless Chromium', () => {
  it('sends an edit to the mock with the browser build and shows the returned image', { timeout: 90_000 }, async () => {
    const mockUrl = inject('mockUrl');
    expect(new URL(pageUrl).origin).not.toBe(new URL(mockUrl).origin);
    browser = await openBrowser();
    const methods: string[] = [];
    browser.context.on('request', (request) => {
      if (request.url().startsWith(mockUrl)) methods.push(request.method());
    });
    await browser.page.goto(pageUrl);
    await browser.page.waitForFunction(() => document.getElementById('status')?.textContent !== 'sending', undefined, {
      timeout: 60_000,
    });
    expect(await browser.page.textContent('#status')).toBe('done');
    const naturalWidth = await browser.page.$eval('#result', (img) => (img as HTMLImageElement).naturalWidth);
    expect(naturalWidth).toBeGreaterThan(0);
    expect(browser.requests).toContain(`${mockUrl}${wireContract.path}`);
    expect(methods).toContain('POST');
    expect(browser.externalRequests()).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
