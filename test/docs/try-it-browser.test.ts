/**
 * The reference page's Try-it console in headless Chromium, on the page the mock serves at /docs: it sends two PNGs
 * with the client's browser build and renders the returned image; a bad field (n above its maximum, broken JSON in
 * retry) is refused in the page before any request leaves; a Prefer preset shows a 429 whole (body and Retry-After);
 * "copy as curl" repeats exactly what was sent (run by real curl against a recording server, part for part); the key
 * typed for another server goes nowhere but its Authorization header; and the page may connect to the chosen server
 * only; the mock's delays and faults are presets (Cancel stops a delayed response; a reset and an HTML page are typed
 * errors); url responses from the mock are shown as images, a named example's URLs elsewhere as links; a text file
 * named .png is refused at the image field. Leaves test-results/docs-try-it.png.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildRepositoryDocs } from '../../scripts/build-docs.ts';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { FAULTS, MAX_DELAY_MS } from '../../src/contract/mock-prefer.js';
import { imageField, wireContract, responseFacts, specFacts } from '../../src/contract/spec.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { commands } from './samples.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const maxN = 10; // read back from the page below: the n control's max is the spec's

let work: string;
let mock: MockServer;
let recorder: ScriptedServer;
let browser: BrowserSession;
let page: Page;
const images: string[] = [];

/** Requests that reached the operation, by any server. */
const operationRequests = () => browser.requests.filter((url) => new URL(url).pathname === wireContract.path);

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-try-it-'));
  await buildRepositoryDocs(path.join(work, 'docs'));
  mock = await startMock({ port: 0, docsDir: path.join(work, 'docs') });
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-allow-headers': 'authorization, content-type, prefer',
    'access-control-allow-methods': 'POST',
  };
  recorder = await startScriptedServer((_index, request) =>
    request.method === 'OPTIONS'
      ? { status: 204, headers: cors }
      : { status: 200, headers: cors, body: { created: 1, data: [] } },
  );
  for (const [name, size] of [
    ['red.png', 8],
    ['blue.png', 12],
  ] as const) {
    await writeFile(path.join(work, name), makePng(size, size, { seed: size }));
    images.push(path.join(work, name));
  }
  browser = await openBrowser();
  page = browser.page;
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(`${mock.docsUrl}#/try-it`, { waitUntil: 'load' });
  await page.locator('.orq-console').waitFor({ state: 'visible', timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await mock?.close();
  await recorder?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

async function fillValidRequest(): Promise<void> {
  await page.locator('#orq-try-model').fill('openai/gpt-image-1');
  await page.locator('#orq-try-prompt').fill('Add a red scarf; keep the "cat"');
  await page.locator('#orq-try-n').fill('');
  await page.locator('#orq-try-retry').fill('');
}

async function sendAndWait(): Promise<void> {
  await page.locator('.orq-send').click();
  await page
    .locator('.orq-state')
    .filter({ hasText: /Responded|No response|Not sent/ })
    .waitFor({ timeout: 30_000 });
}

describe('the console on the page the mock serves', () => {
  it('is generated from the spec: every field, enums as choices, numbers with their limits, JSON parts as editors', async () => {
    for (const name of Object.keys(wireContract.fields))
      expect(await page.locator(`#orq-try-${name}`).count(), name).toBe(1);
    expect(await page.locator('#orq-try-quality option').allTextContents()).toEqual(
      expect.arrayContaining(['auto', 'high', 'low']),
    );
    expect(await page.locator('#orq-try-n').getAttribute('max')).toBe(String(maxN));
    expect(await page.locator('textarea#orq-try-orq').count()).toBe(1);
    expect(await page.locator('.orq-console').innerText()).toContain('load_balancer.models[].weight');
  });

  it('sends two PNGs to the mock with the client and renders the returned image', async () => {
    await fillValidRequest();
    await page.locator(`#orq-try-${imageField.name}`).setInputFiles(images);
    expect(await page.locator('.orq-previews img').count()).toBe(2);
    await page.locator('#orq-try-response_format').selectOption('b64_json');
    const before = operationRequests().length;
    await sendAndWait();
    expect(operationRequests().length).toBe(before + 1);
    expect(await page.locator('.orq-status').getAttribute('data-status')).toBe('200');
    const rendered = page.locator('.orq-images img');
    await rendered.first().waitFor();
    expect(await rendered.evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth > 0))).toEqual(
      [true],
    );
    const curl = await page.locator('.orq-curl').innerText();
    expect(curl.match(/-F 'image=@/g)).toHaveLength(2);
    await mkdir(path.join(root, 'test-results'), { recursive: true });
    await page.locator('.orq-response').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(root, 'test-results/docs-try-it.png') });
  });

  it('takes images dropped on its drop zone, with a preview of each', async () => {
    const previews = page.locator('.orq-previews img');
    const before = await previews.count();
    await page.locator('.orq-drop').evaluate(
      (zone, png) => {
        const transfer = new DataTransfer();
        transfer.items.add(new File([new Uint8Array(png)], 'dropped.png', { type: 'image/png' }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
      },
      [...makePng(8, 8, { seed: 9 })],
    );
    expect(await previews.count()).toBe(before + 1);
    expect(
      await previews
        .last()
        .evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth),
    ).toBe(8);
    await page.getByRole('button', { name: 'Remove dropped.png' }).click();
    expect(await previews.count()).toBe(before);
  });

  it('refuses a bad field in the page, at its field, before any request leaves (n too big, broken JSON in retry)', async () => {
    await fillValidRequest();
    await page.locator('#orq-try-n').fill(String(maxN + 1));
    await page.locator('#orq-try-retry').fill('{"count": 2');
    // Checked as the reader types, before any send.
    await expect.poll(() => page.locator('.orq-issues[data-field="retry"]').innerText()).toMatch(/not valid JSON/);
    const before = operationRequests().length;
    await sendAndWait();
    expect(await page.locator('.orq-state').innerText()).toMatch(/^Not sent/);
    expect(await page.locator('.orq-issues[data-field="n"]').innerText()).toMatch(new RegExp(`n must be <= ${maxN}`));
    expect(await page.locator('.orq-issues[data-field="retry"]').innerText()).toMatch(/retry is not valid JSON/);
    expect(operationRequests().length).toBe(before);
  });

  it('asks the mock for a 429 with a Prefer preset and shows its body and Retry-After', async () => {
    await fillValidRequest();
    await page.locator('#orq-try-prefer-preset').selectOption('code=429');
    await sendAndWait();
    expect(await page.locator('.orq-status').getAttribute('data-status')).toBe('429');
    const headers = await page.locator('.orq-headers').innerText();
    expect(headers.toLowerCase()).toMatch(/retry-after\s+2/);
    const code = (responseFacts(429)!.examples[0]!.value as { error: { code: string } }).error.code;
    expect(await page.locator('.orq-body').innerText()).toContain(`"code": "${code}"`);
    expect(await page.locator('.orq-error').innerText()).toMatch(/ApiError/);
    await page.locator('#orq-try-prefer-preset').selectOption('');
  });

  it('offers the mock’s time and faults as presets: a delayed response stops with Cancel; a dropped connection and a proxy’s HTML page come back as the client’s typed errors', async () => {
    await fillValidRequest();
    const preset = page.locator('#orq-try-prefer-preset');
    const offered = await preset
      .locator('option')
      .evaluateAll((options) => options.map((option) => (option as HTMLOptionElement).value));
    expect(offered).toEqual(expect.arrayContaining(Object.keys(FAULTS).map((fault) => `fault=${fault}`)));
    const delay = offered.find((value) => /^delay=\d+$/.test(value))!;
    expect(Number(delay.slice('delay='.length))).toBeLessThanOrEqual(MAX_DELAY_MS);

    await preset.selectOption(delay);
    const before = operationRequests().length;
    await page.locator('.orq-send').click();
    await expect.poll(() => page.locator('.orq-state').innerText()).toBe('Sending…');
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page
      .locator('.orq-state')
      .filter({ hasText: /Responded|No response|Not sent/ })
      .waitFor({ timeout: 30_000 });
    expect(operationRequests().length).toBe(before + 1);
    expect(await page.locator('.orq-error').innerText()).toMatch(/^AbortError/);

    await preset.selectOption('fault=reset');
    await sendAndWait();
    expect(await page.locator('.orq-state').innerText()).toBe('No response.');
    expect(await page.locator('.orq-error').innerText()).toMatch(/^NetworkError/);

    await preset.selectOption('fault=html');
    await sendAndWait();
    expect(await page.locator('.orq-status').getAttribute('data-status')).toBe('502');
    expect(await page.locator('.orq-error').innerText()).toMatch(/^ApiError/);
    await preset.selectOption('');
  });

  it('renders url responses from the mock as images; a named example’s urls elsewhere as links, never loaded; a file that is no image is refused in the page', async () => {
    await fillValidRequest();
    await page.locator('#orq-try-n').fill('2');
    await page.locator('#orq-try-response_format').selectOption('url');
    await sendAndWait();
    expect(await page.locator('.orq-status').getAttribute('data-status')).toBe('200');
    const rendered = page.locator('.orq-images img');
    await expect.poll(() => rendered.count()).toBe(2);
    await expect
      .poll(() =>
        rendered.evaluateAll((imgs) =>
          imgs.map((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0),
        ),
      )
      .toEqual([true, true]);
    expect(
      await rendered.evaluateAll((imgs) => imgs.map((img) => new URL((img as HTMLImageElement).src).origin)),
    ).toEqual([new URL(mock.url).origin, new URL(mock.url).origin]);

    // The spec's `url` example points at Orq's storage: shown as links, and the page asks nothing of that host.
    const example = responseFacts(200)!.examples.find((candidate) => candidate.name === 'url')!;
    await page.locator('#orq-try-prefer-preset').selectOption('example=url');
    await sendAndWait();
    const links = await page
      .locator('.orq-images a')
      .evaluateAll((anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href));
    expect(links).toEqual((example.value as { data: { url: string }[] }).data.map((item) => item.url));
    expect(await page.locator('.orq-images img').count()).toBe(0);
    await page.locator('#orq-try-prefer-preset').selectOption('');

    // A text file named like a PNG: refused at the image field by the client's image rules, nothing sent.
    await page.locator('.orq-drop').evaluate((zone) => {
      const transfer = new DataTransfer();
      transfer.items.add(new File(['not an image at all'], 'notes.png', { type: 'image/png' }));
      zone.dispatchEvent(new DragEvent('drop', { dataTransfer: transfer, bubbles: true, cancelable: true }));
    });
    const before = operationRequests().length;
    await sendAndWait();
    expect(await page.locator('.orq-state').innerText()).toMatch(/^Not sent/);
    expect(await page.locator(`.orq-issues[data-field^="${imageField.name}"]`).allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringMatching(/notes\.png|PNG, JPEG|WebP/)]),
    );
    expect(operationRequests().length).toBe(before);
    await page.getByRole('button', { name: 'Remove notes.png' }).click();
    await page.locator('#orq-try-n').fill('');
    await page.locator('#orq-try-response_format').selectOption('b64_json');
  });

  it('copies as curl exactly what it sent: real curl sends the same parts and headers (key masked)', async () => {
    // Another server: the page reloads with it in its query string; the key is typed afterwards.
    await page.locator('#orq-try-server').selectOption('');
    await page.locator('#orq-try-server-other').fill(recorder.url);
    await Promise.all([
      page.waitForURL(/try-it-server=/),
      page.getByRole('button', { name: /Use this server/ }).click(),
    ]);
    await page.locator('.orq-console').waitFor({ state: 'visible', timeout: 30_000 });
    expect(new URL(page.url()).searchParams.get('try-it-server')).toBe(recorder.url);
    const key = 'sk-try-it-secret-0123';
    await page.locator('#orq-try-key').fill(key);
    await fillValidRequest();
    await page.locator(`#orq-try-${imageField.name}`).setInputFiles(images);
    await page.locator('#orq-try-retry').fill('{"count":2,"on_codes":[429]}');
    await page.locator('#orq-try-quality').selectOption('high');
    await sendAndWait();
    const sent = recorder.requests.find((request) => request.method === 'POST')!;
    expect(sent.headers.authorization).toBe(`Bearer ${key}`);
    const curl = await page.locator('.orq-curl').innerText();
    expect(curl).not.toContain(key);
    // The key is nowhere else either: not in the URL, the page's text or its storage.
    expect(page.url()).not.toContain(key);
    expect(
      await page.evaluate(
        () => document.body.innerText + JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }),
      ),
    ).not.toContain(key);
    const [words] = commands(curl, { ORQ_API_KEY: key });
    await run('/usr/bin/curl', ['--silent', '--show-error', '--output', '/dev/null', ...words!.slice(1)], {
      cwd: work,
    });
    const replayed = recorder.requests.filter((request) => request.method === 'POST').at(-1)!;
    expect(replayed).not.toBe(sent);
    expect(replayed.parts).toEqual(sent.parts);
    expect(replayed.headers.authorization).toBe(sent.headers.authorization);
  });

  it('may connect to the chosen server only: the page policy blocks every other origin', async () => {
    let hits = 0;
    const other = http.createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'access-control-allow-origin': '*' }).end('ok');
    });
    await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
    try {
      const elsewhere = `http://127.0.0.1:${(other.address() as AddressInfo).port}/`;
      const outcome = await page.evaluate(
        async ([allowed, blocked]) => {
          // The browser reports the refusal as an event a moment after the fetch fails: waited for, within 10 s.
          const violation = new Promise<string>((resolve) => {
            document.addEventListener(
              'securitypolicyviolation',
              (event) => resolve(`${event.effectiveDirective} ${event.blockedURI}`),
              { once: true },
            );
            setTimeout(() => resolve('no violation reported'), 10_000);
          });
          const attempt = (url: string) =>
            fetch(url, { mode: 'no-cors' }).then(
              () => 'connected',
              () => 'refused',
            );
          return { allowed: await attempt(allowed!), blocked: await attempt(blocked!), violation: await violation };
        },
        [
          `${new URL(await page.evaluate(() => (window as unknown as { __orqTryItServer: string }).__orqTryItServer)).origin}/`,
          elsewhere,
        ],
      );
      expect(outcome).toEqual({ allowed: 'connected', blocked: 'refused', violation: `connect-src ${elsewhere}` });
      expect(hits).toBe(0);
    } finally {
      await new Promise<void>((resolve) => other.close(() => resolve()));
    }
  });
});

describe('the fetch + FormData code sample', () => {
  it('runs in Chromium against the mock: the chosen files go out, the edited image is shown', async () => {
    const sample = specFacts.codeSamples.find(
      (candidate) => candidate.lang === 'JavaScript' && candidate.source.includes('new FormData()'),
    )!;
    expect(sample).toBeDefined();
    const server = wireContract.servers[0]!;
    expect(sample.source).toContain(server);
    // A page of the mock's own origin (no policy of its own), holding the elements the sample's comment names.
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${mock.url}/`);
      await tab.setContent('<input type="file" id="images" multiple><img id="edited">');
      await tab.locator('#images').setInputFiles(images);
      const before = operationRequests().length;
      await tab.evaluate(
        `(async () => { const apiKey = 'any-key';\n${sample.source.replaceAll(server, mock.url)}\n})()`,
      );
      expect(operationRequests().length).toBe(before + 1);
      await expect
        .poll(() => tab.locator('#edited').evaluate((img) => (img as HTMLImageElement).naturalWidth))
        .toBeGreaterThan(0);
    } finally {
      await tab.close();
    }
  });
});

describe('a server named by the link', () => {
  it('is shown with a warning before a key is typed; no Prefer presets for a server that is not a mock; nothing is sent', async () => {
    const tab = await browser.context.newPage();
    try {
      const before = browser.requests.length;
      await tab.goto(`${mock.docsUrl}?try-it-server=${encodeURIComponent('https://orq.example.invalid')}#/try-it`);
      await tab.locator('.orq-current-server').waitFor({ timeout: 30_000 });
      expect(await tab.locator('.orq-current-server').innerText()).toBe('https://orq.example.invalid');
      expect(await tab.locator('.orq-server .orq-error').innerText()).toMatch(/named by the link/);
      expect(await tab.locator('#orq-try-prefer-preset').count()).toBe(0);
      expect(browser.requests.slice(before).filter((url) => new URL(url).hostname.endsWith('example.invalid'))).toEqual(
        [],
      );
    } finally {
      await tab.close();
    }
  });
});

describe('the page opened from disk', () => {
  it("sends to the spec's local mock, the only server its policy allows", async () => {
    const local = wireContract.servers.find((url) => new URL(url).hostname === '127.0.0.1')!;
    const tab = await browser.context.newPage();
    try {
      await tab.goto(`${pathToFileURL(path.join(work, 'docs/index.html')).href}#/try-it`);
      await tab.locator('.orq-current-server').waitFor({ timeout: 30_000 });
      expect(await tab.locator('.orq-current-server').innerText()).toBe(local);
      const policies = await tab
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .evaluateAll((metas) => metas.map((meta) => (meta as HTMLMetaElement).content));
      expect(policies.at(-1)).toBe(
        `connect-src ${new URL(local).origin}; img-src data: blob: ${new URL(local).origin}`,
      );
    } finally {
      await tab.close();
    }
  });
});

describe('offline', () => {
  it('made no request beyond 127.0.0.1, and logged no error but those the tests provoked (the 429, the reset and the 502 asked for, the policy refusal)', () => {
    // (The page opened from disk is a file: URL, on this machine too.)
    expect(browser.externalRequests().filter((url) => !url.startsWith('file:'))).toEqual([]);
    const provoked = /status of (429|502)|ERR_CONNECTION_RESET|Content Security Policy/;
    expect(browser.consoleErrors.filter((message) => !provoked.test(message))).toEqual([]);
  });
});
