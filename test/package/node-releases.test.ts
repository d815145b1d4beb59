/**
 * The packed package on the Node releases its users run (22 and 24; the suite itself runs on 20), installed in a
 * fresh project as a consumer installs it: under each release, one program imports the Node build and the mock
 * entry by name, starts the mock (Prism, busboy and sharp), edits a PNG given by its path with URL responses, saves
 * them with saveImages, gets a TimeoutError from a delayed response, and the CLI prints its help. A release that
 * changed something the package relies on (fetch's Request, node:http, the streams, Node-API for sharp) fails here.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject, packPackage } from '../../scripts/consumer-bundles.js';
import { imageField } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';
import { canRunNodeReleases, NODE_RELEASES, nodeRelease } from '../support/node-releases.js';
import { linkPackages } from './consumer.js';

const run = promisify(execFile);
let dir: string;
let project: string;

/** The consumer's program: plain ESM importing the package by name. Prints one JSON line of what it saw. */
const PROGRAM = `import { readFile } from 'node:fs/promises';
import { createImageEditClient, saveImages } from 'orq-image-edits';
import { startMock } from 'orq-image-edits/mock';

const mock = await startMock({ port: 0 });
try {
  const client = createImageEditClient({ apiKey: 'consumer-key', baseUrl: mock.url, maxRetries: 0 });
  const request = { model: 'openai/gpt-image-1', prompt: 'Add a red scarf', ${JSON.stringify(imageField.name)}: 'cat.png' };
  const result = await client.edit({ ...request, n: 2, size: '16x8', response_format: 'url' });
  const saved = await saveImages(result, 'out');
  const signatures = await Promise.all(saved.map(async (file) => (await readFile(file)).subarray(1, 4).toString('latin1')));
  const delayed = await client.edit(request, { timeoutMs: 500, headers: { Prefer: 'delay=10000' } }).then(() => 'responded', (error) => error.name);
  console.log(JSON.stringify({ node: process.version, items: result.data.length, sizes: result.size, saved: saved.length, signatures, delayed }));
} finally {
  await mock.close();
}
`;

beforeAll(async () => {
  if (!canRunNodeReleases) return;
  dir = await mkdtemp(path.join(tmpdir(), 'orq-node-releases-'));
  project = path.join(dir, 'app');
  // The binaries install while the package is built and packed.
  const binaries = Promise.all(Object.values(NODE_RELEASES).map((version) => nodeRelease(version)));
  await createConsumerProject(project, await packPackage(dir));
  await linkPackages(project, ['@stoplight/prism-cli', 'busboy', 'sharp']);
  await writeFile(path.join(project, 'program.mjs'), PROGRAM);
  await writeFile(path.join(project, 'cat.png'), makePng(24, 12, { seed: 3 }));
  await binaries;
}, 420_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe.skipIf(!canRunNodeReleases)('the packed package on the Node releases users run', () => {
  it.each(Object.values(NODE_RELEASES))(
    'Node %s: the client, saveImages and the mock, as a consumer uses them; the CLI',
    { timeout: 180_000 },
    async (version) => {
      const node = await nodeRelease(version);
      const { stdout } = await run(node, ['program.mjs'], { cwd: project, timeout: 150_000 });
      const seen = JSON.parse(stdout.trim().split('\n').pop()!);
      expect(seen).toEqual({
        node: `v${version}`,
        items: 2,
        sizes: '16x8',
        saved: 2,
        signatures: ['PNG', 'PNG'],
        delayed: 'TimeoutError',
      });

      const installed = path.join(project, 'node_modules/orq-image-edits');
      const { bin } = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
        bin: Record<string, string>;
      };
      const help = await run(node, [path.join(installed, bin['orq-images']!), '--help'], {
        cwd: project,
        timeout: 60_000,
      });
      expect(help.stdout).toMatch(/orq-images edit/);
    },
  );
});
