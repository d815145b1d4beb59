/**
 * `orq-images edit` driven as a user would (run-cli.ts: a real process with the key in ORQ_API_KEY), against a
 * fault-injecting local server and against the mock. Checks exit codes, what lands on stdout
 * and stderr, the files written, and that the key never appears in any output.
 */
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';
import { KEY, cli as runCli, type Run } from './run-cli.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value as any;
const errorBody = (status: number) =>
  Object.values(responses[String(status)]!.content['application/json']!.examples)[0]!.value;

let work: string;
let png: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-cli-'));
  png = path.join(work, 'cat.png');
  await writeFile(png, makePng(16, 16, { padTo: 2 * 1024 * 1024 }));
});
afterAll(() => rm(work, { recursive: true, force: true }));

const { serve } = serversClosedAfterEach();

const cli = (args: string[], env: Record<string, string | undefined> = { ORQ_API_KEY: KEY }): Promise<Run> =>
  runCli(args, { env, cwd: work });

const outDir = async () => mkdtemp(path.join(work, 'out-'));
const base = (url: string, out: string) => [
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
  out,
];

describe('orq-images edit against a local server', () => {
  it('saves the image, prints its path and the token usage, exit 0', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const out = await outDir();
    const run = await cli([
      ...base(server.url, out),
      '-n',
      '1',
      '--quality',
      'low',
      '--fallback',
      'openai/dall-e-2',
      '--retry-count',
      '2',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const saved = path.join(out, 'image-1.png');
    expect(run.stdout.split('\n')[0]).toBe(saved);
    expect(run.stdout).toContain(`tokens: ${okBody.usage.total_tokens} total`);
    expect(await readFile(saved)).toEqual(Buffer.from(okBody.data[0].b64_json, 'base64'));
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(Number(server.requests[0]!.headers['content-length'])).toBe(server.requests[0]!.bytes);
  });

  it('--json: machine-readable files and usage on stdout', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const out = await outDir();
    const run = await cli([...base(server.url, out), '--json']);
    expect(run.code).toBe(0);
    const parsed = JSON.parse(run.stdout);
    expect(parsed.files).toEqual([path.join(out, 'image-1.png')]);
    expect(parsed.usage).toEqual(okBody.usage);
  });

  it('--progress: a progress bar with percent and rate on stderr, ending at 100%; none when stderr is not a terminal', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const withBar = await cli([...base(server.url, await outDir()), '--progress']);
    expect(withBar.code).toBe(0);
    expect(withBar.stderr).toMatch(/uploading \[#+\] 100%/);
    expect(withBar.stderr).toMatch(/MB\/s/);
    expect(withBar.stderr.endsWith('\n')).toBe(true);
    const quiet = await cli(base(server.url, await outDir()));
    expect(quiet.stderr).not.toContain('uploading');
  });

  it('429 every time: retries shown on stderr, then exit 1 with the API error', async () => {
    const server = await serve(() => ({
      status: 429,
      body: errorBody(429),
      headers: { 'retry-after': '0', 'x-request-id': 'req_cli' },
    }));
    const run = await cli(base(server.url, await outDir()));
    expect(run.code).toBe(1);
    expect(server.requests).toHaveLength(3);
    expect(run.stderr).toContain('HTTP 429; retry 1');
    expect(run.stderr).toContain('HTTP 429; retry 2');
    expect(run.stderr).toContain('rate_limit_exceeded');
    expect(run.stderr).toContain('req_cli');
  });

  it('--json on failure: the error as JSON on stdout, exit 1', async () => {
    const server = await serve(() => ({ status: 401, body: errorBody(401) }));
    const run = await cli([...base(server.url, await outDir()), '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ error: 'ApiError', status: 401 });
  });

  it('an HTML page from a proxy: exit 1, summarised by its title', async () => {
    const server = await serve(() => ({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>',
    }));
    const run = await cli(base(server.url, await outDir()));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('an HTML page titled "502 Bad Gateway"');
  });

  it('a 200 that is not JSON: exit 1, no file written', async () => {
    const server = await serve(() => ({ status: 200, body: 'oops' }));
    const out = await outDir();
    const run = await cli(base(server.url, out));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is not JSON');
    expect(await readdir(out)).toEqual([]);
  });

  it('--timeout: a server that never responds → exit 1 after the timeout', async () => {
    const server = await serve(() => ({ hang: true }));
    const started = Date.now();
    const run = await cli([...base(server.url, await outDir()), '--timeout', '500']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('longer than 500 ms');
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('a connection reset mid-upload: exit 1, a network error', async () => {
    const server = await serve(() => ({ reset: true, afterBytes: 64 * 1024 }));
    const run = await cli(base(server.url, await outDir()));
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/connection to the Orq API failed/);
  });

  it('the key in an echoed error body never reaches the output', async () => {
    const server = await serve(() => ({
      status: 401,
      body: { error: { code: 'invalid_api_key', message: `bad key Bearer ${KEY}` } },
    }));
    const run = await cli([...base(server.url, await outDir()), '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[redacted]');
  });
});

describe('usage errors: exit 2, nothing sent', () => {
  let server: ScriptedServer;
  beforeAll(async () => {
    server = await startScriptedServer(() => ({ status: 200, body: okBody }));
  });
  afterAll(() => server.close());

  it.each([
    ['no flags', ['edit'], 'missing --image, --prompt, --model'],
    ['an unknown flag', ['edit', '--imgae', 'a.png'], 'Unknown option'],
    ['-n not a number', null, '-n must be an integer'],
    ['quality outside the spec', null, 'quality: must be one of "auto"'],
    ['a file that does not exist', null, 'ENOENT'],
    ['a text file named .png', null, 'is not image/png'],
  ])('%s', async (name, args, words) => {
    const out = await outDir();
    const extra: Record<string, string[]> = {
      '-n not a number': ['-n', 'two'],
      'quality outside the spec': ['--quality', 'ultra'],
      'a file that does not exist': ['--image', path.join(work, 'missing.png')],
    };
    let argv = args ?? [...base(server.url, out), ...(extra[name] ?? [])];
    if (name === 'a text file named .png') {
      const fake = path.join(work, 'fake.png');
      await writeFile(fake, 'I am text');
      argv = ['edit', '--image', fake, '--prompt', 'p', '--model', 'm/x', '--base-url', server.url, '--out', out];
    }
    const run = await cli(argv);
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(words);
    expect(server.requests).toHaveLength(0);
  });

  it('no key: exit 2 naming ORQ_API_KEY', async () => {
    const run = await cli(base(server.url, await outDir()), {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('ORQ_API_KEY');
  });

  it('--api-key-file reads the key from a file', async () => {
    const keyFile = path.join(work, 'key.txt');
    await writeFile(keyFile, `${KEY}\n`);
    const run = await cli([...base(server.url, await outDir()), '--api-key-file', keyFile], {});
    expect(run.code, run.stderr).toBe(0);
    expect(server.requests.at(-1)!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("--help lists the spec's enum values, exit 0", async () => {
    const run = await cli(['edit', '--help']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('auto | high | medium | low | standard');
    expect(run.stdout).toContain('url | b64_json');
  });
});

describe('orq-images edit against the mock', () => {
  it('a valid edit: exit 0 and a real image file saved', async () => {
    const { startMock } = await import('../../src/mock/index.js');
    const mock = await startMock({ port: 0 });
    try {
      const out = await outDir();
      const run = await cli([...base(mock.url, out), '--format', 'b64_json', '--json']);
      expect(run.code, run.stderr).toBe(0);
      const files: string[] = JSON.parse(run.stdout).files;
      expect(files.length).toBeGreaterThan(0);
      const bytes = await readFile(files[0]!);
      expect(bytes.length).toBeGreaterThan(8);
    } finally {
      await mock.close();
    }
  });
});
