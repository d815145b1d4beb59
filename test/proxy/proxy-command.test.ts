/**
 * `orq-images proxy` and `orq-images mock --replay` as a user runs them (real processes): the proxy prints its
 * endpoint, one line per exchange and the summary on Ctrl-C, never the key; what it recorded, the mock replays.
 * Usage errors exit 2 before anything listens.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { KEY, endpointOf, okBody, postParts, startCommand as start, validParts } from './support.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const { serve } = serversClosedAfterEach();

describe('orq-images proxy', () => {
  it('reports each exchange, records it, prints the summary on SIGINT and exits 0; the mock replays the recording', {
    timeout: 120_000,
  }, async () => {
    const upstream = await serve((index) =>
      index === 0 ? { status: 200, body: okBody } : { status: 200, body: { ...okBody, created: 'now' } },
    );
    const dir = await mkdtemp(path.join(tmpdir(), 'orq-proxy-cli-'));
    try {
      const proxy = await start(['proxy', '--upstream', upstream.url, '--port', '0', '--record', dir], /Ctrl-C/);
      const base = endpointOf(proxy.output());
      const conforming = validParts();
      const drifting = validParts([{ name: 'size', value: '1024x1024' }]);
      expect(await postParts(base, conforming)).toMatchObject({ status: 200 });
      expect(await postParts(base, drifting)).toMatchObject({ status: 200 });
      await expect.poll(() => proxy.output(), { timeout: 20_000 }).toMatch(/#2 POST/);
      proxy.child.kill('SIGINT');
      expect(await proxy.exited).toBe(0);
      const output = proxy.output();
      expect(output).toMatch(
        /#1 POST \/v2\/router\/images\/edits → 200 \(\d+ ms\): conforms; recorded as 0001-post-200\.json/,
      );
      expect(output).toMatch(
        /#2 POST .* 1 departure from the spec: body\.created: the spec says type integer, received "now"; recorded as 0002-post-200\.json/,
      );
      expect(output).toMatch(
        /proxy: 2 exchanges: 1 conformed, 0 with a request the spec refuses, 1 with a response that departs from the spec, 0 without a response from the upstream; 2 cassettes recorded in /,
      );
      expect(output).toMatch(/ {4}1× body\.created: the spec says type integer/);
      expect(output).not.toContain(KEY);
      expect((await readdir(dir)).sort()).toEqual(['0001-post-200.json', '0002-post-200.json']);

      const mock = await start(['mock', '--port', '0', '--replay', dir], /Ctrl-C/);
      expect(mock.output()).toContain(`replay    2 recorded response(s) from ${dir}`);
      const replayed = await postParts(endpointOf(mock.output()), drifting);
      expect(JSON.parse((replayed as { text: string }).text).created).toBe('now');
      mock.child.kill('SIGTERM');
      expect(await mock.exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [['proxy'], /--upstream is required/],
    [['proxy', '--upstream', 'ftp://example.com'], /must be an http: or https: URL/],
    [['proxy', '--upstream', 'http://127.0.0.1:1', '--port', 'x'], /--port must be a decimal integer/],
    [
      ['mock', '--replay', '/nonexistent-cassettes'],
      /\/nonexistent-cassettes: \(directory\) cannot be read \(ENOENT\)/,
    ],
    // --port takes decimal digits only, for every long-running command: none of these is read as a number.
    ...['0x10', '1e3', '4.0', '', ' 80', '+80', '65536'].map(
      (port) =>
        [
          ['proxy', '--upstream', 'http://127.0.0.1:1', '--port', port],
          `--port must be a decimal integer from 0 to 65535, got ${JSON.stringify(port)}`,
        ] as const,
    ),
    [['mock', '--port', '0x10'], /--port must be a decimal integer from 0 to 65535, got "0x10"/],
  ] as [string[], RegExp | string][])(
    '%j exits at once, naming what is wrong',
    { timeout: 60_000 },
    async (args, message) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
        cwd: root,
      });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
      const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
      expect(output).toMatch(message);
      expect(code).toBe(args[0] === 'mock' && args[1] === '--replay' ? 1 : 2);
    },
  );

  it('--help names every option', { timeout: 60_000 }, async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'proxy', '--help'], {
      cwd: root,
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    for (const option of ['--upstream', '--port', '--host', '--record', '--max-cassettes', '--strict'])
      expect(output).toContain(option);
  });
});
