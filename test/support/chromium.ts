/**
 * Headless Chromium from Debian driven by playwright-core, started as scripts/chromium.ts says. Every request the page
 * makes is recorded, so a test can assert that nothing left 127.0.0.1.
 */
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_PATH, chromiumLaunchOptions } from '../../scripts/chromium.js';

export interface BrowserSession {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every URL the page requested, in order. */
  requests: string[];
  /** Console messages of type "error", and uncaught page errors. */
  consoleErrors: string[];
  /** URLs requested that were not on 127.0.0.1 / localhost (data: and blob: URLs are local). */
  externalRequests(): string[];
  close(): Promise<void>;
}

export function isLocalUrl(url: string): boolean {
  if (url.startsWith('data:') || url.startsWith('blob:') || url.startsWith('about:')) return true;
  try {
    const { hostname } = new URL(url);
    return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
  } catch {
    return false;
  }
}

/** Launches Chromium with a fresh profile. Fails (never skips) when Chromium is missing: CI installs it. */
export async function openBrowser(): Promise<BrowserSession> {
  // A fresh profile each time: Playwright's launch() makes a temporary user-data-dir and deletes it on close
  // (it refuses a --user-data-dir flag).
  const browser = await chromium.launch(chromiumLaunchOptions).catch((error: unknown) => {
    throw new Error(
      `cannot start ${CHROMIUM_PATH} (install Debian's chromium: apt-get install chromium): ${(error as Error).message}`,
    );
  });
  const context = await browser.newContext();
  const page = await context.newPage();
  const requests: string[] = [];
  const consoleErrors: string[] = [];
  context.on('request', (request) => requests.push(request.url()));
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  return {
    browser,
    context,
    page,
    requests,
    consoleErrors,
    externalRequests: () => requests.filter((url) => !isLocalUrl(url)),
    async close() {
      await browser.close();
    },
  };
}
