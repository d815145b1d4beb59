/**
 * The MSW handlers in a real browser: a page in headless Chromium registers them with MSW's service worker
 * (mockServiceWorker.js from the msw package, served beside the page by a tiny 127.0.0.1 server), then sends an
 * edit through this package's browser build and one through a plain fetch + FormData to the spec's own server, and
 * shows both returned images; a request with `n: 11` gets the spec's 400 body, the very body the Node mock gives;
 * images made from the request (the page's own codecs) come back at the size asked, inline and as URLs the worker
 * serves; `Prefer: fault=reset` is a failed fetch.
 * Nothing reaches a network: every request the page makes is to the page's server or served by the worker.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildBrowserBundle } from '../../scripts/client-bundle.js';
import { validateErrorResponse } from '../../generated/validators.js';
import { defaultBaseUrl, wireContract } from '../../src/contract/spec.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { minimalParts, postParts } from '../mock/support.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const FILES: Record<string, string> = {
  'client.js': 'text/javascript',
  'msw-page.js': 'text/javascript',
  'mockServiceWorker.js': 'text/javascript',
};

let dir: string;
let pageServer: http.Server;
let pageUrl: string;
let browser: BrowserSession | undefined;

const fields = Object.fromEntries(
  minimalParts()
    .filter((part) => part.filename === undefined)
    .map((part) => [part.name, String(part.value)]),
);
const imagePart = minimalParts().find((part) => part.filename !== undefined)!;
const TOO_MANY = 11;

function page(): string {
  return `<!doctype html>
<meta charset="utf-8">
<link rel="icon" href="data:,">
<title>orq-image-edits/msw in the page</title>
<img id="by-client" alt="edited by the client"><img id="by-fetch" alt="edited by fetch">
<pre id="status">starting</pre>
<script type="module">
  import { setupWorker, createImageEditHandlers } from './msw-page.js';
  import { createImageEditClient } from './client.js';
  const status = document.getElementById('status');
  const png = Uint8Array.from(atob(${JSON.stringify(makePng(6, 6).toString('base64'))}), (c) => c.charCodeAt(0));
  const image = () => new File([png], ${JSON.stringify(imagePart.filename)}, { type: 'image/png' });
  const show = async (id, b64) => {
    const img = document.getElementById(id);
    img.src = 'data:image/png;base64,' + b64;
    await img.decode();
    return img.naturalWidth;
  };
  const form = (extra) => {
    const body = new FormData();
    for (const [name, value] of Object.entries({ ...${JSON.stringify(fields)}, ...extra })) body.append(name, value);
    body.append(${JSON.stringify(imagePart.name)}, image());
    return body;
  };
  try {
    await setupWorker(...createImageEditHandlers()).start({ serviceWorker: { url: '/mockServiceWorker.js' }, quiet: true, onUnhandledRequest: 'bypass' });
    // The browser build, to the page's own origin: the page's server has no such route, only the worker responds.
    const client = createImageEditClient({ apiKey: 'browser-test-key', baseUrl: location.origin, maxRetries: 0 });
    const result = await client.edit({ ...${JSON.stringify(fields)}, ${JSON.stringify(imagePart.name)}: image(), response_format: 'b64_json' });
    const byClient = await show('by-client', result.data[0].b64_json);
    // A plain fetch + FormData, to the spec's server: any origin gets a response.
    const endpoint = ${JSON.stringify(`${defaultBaseUrl}${wireContract.path}`)};
    const headers = { Authorization: 'Bearer browser-test-key' };
    const plain = await fetch(endpoint, { method: 'POST', headers, body: form({ response_format: 'b64_json' }) });
    const byFetch = await show('by-fetch', (await plain.json()).data[0].b64_json);
    const refused = await fetch(endpoint, { method: 'POST', headers, body: form({ n: '${TOO_MANY}' }) });
    // Made from the request with the page's own codecs: n images at the size asked, url ones served by the worker.
    const made = await (await fetch(endpoint, { method: 'POST', headers, body: form({ n: '2', size: '64x48', response_format: 'url' }) })).json();
    const madeSizes = [];
    for (const item of made.data) {
      const img = new Image();
      img.src = item.url;
      await img.decode();
      madeSizes.push([img.naturalWidth, img.naturalHeight]);
    }
    const inline = await (await fetch(endpoint, { method: 'POST', headers, body: form({ size: '64x48', response_format: 'b64_json' }) })).json();
    const img = new Image();
    img.src = 'data:image/png;base64,' + inline.data[0].b64_json;
    await img.decode();
    madeSizes.push([img.naturalWidth, img.naturalHeight]);
    // A dropped connection is a failed fetch, as on the network.
    const reset = await fetch(endpoint, { method: 'POST', headers: { ...headers, Prefer: 'fault=reset' }, body: form({}) }).then(() => 'responded', (error) => error.name);
    window.results = { byClient, byFetch, refused: { status: refused.status, body: await refused.json() }, made: { urls: made.data.map((item) => item.url), sizes: madeSizes, size: made.size }, reset };
    status.textContent = 'done';
  } catch (error) {
    status.textContent = 'failed: ' + (error && error.stack || error);
  }
</script>`;
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-msw-page-'));
  await buildBrowserBundle(path.join(dir, 'client.js'));
  // The handlers and MSW's browser API in one bundle (one copy of MSW), as a frontend's bundler would make it.
  await build({
    stdin: {
      contents: `export { setupWorker } from 'msw/browser';\nexport { createImageEditHandlers } from './src/mock/msw.ts';\n`,
      resolveDir: root,
      sourcefile: 'msw-page.ts',
      loader: 'ts',
    },
    bundle: true,
    platform: 'browser',
    format: 'esm',
    outfile: path.join(dir, 'msw-page.js'),
    logLevel: 'silent',
  });
  const html = page();
  const worker = await readFile(path.join(root, 'node_modules/msw/lib/mockServiceWorker.js'));
  pageServer = http.createServer(async (req, res) => {
    const name = new URL(req.url ?? '/', 'http://page').pathname.slice(1) || 'index.html';
    if (name === 'index.html') res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html);
    else if (name === 'mockServiceWorker.js') res.writeHead(200, { 'Content-Type': 'text/javascript' }).end(worker);
    else if (FILES[name]) res.writeHead(200, { 'Content-Type': FILES[name] }).end(await readFile(path.join(dir, name)));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => pageServer.listen(0, '127.0.0.1', resolve));
  pageUrl = `http://127.0.0.1:${(pageServer.address() as AddressInfo).port}/`;
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => {
    pageServer?.closeAllConnections();
    pageServer ? pageServer.close(() => resolve()) : resolve();
  });
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("orq-image-edits/msw in headless Chromium, through MSW's service worker", () => {
  it("responds to the browser build and a plain fetch + FormData with images the page shows, and n: 11 with the spec's 400 body", {
    timeout: 120_000,
  }, async () => {
    browser = await openBrowser();
    const responded: { url: string; fromWorker: boolean }[] = [];
    browser.context.on('response', (response) =>
      responded.push({ url: response.url(), fromWorker: response.fromServiceWorker() }),
    );
    await browser.page.goto(pageUrl);
    await browser.page.waitForFunction(() => document.getElementById('status')?.textContent !== 'starting', undefined, {
      timeout: 90_000,
    });
    expect(await browser.page.textContent('#status')).toBe('done');
    const results = (await browser.page.evaluate('window.results')) as {
      byClient: number;
      byFetch: number;
      refused: { status: number; body: unknown };
      made: { urls: string[]; sizes: number[][]; size: string };
      reset: string;
    };
    expect(results.byClient).toBeGreaterThan(0);
    expect(results.byFetch).toBeGreaterThan(0);

    // n: 11 → the spec's 400 (its example's code), naming n: the very response the Node mock gives the same request.
    expect(results.refused.status).toBe(400);
    expect(validateErrorResponse(results.refused.body)).toBe(true);
    const fromNode = await postParts([...minimalParts(), { name: 'n', value: String(TOO_MANY) }]);
    expect(fromNode.status).toBe(400);
    expect(results.refused.body).toEqual(fromNode.body);

    // Images made from the page's own picture at the size asked, shown from their URLs (served by the worker) and inline.
    expect(results.made.size).toBe('64x48');
    expect(results.made.urls.every((url) => url.startsWith(`${defaultBaseUrl}/files/`))).toBe(true);
    expect(results.made.sizes).toEqual([
      [64, 48],
      [64, 48],
      [64, 48],
    ]);
    expect(results.reset).toBe('TypeError');

    // The operation's requests and its images were served by the worker; nothing else left 127.0.0.1.
    const operation = responded.filter(
      ({ url }) => new URL(url).pathname === wireContract.path || results.made.urls.includes(url),
    );
    expect(operation.length).toBeGreaterThanOrEqual(3);
    expect(operation.every(({ fromWorker }) => fromWorker)).toBe(true);
    expect(browser.externalRequests().filter((url) => !operation.some((response) => response.url === url))).toEqual([]);
    // Chromium logs the refused request (the deliberate 400) and the dropped connection (fault=reset), nothing else.
    expect(
      browser.consoleErrors.filter(
        (line) => !line.includes('status of 400') && !/Failed to fetch|net::ERR_FAILED/.test(line),
      ),
    ).toEqual([]);
  });
});
