/**
 * Replay against hostile cassette directories, as users start it (`orq-images mock --replay DIR` as a process,
 * `startMock({ replayDir })`, MSW's `cassettes`): a FIFO named like a cassette, a link to /dev/zero, a file over
 * 1 MiB, an interim 1xx status, headers HTTP cannot carry, a body nested 100,000 deep, a request or a body the
 * recorder cut (`truncated`), and a directory of 500 cassettes of 1 MiB. Each bad file is skipped with a warning naming it (or refused, with --replay-strict) while
 * the good cassettes beside it replay; what is replayed carries no header of the recorded connection.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { link, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { wireContract } from '../../src/contract/spec.js';
import { CassetteError, MAX_CASSETTE_BYTES, MAX_REPLAY_BYTES } from '../../src/mock/core/replay.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { createImageEditHandlers } from '../../src/mock/msw.js';
import { cli, root } from '../cli/run-cli.js';
import { CASSETTES_DIR, RECORDED } from '../proxy/record-cassettes.js';
import { writeMultipart } from '../../scripts/multipart-writer.js';
import { MockStartFailure, startMockProcess } from './process.js';

/** The committed cassette of RECORDED.b64 (a 200): the good one every directory here holds beside bad ones. */
const recorded = JSON.parse(readFileSync(path.join(CASSETTES_DIR, '0002-post-200.json'), 'utf8'));
const good = () => structuredClone(recorded);
const withStatus = (status: number) => Object.assign(good(), { response: { ...recorded.response, status } });
const withHeaders = (headers: Record<string, string>) =>
  Object.assign(good(), { response: { ...recorded.response, headers: { ...recorded.response.headers, ...headers } } });

/** The good cassette as the recorder writes it when its prompt did not fit: the value cut, `request.truncated` set. */
function cutRequest() {
  const cassette = good();
  cassette.request.parts = cassette.request.parts.map((part: { name: string; value: string }) =>
    part.name === 'prompt' ? { ...part, value: part.value.slice(0, 3) } : part,
  );
  cassette.request.truncated = true;
  return cassette;
}

/** The good cassette as the recorder writes it when its body did not fit: the start of the body as text, `response.truncated` set. */
function cutResponse() {
  const cassette = good();
  cassette.response = {
    ...cassette.response,
    body: undefined,
    text: JSON.stringify(recorded.response.body).slice(0, 40),
    truncated: true,
  };
  return cassette;
}

/** A cassette whose response body is arrays nested `depth` deep (written as text: JSON.stringify would overflow). */
function nested(depth: number): string {
  const text = JSON.stringify(good());
  return text.replace(/"body":\{/, `"body":{"deep":${'['.repeat(depth)}${']'.repeat(depth)},`);
}

let dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  dirs = [];
});

/** A fresh directory with these entries: text (a file), `fifo`, or `{ link }` (a symbolic link to that path). */
async function directory(entries: Record<string, string | object | 'fifo' | { link: string }>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orq-hostile-replay-'));
  dirs.push(dir);
  for (const [name, entry] of Object.entries(entries)) {
    const file = path.join(dir, name);
    if (entry === 'fifo') execFileSync('mkfifo', [file]);
    else if (typeof entry === 'object' && 'link' in entry) await symlink(entry.link as string, file);
    else await writeFile(file, typeof entry === 'string' ? entry : JSON.stringify(entry, null, 2));
  }
  return dir;
}

/** RECORDED.b64 sent to `base`, as raw multipart. */
async function sendRecorded(base: string): Promise<Response> {
  const { body, contentType } = writeMultipart([
    { name: 'model', value: RECORDED.b64.model },
    { name: 'prompt', value: RECORDED.b64.prompt },
    { name: 'response_format', value: RECORDED.b64.response_format },
    { name: 'image', value: RECORDED.b64.image, filename: 'cat.png', contentType: 'image/png' },
  ]);
  return fetch(`${base}${wireContract.path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer any', 'content-type': contentType },
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(20_000),
  });
}

/** One hostile entry per defect, with what the refusal names: the file, its field (or where it starts) and the reason. */
const HOSTILE = {
  '0003-post-200.json': { entry: 'fifo', field: '(file)', reason: 'is a FIFO, not a regular file' },
  '0004-post-200.json': {
    entry: { link: '/dev/zero' },
    field: '(file)',
    reason: 'is a character device, not a regular file',
  },
  '0005-post-200.json': {
    entry: JSON.stringify({ ...good(), padding: 'x'.repeat(MAX_CASSETTE_BYTES) }),
    field: '(file)',
    reason: `is over ${MAX_CASSETTE_BYTES} bytes`,
  },
  '0006-post-103.json': {
    entry: withStatus(103),
    field: 'response.status',
    reason: 'must be the status of a final response, 200 to 599 (got 103)',
  },
  '0007-post-200.json': {
    entry: withHeaders({ 'x bad': 'yes' }),
    field: 'response.headers["x bad"]',
    reason: 'has a name HTTP cannot carry',
  },
  '0008-post-200.json': {
    entry: withHeaders({ 'x-split': 'a\r\nSet-Cookie: session=1' }),
    field: 'response.headers["x-split"]',
    reason: 'has a value HTTP cannot carry',
  },
  '0009-post-200.json': {
    entry: nested(100_000),
    field: 'response.body.deep[0][0][0]',
    reason: 'nests arrays and objects more than 64 levels deep',
  },
  // What the recorder writes when a text part or the body does not fit a cassette: a cut exchange is not one to replay.
  '0010-post-200.json': {
    entry: cutRequest(),
    field: 'request.truncated',
    reason: 'is set: a text part was cut when recorded',
  },
  '0011-post-200.json': {
    entry: cutResponse(),
    field: 'response.truncated',
    reason: 'is set: the body was cut when recorded',
  },
} as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('orq-images mock --replay DIR, as a process', () => {
  it('skips each file that is not a cassette with a warning naming it and why, and replays the good one beside them', {
    timeout: 120_000,
  }, async () => {
    const dir = await directory({
      '0002-post-200.json': good(),
      ...Object.fromEntries(Object.entries(HOSTILE).map(([name, { entry }]) => [name, entry])),
    });
    const port = await freePort();
    let pid = 0;
    const running = cli(['mock', '--port', String(port), '--replay', dir], {
      cwd: root,
      started: (started) => (pid = started),
    });
    try {
      const response = await vi.waitFor(() => sendRecorded(`http://127.0.0.1:${port}`), {
        timeout: 60_000,
        interval: 200,
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(recorded.response.body);
    } finally {
      if (pid) process.kill(pid, 'SIGTERM');
    }
    const { code, stdout } = await running;
    expect(code).toBe(0);
    expect(stdout).toContain(`replay    1 recorded response(s) from ${dir}`);
    for (const [name, { field, reason }] of Object.entries(HOSTILE)) {
      const line = stdout
        .split('\n')
        .find((text) => text.includes(`warning   skipped ${path.join(dir, name)}: ${field}`));
      expect(line, name).toContain(reason);
    }
  });

  it('--replay-strict refuses to start at a FIFO named like a cassette, naming it, instead of waiting on it; --help says so', {
    timeout: 90_000,
  }, async () => {
    const help = await cli(['mock', '--help'], { cwd: root });
    expect(help.stdout).toMatch(/--replay-strict +do not start when a file of --replay DIR is not a cassette/);
    const dir = await directory({ '0002-post-200.json': good(), '0003-post-200.json': 'fifo' });
    const { code, stdout, stderr } = await cli(['mock', '--port', '0', '--replay', dir, '--replay-strict'], {
      cwd: root,
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`${path.join(dir, '0003-post-200.json')}: (file) is a FIFO, not a regular file`);
  });
});

describe('startMock({ replayDir, replayStrict: true })', () => {
  it.each(Object.entries(HOSTILE))(
    'refuses %s with a CassetteError naming the file, the field and why',
    { timeout: 30_000 },
    async (name, { entry, field, reason }) => {
      const dir = await directory({ '0002-post-200.json': good(), [name]: entry });
      const refused = await startMock({ port: 0, replayDir: dir, replayStrict: true }).then(
        (mock) => mock.close(),
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(CassetteError);
      expect((refused as CassetteError).source).toBe(path.join(dir, name));
      expect((refused as CassetteError).field.startsWith(field)).toBe(true);
      expect((refused as Error).message).toContain(reason);
    },
  );
});

describe('replayed responses carry no header of the recorded connection', () => {
  const recordedHeaders = {
    'transfer-encoding': 'chunked',
    connection: 'keep-alive, x-hop',
    'keep-alive': 'timeout=999',
    'x-hop': 'this connection only',
    'content-length': '5',
    'content-encoding': 'gzip',
    'set-cookie': 'session=from-the-real-service; Path=/',
    location: 'https://api.orq.ai/elsewhere',
    'x-request-id': 'kept-1234',
  };

  let mock: MockServer | undefined;
  afterEach(async () => {
    await mock?.close();
    mock = undefined;
  });

  it('the Node mock sends the recorded body whole, its own Content-Length, end-to-end headers only', {
    timeout: 60_000,
  }, async () => {
    const dir = await directory({ '0002-post-200.json': withHeaders(recordedHeaders) });
    mock = await startMock({ port: 0, replayDir: dir });
    expect(mock.replaySkipped).toEqual([]);
    const response = await sendRecorded(mock.url);
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(JSON.parse(text)).toEqual(recorded.response.body);
    expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(text)));
    expect(response.headers.get('x-request-id')).toBe('kept-1234');
    for (const name of ['transfer-encoding', 'x-hop', 'content-encoding', 'set-cookie', 'location'])
      expect(response.headers.get(name), name).toBeNull();
    // node:http manages its own connection: its Keep-Alive, never the recorded one.
    expect(response.headers.get('keep-alive')).not.toBe(recordedHeaders['keep-alive']);
  });

  it('MSW responds the same way, and refuses a 1xx cassette, one with a header HTTP cannot carry or one the recorder cut when the handlers are made', async () => {
    const server = setupServer(
      ...createImageEditHandlers({ baseUrl: 'https://replay.example.test', cassettes: [withHeaders(recordedHeaders)] }),
    );
    server.listen({ onUnhandledRequest: 'error' });
    try {
      const response = await sendRecorded('https://replay.example.test');
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual(recorded.response.body);
      expect(response.headers.get('x-request-id')).toBe('kept-1234');
      for (const name of [
        'transfer-encoding',
        'keep-alive',
        'x-hop',
        'content-length',
        'content-encoding',
        'set-cookie',
        'location',
      ])
        expect(response.headers.get(name), name).toBeNull();
    } finally {
      server.close();
    }
    for (const [cassette, field] of [
      [withStatus(101), 'response.status'],
      [withHeaders({ 'x bad': 'yes' }), 'response.headers["x bad"]'],
      [withHeaders({ 'x-split': 'a\r\nb' }), 'response.headers["x-split"]'],
      [cutRequest(), 'request.truncated'],
      [cutResponse(), 'response.truncated'],
    ] as const) {
      expect(() => createImageEditHandlers({ cassettes: [good(), cassette] })).toThrow(
        expect.objectContaining({ name: 'CassetteError', source: 'cassettes[1]', field }),
      );
    }
  });
});

it('a directory of 500 cassettes of 1 MiB is refused once 64 MiB are read, with the peak memory bounded', {
  timeout: 120_000,
}, async () => {
  // One replayable cassette just under 1 MiB (a response of many small items), hard-linked 500 times: 500 MiB to read.
  const big = good();
  big.response.body.data = Array.from({ length: 9_000 }, (_, index) => ({
    url: `https://storage.example/${String(index).padStart(6, '0')}.png?x=${'y'.repeat(60)}`,
  }));
  const text = JSON.stringify(big);
  expect(Buffer.byteLength(text)).toBeGreaterThan(MAX_CASSETTE_BYTES * 0.9);
  expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_CASSETTE_BYTES);
  const dir = await directory({ 'original.txt': text });
  for (let i = 1; i <= 500; i++)
    await link(path.join(dir, 'original.txt'), path.join(dir, `${String(i).padStart(4, '0')}-post-200.json`));

  const started = (replayDir: string) =>
    startMockProcess({ replayDir }).then(
      async (mock) => (await mock.stop(), undefined),
      (error: unknown) => error,
    );
  const baseline = await started(path.join(dir, 'missing'));
  expect(baseline).toBeInstanceOf(MockStartFailure);
  const refused = await started(dir);
  expect(refused).toBeInstanceOf(MockStartFailure);
  expect((refused as MockStartFailure).errorName).toBe('CassetteError');
  const passedAt = `${String(Math.floor(MAX_REPLAY_BYTES / Buffer.byteLength(text)) + 1).padStart(4, '0')}-post-200.json`;
  expect((refused as MockStartFailure).message).toBe(
    `${dir}: (directory) holds more than ${MAX_REPLAY_BYTES} bytes of cassettes (passed at ${passedAt})`,
  );
  // Before the bound the whole directory was read and kept: over 1 GB here. Now at most what 64 MiB of responses cost.
  expect((refused as MockStartFailure).peakRss - (baseline as MockStartFailure).peakRss).toBeLessThan(
    320 * 1024 * 1024,
  );
});
