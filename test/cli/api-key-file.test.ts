/**
 * `orq-images edit --api-key-file` as a user runs it (a real process): the file is read bounded, so a wrong path
 * (/dev/zero, a big file) is refused at once naming the flag and the limit, with the process's memory staying small
 * and nothing sent; a FIFO, named or from process substitution (`<(pass show orq)`), still gives the key.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';
import { KEY, cli } from './run-cli.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value as any;
/** What the CLI may hold at most (Node and tsx alone take about 80 MB here); reading /dev/zero whole took 615 MB. */
const PEAK_RSS_BOUND = 250 * 1024 * 1024;

let work: string;
let png: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-cli-key-file-'));
  png = path.join(work, 'cat.png');
  await writeFile(png, makePng(16, 16));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const { serve } = serversClosedAfterEach();
const edit = async (url: string) => [
  'edit',
  '--image',
  png,
  '--prompt',
  'Add a hat',
  '--model',
  'openai/gpt-image-1',
  '--base-url',
  url,
  '--out',
  await mkdtemp(path.join(work, 'out-')),
];

describe('orq-images edit --api-key-file', () => {
  it('refuses /dev/zero at once, naming --api-key-file and its limit, with its peak memory small and nothing sent', {
    timeout: 90_000,
  }, async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const run = await cli([...(await edit(server.url)), '--api-key-file', '/dev/zero'], {
      env: {},
      cwd: work,
      peakMemory: true,
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--api-key-file "/dev/zero" holds more than 4096 bytes');
    expect(run.peakRssBytes).toBeGreaterThan(0);
    expect(run.peakRssBytes!).toBeLessThan(PEAK_RSS_BOUND);
    expect(server.requests).toHaveLength(0);
  });

  it('refuses a regular file past the limit, naming it; a key file at the limit is read', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const big = path.join(work, 'big-key.txt');
    await writeFile(big, `${KEY}\n${'#'.repeat(4096)}`);
    const refused = await cli([...(await edit(server.url)), '--api-key-file', big], { env: {}, cwd: work });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`--api-key-file ${JSON.stringify(big)} holds more than 4096 bytes`);
    expect(server.requests).toHaveLength(0);
    const padded = path.join(work, 'padded-key.txt');
    await writeFile(padded, `${KEY}${' '.repeat(4096 - KEY.length - 1)}\n`);
    const run = await cli([...(await edit(server.url)), '--api-key-file', padded], { env: {}, cwd: work });
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('reads the key from a named FIFO, waiting for its writer', { timeout: 90_000 }, async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const fifo = path.join(work, 'key.fifo');
    await promisify(execFile)('mkfifo', [fifo]);
    const running = cli([...(await edit(server.url)), '--api-key-file', fifo], { env: {}, cwd: work });
    // Opening the FIFO for writing waits until the CLI opened it for reading.
    await writeFile(fifo, `${KEY}\n`);
    const run = await running;
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it('reads the key from a process substitution, --api-key-file <(command)', { timeout: 90_000 }, async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    // The key comes from a command that responds late, as `pass show` may: the CLI reads the pipe to its end.
    const run = await cli(await edit(server.url), {
      env: { KEY_FROM_COMMAND: KEY },
      cwd: work,
      bashArguments: `--api-key-file <(sleep 1; printf '%s\\n' "$KEY_FROM_COMMAND")`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('image-1.png');
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });
});
