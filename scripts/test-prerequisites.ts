/**
 * `npm test`'s first step (the `pretest` script): makes sure the two programs the suite drives are here, so the
 * README's `npm ci && npm test` passes on a fresh machine with nothing else typed.
 *
 * - Chromium (Debian's, at /usr/bin/chromium or $CHROMIUM_PATH) for the browser tests: Playwright's own browser
 *   download does not work on these machines, and Debian's package does.
 * - curl, which runs the mock's printed example and the docs' curl samples.
 *
 * When one is missing and this runs as root on a machine with apt-get, it installs Debian's packages and says so
 * (about a minute, once). Anywhere else it stops at once with one line saying what to install, instead of a suite
 * that fails or skips dozens of tests.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { CHROMIUM_PATH } from './chromium.ts';

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? '')
    .split(path.delimiter)
    .some((dir) => dir !== '' && executable(path.join(dir, command)));
}

/** Debian package → whether its program is missing. */
const missing = [...(executable(CHROMIUM_PATH) ? [] : ['chromium']), ...(onPath('curl') ? [] : ['curl'])];
if (missing.length === 0) process.exit(0);

const what = missing
  .map((name) =>
    name === 'chromium' ? `Chromium (${CHROMIUM_PATH}, for the browser tests)` : 'curl (for the curl samples)',
  )
  .join(' and ');
const canInstall =
  process.platform === 'linux' && process.getuid?.() === 0 && onPath('apt-get') && !process.env.CHROMIUM_PATH;
if (!canInstall) {
  console.error(
    `npm test needs ${what}: install ${missing.join(' and ')} (Debian/Ubuntu: sudo apt-get install ${missing.join(' ')})` +
      `${missing.includes('chromium') ? ', or set CHROMIUM_PATH to a Chromium or Chrome binary' : ''}, then run npm test again.`,
  );
  process.exit(1);
}

const started = Date.now();
console.log(
  `npm test needs ${what}: installing Debian's ${missing.join(' and ')} with apt-get (once; about a minute)...`,
);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
try {
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { env, stdio: ['ignore', 'ignore', 'inherit'] });
} catch (error) {
  console.error(
    `apt-get could not install ${missing.join(' and ')} (${(error as Error).message.split('\n')[0]}); install them by hand, then run npm test again.`,
  );
  process.exit(1);
}
// Installed is not enough: the browser tests need a Chromium that starts.
const version = spawnSync(CHROMIUM_PATH, ['--headless', '--no-sandbox', '--version'], {
  encoding: 'utf8',
  timeout: 30_000,
});
if (missing.includes('chromium') && version.status !== 0) {
  console.error(
    `${CHROMIUM_PATH} was installed but does not start: ${(version.stderr || version.error?.message || '').trim().split('\n')[0]}`,
  );
  process.exit(1);
}
console.log(
  `installed ${missing.join(' and ')} in ${Math.round((Date.now() - started) / 1000)} s${missing.includes('chromium') ? ` (${version.stdout.trim()})` : ''}`,
);
