/**
 * npm test's pretest step: where it cannot install what the suite needs, it stops at once with one line naming what
 * to install, instead of letting dozens of browser tests fail or skip.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const script = path.join(root, 'scripts/test-prerequisites.ts');
const tsx = path.join(root, 'node_modules/tsx/dist/cli.mjs');

test('a missing Chromium it may not install stops the run with one line that says what to install', () => {
  const run = spawnSync(process.execPath, [tsx, script], {
    env: { ...process.env, CHROMIUM_PATH: '/nonexistent/chromium' },
    encoding: 'utf8',
  });
  expect(run.status).toBe(1);
  const lines = run.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/npm test needs Chromium \(\/nonexistent\/chromium.*install chromium.*CHROMIUM_PATH/);
});

test('with everything present it says nothing and lets the suite run', () => {
  // Present whatever this machine has: any executable stands in for Chromium (only its presence is checked here), and
  // a CHROMIUM_PATH of one's own means the script never installs anything from inside a test.
  const bin = mkdtempSync(path.join(tmpdir(), 'orq-prerequisites-'));
  try {
    symlinkSync(process.execPath, path.join(bin, 'curl'));
    const out = execFileSync(process.execPath, [tsx, script], {
      encoding: 'utf8',
      env: { ...process.env, CHROMIUM_PATH: process.execPath, PATH: bin },
    });
    expect(out).toBe('');
  } finally {
    rmSync(bin, { recursive: true, force: true });
  }
});
