/**
 * The Try-it console against servers that misbehave, in headless Chromium, driven as a person drives it (the key
 * typed, an image picked, Send clicked): a server that echoes the key everywhere it can (a header's value and name,
 * the reason phrase, the JSON as is, JSON-escaped and percent-encoded, an image URL, an error message) never gets it
 * onto the page, into its DOM, the copied curl or the saved body; and responses of 20 and 50 MiB are shown as a
 * bounded view (size, a head, the images) while the page keeps running, with the whole body one "Save" away.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { buildRepositoryDocs } from '../../scripts/build-docs.ts';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { imageField } from '../../src/contract/spec.js';
import { openBrowser, type BrowserSession } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { startScriptedServer, type Fault, type ScriptedServer } from '../support/scripted-server.js';

/** A key with the characters JSON and percent-encoding write differently (`"`, `\`, `/`, `+`). */
const KEY = 'sk-orq/live+9f8e7d6c"5b4a\\3210';
/** Every way the key may be written back, lower-cased (a header name is lower-cased on the way). */
const KEY_FORMS = [
  KEY,
  JSON.stringify(KEY).slice(1, -1),
  JSON.stringify(JSON.stringify(KEY)).slice(1, -1),
  encodeURIComponent(KEY),
  '9f8e7d6c',
].map((form) => form.toLowerCase());
const CORS = {
  'access-control-allow-origin': '*',
  'access-control-allow-headers': 'authorization, content-type, prefer',
  'access-control-allow-methods': 'POST',
  'access-control-expose-headers': '*',
};
const MiB = 1024 * 1024;

let work: string;
let mock: MockServer;
let browser: BrowserSession;
let page: Page;
let image: string;
/** What the next POST gets as its response. */
let respond: (authorization: string) => Fault;
let server: ScriptedServer;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-try-it-hostile-'));
  await buildRepositoryDocs(path.join(work, 'docs'));
  mock = await startMock({ port: 0, docsDir: path.join(work, 'docs') });
  server = await startScriptedServer((_index, request) =>
    request.method === 'OPTIONS'
      ? { status: 204, headers: CORS }
      : respond(String(request.headers.authorization ?? '')),
  );
  image = path.join(work, 'cat.png');
  await writeFile(image, makePng(8, 8, { seed: 3 }));
  browser = await openBrowser();
  page = browser.page;
  await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(mock.url).origin });
  await page.goto(`${mock.docsUrl}?try-it-server=${encodeURIComponent(server.url)}#/try-it`, { waitUntil: 'load' });
  await page.locator('.orq-console').waitFor({ state: 'visible', timeout: 30_000 });
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await mock?.close();
  await server?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Types the key and a request, picks the image and sends, as a person would; waits for the outcome. */
async function sendAsAPerson(timeout = 30_000): Promise<void> {
  await page.locator('#orq-try-key').fill('');
  await page.locator('#orq-try-key').pressSequentially(KEY);
  await page.locator('#orq-try-model').fill('openai/gpt-image-1');
  await page.locator('#orq-try-prompt').fill('Add a red scarf');
  await page.locator(`#orq-try-${imageField.name}`).setInputFiles([image]);
  await page.getByRole('button', { name: 'Send' }).click();
  await page
    .locator('.orq-state')
    .filter({ hasText: /Responded|No response|Not sent/ })
    .waitFor({ timeout });
  // The picked image stays picked: removed, so the next send picks one again.
  await page.getByRole('button', { name: 'Remove cat.png' }).click();
}

/** The key's forms found in `text` (none expected). */
const keyFormsIn = (text: string) => KEY_FORMS.filter((form) => text.toLowerCase().includes(form));

/** The page's text, its whole DOM (attributes included) and what "Copy as curl" put on the clipboard. */
async function everythingShown(): Promise<{ text: string; dom: string; clipboard: string }> {
  await page.getByRole('button', { name: 'Copy as curl' }).click();
  await expect.poll(() => page.getByRole('button', { name: /Copied|Select the text/ }).count()).toBe(1);
  return page.evaluate(async () => ({
    text: document.body.innerText,
    dom: document.documentElement.outerHTML,
    clipboard: await navigator.clipboard.readText(),
  }));
}

async function savedBody(): Promise<Buffer> {
  const [download] = await Promise.all([
    page.waitForEvent('download', { timeout: 60_000 }),
    page.getByRole('button', { name: 'Save the body' }).click(),
  ]);
  return readFile((await download.path())!);
}

describe('a server that echoes the key', () => {
  it('never gets the typed key onto the page: not in the headers, the body, the images, the DOM, the copied curl or the saved body', async () => {
    const png = makePng(8, 8, { seed: 5 }).toString('base64');
    respond = (authorization) => {
      const key = authorization.replace(/^Bearer /, '');
      return {
        status: 200,
        reason: `OK ${key}`,
        headers: {
          ...CORS,
          'x-echo': authorization,
          'x-echo-encoded': encodeURIComponent(key),
          [`x-echo-${encodeURIComponent(key)}`]: 'name',
        },
        body: {
          created: 1,
          data: [{ b64_json: png }, { url: `${server.url}/image.png?key=${encodeURIComponent(key)}` }],
          echo: {
            authorization,
            json: JSON.stringify({ key }),
            percent: encodeURIComponent(key),
            [key]: 'as a field name',
          },
        },
      };
    };
    await sendAsAPerson();
    expect(await page.locator('.orq-state').innerText()).toBe('Responded 200.');
    const shown = await everythingShown();
    expect(keyFormsIn(shown.text)).toEqual([]);
    expect(keyFormsIn(shown.dom)).toEqual([]);
    expect(shown.clipboard).toContain('$ORQ_API_KEY');
    expect(keyFormsIn(shown.clipboard)).toEqual([]);
    // The response is there, scrubbed: the image rendered; the URL that carries the key shown as text, never loaded.
    await expect
      .poll(() =>
        page
          .locator('.orq-images img')
          .evaluateAll((imgs) => imgs.map((img) => (img as HTMLImageElement).naturalWidth)),
      )
      .toEqual([8]);
    expect(await page.locator('.orq-images').innerText()).toContain('key=[redacted]');
    expect(server.requests.filter((request) => request.url.startsWith('/image.png'))).toEqual([]);
    expect(await page.locator('.orq-headers').innerText()).toMatch(/x-echo\s+Bearer \[redacted\]/);
    expect(await page.locator('.orq-body').innerText()).toContain('"percent": "[redacted]"');
    const saved = (await savedBody()).toString('utf8');
    expect(saved).toContain('[redacted]');
    expect(keyFormsIn(saved)).toEqual([]);

    // An error response that quotes the key, in its message and its reason phrase.
    respond = (authorization) => ({
      status: 401,
      reason: `Unauthorized ${authorization}`,
      headers: CORS,
      body: {
        error: {
          code: 'invalid_api_key',
          message: `Incorrect API key provided: ${authorization.replace(/^Bearer /, '')}`,
        },
      },
    });
    await sendAsAPerson();
    expect(await page.locator('.orq-error').innerText()).toMatch(/^ApiError/);
    const failed = await everythingShown();
    expect(failed.text).toContain('Incorrect API key provided: [redacted]');
    expect(keyFormsIn(failed.text)).toEqual([]);
    expect(keyFormsIn(failed.dom)).toEqual([]);
    expect(keyFormsIn(failed.clipboard)).toEqual([]);
  }, 120_000);
});

describe('a large response', () => {
  /** A response of about `mib` MiB: `count` real PNGs, padded, as b64_json (what n=10 large images come to). */
  function largeResponse(mib: number, count: number): string {
    const png = makePng(16, 16, { seed: 7, padTo: Math.floor((mib * MiB * 3) / 4 / count) }).toString('base64');
    return JSON.stringify({ created: 1, data: Array.from({ length: count }, () => ({ b64_json: png })) });
  }

  for (const [mib, count] of [
    [20, 4],
    [50, 10],
  ] as const) {
    it(`shows ${mib} MiB as its size, a head and its images while the page keeps running; Save gives the whole body`, async () => {
      const body = largeResponse(mib, count);
      respond = () => ({ status: 200, headers: CORS, body });
      // A timer in the page: the longest gap between its ticks is how long the page stood still.
      await page.evaluate(() => {
        const state = window as unknown as { __ticks: { last: number; longest: number } };
        state.__ticks = { last: performance.now(), longest: 0 };
        setInterval(() => {
          const now = performance.now();
          state.__ticks.longest = Math.max(state.__ticks.longest, now - state.__ticks.last);
          state.__ticks.last = now;
        }, 20);
      });
      await sendAsAPerson(180_000);
      expect(await page.locator('.orq-state').innerText()).toBe('Responded 200.');
      await expect.poll(() => page.locator('.orq-images img').count()).toBe(count);
      // Two frames after the response is shown: its layout and paint are done, within them.
      await page.evaluate(() => new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(resolve))));
      const longest = await page.evaluate(
        () => (window as unknown as { __ticks: { longest: number } }).__ticks.longest,
      );
      console.log(`${mib} MiB: the page stood still at most ${Math.round(longest)} ms`);
      // Before the view was bounded the page stood still 11-26 s; the client's own parse and checks of the body remain, slow on a loaded machine.
      expect(longest).toBeLessThan(10_000);

      expect(await page.locator('.orq-size').getAttribute('data-bytes')).toBe(String(Buffer.byteLength(body)));
      expect(await page.locator('.orq-size').innerText()).toContain(
        `${Buffer.byteLength(body).toLocaleString('en')} bytes`,
      );
      const head = await page.locator('.orq-body').innerText();
      expect(head.startsWith('{\n  "created": 1,\n  "data": [\n    {\n      "b64_json": "iVBORw0KGgo')).toBe(true);
      expect(head).toMatch(/characters\)/);
      expect(head.length).toBeLessThan(70_000);
      const saved = await savedBody();
      expect(saved.length).toBe(Buffer.byteLength(body));
      expect(createHash('sha256').update(saved).digest('hex')).toBe(createHash('sha256').update(body).digest('hex'));
    }, 300_000);
  }
});
