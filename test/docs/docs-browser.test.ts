/**
 * The built API reference in headless Chromium: it renders from 127.0.0.1 with nothing fetched from anywhere else
 * and no console error; it lands on the operation; the browser's own find-in-page reaches a status (422) and a nested
 * limit (`weight`, `retry.on_codes`) from there; every top-level request field, every documented status with its
 * example, the named examples and every code sample are on the page; the error table lists every status with its
 * codes and whether the client retries it by default. Everything checked is read from the spec (and the client's
 * retry policy). Leaves screenshots in test-results/ for a person to look at.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { buildRepositoryDocs } from '../../scripts/build-docs.ts';
import { isRetryable } from '../../src/client/retry.js';
import { isLocalUrl, openBrowser, type BrowserSession } from '../support/chromium.js';
import { specFacts } from '../../generated/spec-facts.js';
import { requestExamples, requestSchema, responses, spec } from '../support/spec.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const resultsDir = path.join(root, 'test-results');

const { path: operationPath, method } = specFacts.operation;
const operation = spec.paths[operationPath][method.toLowerCase()];
const requestFields = Object.keys(requestSchema.properties as Record<string, unknown>);
const codeSamples = specFacts.codeSamples;
const statuses = Object.keys(responses);

/** Markdown as text: what a reader sees of a description's first sentence (no backticks, no emphasis). */
function plain(markdown: string): string {
  return markdown.replace(/[`*_]/g, '').replace(/\s+/g, ' ').trim();
}
function firstSentence(markdown: string): string {
  return plain(markdown).split(/(?<=\.)\s/)[0]!;
}
const normalize = (text: string) => text.replace(/\s+/g, ' ').trim();
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

let server: http.Server;
let docsUrl: string;
let browser: BrowserSession;
let page: Page;
let built: { file: string; bytes: number };

beforeAll(async () => {
  built = await buildRepositoryDocs(); // exactly what `npm run docs` does
  const html = await readFile(built.file);
  server = http.createServer((req, res) => {
    if (req.url === '/docs' || req.url === '/docs/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': html.length });
      res.end(html);
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  docsUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/docs/`;
  browser = await openBrowser();
  page = browser.page;
  // Nothing may leave this machine: anything that tries is recorded (and failed) rather than sent.
  await browser.context.route(
    (url) => !isLocalUrl(url.href),
    (route) => route.abort('blockedbyclient'),
  );
  await page.setViewportSize({ width: 1440, height: 900 });
  await page.goto(docsUrl, { waitUntil: 'load' });
  await heading(operation.summary).first().waitFor({ state: 'visible', timeout: 30_000 });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
});

/** A heading whose text is exactly `text` (Redoc puts a "link to ..." anchor inside, so roles' names do not match). */
function heading(text: string | RegExp): Locator {
  return page
    .locator('h1, h2, h3')
    .filter({ hasText: typeof text === 'string' ? new RegExp(`^\\s*${escapeRegExp(text)}\\s*$`) : text });
}

async function visible(locator: Locator): Promise<boolean> {
  return (await locator.filter({ visible: true }).count()) > 0;
}

/**
 * A screenshot of the whole page. Redoc skips painting what is off screen, so a plain fullPage shot of a scrolled page
 * comes out blank above the fold: the viewport is made as tall as the page instead, then put back.
 */
async function screenshotWholePage(file: string): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const size = page.viewportSize()!;
  const nextFrame = () =>
    page.evaluate(
      () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
    );
  for (let i = 0; i < 3; i++) {
    const height = await page.evaluate(() => document.documentElement.scrollHeight);
    if (page.viewportSize()!.height === height) break;
    await page.setViewportSize({ width: size.width, height });
    await nextFrame();
  }
  await page.evaluate(() => window.scrollTo(0, 0));
  await nextFrame();
  await page.screenshot({ path: file });
  await page.setViewportSize(size);
}

/** Back to the operation, the way a reader does: its entry in the sidebar. */
async function openOperation(): Promise<void> {
  // The sidebar entry reads "<summary> POST"; anchored so the page title's link ("... Edit an Image") cannot match.
  const entry = page.getByRole('link', { name: new RegExp(`^${escapeRegExp(operation.summary)}\\s*${method}$`, 'i') });
  if (!(await visible(entry))) await page.getByRole('link', { name: operation.tags[0], exact: true }).first().click();
  await entry.filter({ visible: true }).first().click();
  await heading(operation.summary).first().waitFor({ state: 'visible', timeout: 10_000 });
}

/**
 * The browser's own find-in-page (window.find: the same search as Ctrl+F, which skips text that is not rendered) from
 * the top of the page: whether `text` is found in text a reader can see.
 */
function findInPage(text: string): Promise<boolean> {
  return page.evaluate((wanted) => {
    getSelection()?.removeAllRanges();
    const found = (
      window as unknown as { find(text: string, caseSensitive: boolean, backwards: boolean, wrap: boolean): boolean }
    ).find(wanted, true, false, true);
    const range = found ? getSelection()!.getRangeAt(0) : undefined;
    const box = range?.getBoundingClientRect();
    getSelection()?.removeAllRanges();
    return !!box && box.width > 0 && box.height > 0;
  }, text);
}

describe('the built page', () => {
  it('is one self-contained file of reasonable size', async () => {
    const html = await readFile(built.file, 'utf8');
    expect(html).not.toMatch(/<script[^>]*\ssrc=/i);
    expect(html).toContain('Content-Security-Policy');
  });

  it('stays under 3 MB', () => {
    expect(built.bytes).toBeLessThan(3 * 1024 * 1024);
  });

  it('lands on the operation: its heading in the first screen, its sidebar entry open (test-results/docs-landing.png)', async () => {
    expect(await page.title()).toBe(spec.info.title);
    const box = await heading(operation.summary).first().boundingBox();
    expect(box).not.toBeNull();
    expect(box!.y).toBeLessThan(page.viewportSize()!.height / 2);
    const entry = page.getByRole('link', {
      name: new RegExp(`^${escapeRegExp(operation.summary)}\\s*${method}$`, 'i'),
    });
    expect(await visible(entry)).toBe(true);
    await mkdir(resultsDir, { recursive: true });
    await page.screenshot({ path: path.join(resultsDir, 'docs-landing.png') });
  });

  it.each(['422', 'weight', 'retry.on_codes', 'load_balancer.models[].weight'])(
    'find-in-page reaches "%s" from the landing',
    async (text) => {
      // Redoc renders the whole operation within moments of loading (the page has it render every section at once).
      await expect.poll(() => findInPage(text), { timeout: 30_000 }).toBe(true);
    },
  );

  it('keeps the overview one click away: title, summary and description', async () => {
    await page
      .getByRole('link', { name: new RegExp(`^${escapeRegExp(spec.info.title)}`) })
      .first()
      .click();
    await heading(new RegExp(`^${escapeRegExp(spec.info.title)}`))
      .first()
      .waitFor({ state: 'visible' });
    expect(await visible(page.getByText(spec.info.summary, { exact: true }))).toBe(true);
    expect(await visible(page.getByText(firstSentence(spec.info.description)))).toBe(true);
  });
});

describe('the error table', () => {
  beforeAll(async () => {
    await page.getByRole('link', { name: 'Errors', exact: true }).first().click();
    await heading('Errors').first().waitFor({ state: 'visible' });
  });

  it.each(statuses.filter((status) => Number(status) >= 400))(
    'has status %s with its codes, meaning and whether the client retries it by default',
    async (status) => {
      const row = page
        .locator('table tr')
        .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${status}\\b`) }) });
      expect(await row.count()).toBe(1);
      const text = normalize(await row.innerText());
      for (const example of Object.values(responses[status]!.content['application/json']!.examples)) {
        expect(text).toContain((example.value as { error: { code: string } }).error.code);
      }
      expect(text).toContain(firstSentence(responses[status]!.description));
      const retried = isRetryable({ kind: 'status', status: Number(status), retryAfter: null });
      const withHeader = isRetryable({ kind: 'status', status: Number(status), retryAfter: '2' });
      const last = normalize(await row.locator('td').last().innerText());
      expect(last).toMatch(retried ? /^yes$/ : withHeader ? /Retry-After/ : /^no/);
    },
  );

  it('says what the README says the client does: 429 yes, 503 only with Retry-After, 500 no', async () => {
    const cell = async (status: number) =>
      normalize(
        await page
          .locator('table tr')
          .filter({ has: page.locator('td:first-child', { hasText: new RegExp(`^${status}\\b`) }) })
          .locator('td')
          .last()
          .innerText(),
      );
    expect(await cell(429)).toBe('yes');
    expect(await cell(503)).toMatch(/only with a readable Retry-After/);
    expect(await cell(500)).toMatch(/^no/);
  });
});

describe('the operation', () => {
  beforeAll(openOperation);

  it('shows its summary, method, path and description', async () => {
    const samplesPanel = page.locator('.panel-request-samples');
    expect(normalize(await samplesPanel.innerText())).toContain(`${method.toUpperCase()} ${operationPath}`);
    expect(await visible(page.getByText(firstSentence(operation.description)))).toBe(true);
  });

  it.each(requestFields)('shows request field %s (top level of the request body)', async (field) => {
    // Redoc links each property as "...t=request&path=<path>"; a top-level field's path is its bare name (a nested
    // one reads e.g. "fallbacks[]/model"), so this finds the field itself, not a namesake inside another field.
    const item = page
      .locator('.schema-property-item')
      .filter({ has: page.locator(`a[href$="t=request&path=${field}"]`) });
    expect(await visible(item.locator('.schema-name').getByText(field, { exact: true }))).toBe(true);
  });

  it('offers every named request example', async () => {
    const summaries = Object.values(requestExamples).map((example) => example.summary!);
    const samplesPanel = page.locator('.panel-request-samples');
    await samplesPanel.getByText(summaries[0]!, { exact: true }).click();
    for (const summary of summaries)
      expect(await visible(page.getByRole('menuitem', { name: summary })), summary).toBe(true);
    await page.keyboard.press('Escape');
  });

  it('shows the 200 example', async () => {
    const [name, example] = Object.entries(responses['200']!.content['application/json']!.examples)[0]!;
    const panel = page.locator('.panel-response-samples');
    await panel.getByRole('button', { name: '200', exact: true }).click();
    const text = normalize(await panel.innerText());
    const value = example.value as { created: number; data: Record<string, string>[] };
    expect(text, name).toContain(`"created": ${value.created}`);
    for (const [key, datum] of Object.entries(value.data[0]!)) expect(text).toContain(`"${key}": "${datum}"`);
    expect(await visible(panel.getByText((example as { summary?: string }).summary ?? name))).toBe(true);
  });

  it.each(statuses.filter((status) => status !== '200'))(
    'shows status %s with its description and example',
    async (status) => {
      // The middle column's response tabs: the status and its description.
      await page.getByRole('tab', { name: status, exact: true }).click();
      expect(await visible(page.getByText(firstSentence(responses[status]!.description)))).toBe(true);
      // The right column's response samples: the status's first example.
      const panel = page.locator('.panel-response-samples');
      await panel.getByRole('button', { name: status, exact: true }).click();
      const example = Object.values(responses[status]!.content['application/json']!.examples)[0]!.value as {
        error: { code: string };
      };
      expect(normalize(await panel.innerText())).toContain(`"code": "${example.error.code}"`);
    },
  );

  it.each(codeSamples.map((sample) => [sample.label, sample] as const))(
    'shows the %s code sample',
    async (label, sample) => {
      const panel = page.locator('.panel-request-samples');
      // The panel's language switch is the button named for the sample (or the payload) shown now.
      const choices = [...codeSamples.map((s) => s.label ?? s.lang), 'Payload'].map(escapeRegExp);
      await panel.getByRole('button', { name: new RegExp(`^(${choices.join('|')})$`) }).click();
      await page.getByRole('menuitem', { name: label, exact: true }).click();
      const text = await panel.innerText();
      for (const line of sample.source.split('\n').filter((l) => l.trim() !== '')) {
        expect(text, `${label}: ${line}`).toContain(line);
      }
      // It fits: no box in the panel (the code, the language switch) hides part of its content behind a scrollbar or a
      // cut, and the switch shows the whole label.
      const overflowing = await panel.evaluate((element) =>
        [element, ...element.querySelectorAll('*')]
          .filter((box) => getComputedStyle(box).overflowX !== 'visible' && box.scrollWidth > box.clientWidth + 1)
          .map((box) => `${box.tagName.toLowerCase()} ${box.scrollWidth}px in ${box.clientWidth}px`),
      );
      expect(overflowing, label).toEqual([]);
      expect(await panel.getByRole('button', { name: label, exact: true }).count(), label).toBe(1);
    },
  );

  it('includes a curl sample and a TypeScript sample (the issue asks for both)', () => {
    expect(codeSamples.some((sample) => /^\s*curl /m.test(sample.source))).toBe(true);
    expect(codeSamples.some((sample) => sample.lang === 'TypeScript')).toBe(true);
  });

  it('leaves a full-page screenshot (test-results/docs-page.png)', async () => {
    await page.getByRole('tab', { name: '200', exact: true }).click();
    await page.locator('.panel-response-samples').getByRole('button', { name: '200', exact: true }).click();
    const samples = page.locator('.panel-request-samples');
    await samples
      .getByRole('button', {
        name: new RegExp(
          `^(${[...codeSamples.map((s) => s.label ?? s.lang), 'Payload'].map(escapeRegExp).join('|')})$`,
        ),
      })
      .click();
    await page.getByRole('menuitem', { name: codeSamples[0]!.label ?? codeSamples[0]!.lang, exact: true }).click();
    const file = path.join(resultsDir, 'docs-page.png');
    await screenshotWholePage(file);
    expect((await readFile(file)).length).toBeGreaterThan(10_000);
  });
});

describe('offline', () => {
  it('made no request beyond 127.0.0.1 and logged no console error, after every view above', () => {
    expect(browser.requests.length).toBeGreaterThan(0);
    expect(browser.externalRequests()).toEqual([]);
    expect(browser.consoleErrors).toEqual([]);
  });
});
