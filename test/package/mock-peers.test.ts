/**
 * The mock's optional peers as a consumer installs them from npm, beside the packed package in fresh projects:
 *
 * - without esbuild, `npx orq-images mock` loads Prism module by module (seconds at each start instead of a
 *   fraction of one): it says so once on stderr with the command that fixes it, and not when the bundle is turned
 *   off on purpose or esbuild is there;
 * - the install command a missing Prism is reported with, run as printed, gets the Prism release the running Node
 *   supports (5.14.2 on Node 20; 5.15 and later need Node 24.14+);
 * - on Node 24, where `npm i -D @stoplight/prism-cli` gives 5.16, the package installs beside it with no
 *   --legacy-peer-deps, and the mock passes the whole check-server suite, bundled and module by module.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject, packPackage } from '../../scripts/consumer-bundles.js';
import { canRunNodeReleases, NODE_RELEASES, nodeRelease } from '../support/node-releases.js';
import { linkPackages, startMockCli } from './consumer.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);
const ESBUILD_NOTE = 'orq-image-edits/mock: esbuild is not installed';
/** The releases tested beside each other: the newest Prism (Node 24.18+ only) and the one for Node 20. */
const PRISM_FOR_NODE_24 = '5.16.0';
const PRISM_FOR_NODE_20 = '5.14.2';
const MOCK_PEERS = ['busboy@1.6.0', 'sharp@0.35.5'];

let dir: string;
let tarball: Promise<string>;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-mock-peers-'));
  tarball = packPackage(dir);
  await tarball;
}, 240_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const count = (text: string, part: string) => text.split(part).length - 1;
const readyMs = (banner: string) => Number(/ready in (\d+) ms/.exec(banner)?.[1]);
/** The Prism bundles made in a project's node_modules (prism-bundle.ts). */
const bundlesIn = async (project: string) =>
  (await readdir(path.join(project, 'node_modules/.cache/orq-image-edits')).catch(() => [])).filter((name) =>
    name.endsWith('.cjs'),
  );
/** `PATH` with that Node first: npm (`#!/usr/bin/env node`) and what it runs then run on it. */
const withNode = (node: string): NodeJS.ProcessEnv => ({
  ...process.env,
  PATH: `${path.dirname(node)}${path.delimiter}${process.env.PATH}`,
});

describe('the mock without esbuild', () => {
  let project: string;
  beforeAll(async () => {
    project = path.join(dir, 'no-esbuild');
    await createConsumerProject(project, await tarball, [`@stoplight/prism-cli@${PRISM_FOR_NODE_20}`, ...MOCK_PEERS]);
  }, 420_000);

  it('startMock says once per process, on stderr, to install esbuild, however many mocks it starts', {
    timeout: 180_000,
  }, async () => {
    expect(existsSync(path.join(project, 'node_modules/esbuild'))).toBe(false);
    await writeFile(
      path.join(project, 'two-mocks.mjs'),
      "import { startMock } from 'orq-image-edits/mock';\nconst mocks = [await startMock(), await startMock()];\nfor (const mock of mocks) await mock.close();\n",
    );
    const { stdout, stderr } = await run(process.execPath, ['two-mocks.mjs'], { cwd: project, timeout: 150_000 });
    expect(count(stderr, ESBUILD_NOTE)).toBe(1);
    expect(stdout).toBe('');
  });

  it('orq-images mock says it once and starts module by module; not with ORQ_MOCK_PRISM_BUNDLE=off, nor once esbuild is installed', {
    timeout: 300_000,
  }, async () => {
    const without = await startMockCli(project);
    await without.stop();
    expect(count(without.stderr, ESBUILD_NOTE)).toBe(1);
    expect(without.stderr).toContain('npm i -D esbuild');
    expect(without.stdout).not.toContain(ESBUILD_NOTE);
    expect(await bundlesIn(project)).toEqual([]);

    const chosen = await startMockCli(project, { env: { ...process.env, ORQ_MOCK_PRISM_BUNDLE: 'off' } });
    await chosen.stop();
    expect(chosen.stderr).not.toContain(ESBUILD_NOTE);

    await linkPackages(project, ['esbuild']);
    const bundling = await startMockCli(project);
    await bundling.stop();
    const bundled = await startMockCli(project);
    await bundled.stop();
    expect(`${bundling.stderr}${bundled.stderr}`).not.toContain(ESBUILD_NOTE);
    expect(await bundlesIn(project)).toEqual([
      expect.stringMatching(new RegExp(`^prism-${PRISM_FOR_NODE_20.replace(/\./g, '\\.')}-\\w+\\.cjs$`)),
    ]);
    console.log(
      `orq-images mock ready in ${readyMs(without.stdout)} ms without esbuild; with it ${readyMs(bundling.stdout)} ms (bundling), then ${readyMs(bundled.stdout)} ms`,
    );
  });
});

describe.skipIf(!canRunNodeReleases)('the install command for a missing Prism, run as printed', () => {
  let project: string;
  let command: string;
  beforeAll(async () => {
    project = path.join(dir, 'no-prism');
    await createConsumerProject(project, await tarball);
    await writeFile(
      path.join(project, 'start.mjs'),
      "import { startMock } from 'orq-image-edits/mock';\nawait startMock().catch((error) => console.log(JSON.stringify({ name: error.name, message: error.message })));\n",
    );
    const { stdout } = await run(process.execPath, ['start.mjs'], { cwd: project, timeout: 60_000 });
    const { name, message } = JSON.parse(stdout) as { name: string; message: string };
    expect(name).toBe('MockDependencyError');
    command = /npm install --save-dev .*? \(/.exec(message)![0].slice(0, -2);
    await nodeRelease(NODE_RELEASES[24]);
  }, 420_000);

  it(`npm picks Prism ${PRISM_FOR_NODE_20} from it on Node 20 and ${PRISM_FOR_NODE_24} on Node ${NODE_RELEASES[24]}`, {
    timeout: 300_000,
  }, async () => {
    const picked: Record<string, string | undefined> = {};
    for (const node of [process.execPath, await nodeRelease(NODE_RELEASES[24])]) {
      const { stdout } = await run(
        'sh',
        ['-c', `${command} --dry-run --prefer-offline --no-audit --no-fund --ignore-scripts`],
        { cwd: project, env: withNode(node), timeout: 150_000 },
      );
      picked[node === process.execPath ? '20' : '24'] = /^add @stoplight\/prism-cli (\S+)$/m.exec(stdout)?.[1];
    }
    expect(picked).toEqual({ 20: PRISM_FOR_NODE_20, 24: PRISM_FOR_NODE_24 });
  });
});

describe.skipIf(!canRunNodeReleases)(`Prism ${PRISM_FOR_NODE_24} on Node ${NODE_RELEASES[24]}`, () => {
  let project: string;
  let node: string;
  beforeAll(async () => {
    node = await nodeRelease(NODE_RELEASES[24]);
    project = path.join(dir, 'prism-5.16');
    await mkdir(project);
    await writeFile(
      path.join(project, 'package.json'),
      JSON.stringify({ name: 'prism-516-consumer', private: true, type: 'module' }),
    );
    // As a user on Node 24 does: the mock's peers first (`npm i -D @stoplight/prism-cli` gives 5.16 there), then the
    // package, with no --force or --legacy-peer-deps.
    const npm = (args: string[]) =>
      run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', ...args], {
        cwd: project,
        env: withNode(node),
        timeout: 300_000,
      });
    await npm(['--save-dev', `@stoplight/prism-cli@${PRISM_FOR_NODE_24}`, ...MOCK_PEERS, 'esbuild@0.28.2']);
    await npm([await tarball]);
  }, 720_000);

  it.each(['bundled', 'module by module'])(
    'the mock passes the whole check-server suite (%s)',
    { timeout: 240_000 },
    async (how) => {
      const env = how === 'bundled' ? withNode(node) : { ...withNode(node), ORQ_MOCK_PRISM_BUNDLE: 'off' };
      const mock = await startMockCli(project, { node, env });
      try {
        expect(mock.stdout).toContain(`Stoplight Prism ${PRISM_FOR_NODE_24} in process`);
        const checked = await run(
          process.execPath,
          ['--import', 'tsx', 'scripts/check-server.ts', '--base-url', new URL(mock.endpoint).origin],
          { cwd: root, timeout: 180_000 },
        ).catch((error: { stdout: string }) => error);
        expect(checked.stdout).toMatch(/check-server: \d+ passed, 0 failed/);
      } finally {
        await mock.stop();
      }
      expect(mock.stderr).not.toContain(ESBUILD_NOTE);
      if (how === 'bundled')
        expect(await bundlesIn(project)).toEqual([expect.stringMatching(/^prism-5\.16\.0-\w+\.cjs$/)]);
    },
  );
});
