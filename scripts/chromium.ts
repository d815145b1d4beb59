/**
 * How this project starts Chromium: Debian's binary (browser downloads do not work here) with flags that keep it from
 * reaching for the network on its own. One recipe for the tests (test/support/chromium.ts), the benchmarks and
 * `npm test`'s prerequisite check, so that a flag added for one is there for all.
 */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** playwright-core's `chromium.launch()` options for that binary and those flags (a fresh profile each launch). */
export const chromiumLaunchOptions = { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_FLAGS };
