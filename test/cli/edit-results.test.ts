/**
 * A billed result is never lost by `orq-images edit`: once the edit succeeded, the CLI prints what it got whatever
 * becomes of the files (the files it saved, the URLs it could not download, an image --out refused saved in a
 * temporary directory instead), says what really failed (DownloadError for a download, FileSystemError for a file,
 * never "the connection to the Orq API"), prints JSON with --json whatever happens, and reports drift in the response
 * instead of failing on it. A signal during a download leaves no partial file; a server echoing the key in a success
 * never gets it printed. Real processes against local servers (run-cli.ts checks every output for the key).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';
import { KEY, cli, type CliOptions } from './run-cli.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value as any;
const imageBytes = Buffer.from(okBody.data[0].b64_json, 'base64');
const { input_tokens_details: _dropped, ...partialUsage } = okBody.usage;

let work: string;
let png: string;
/** Where the CLI's temporary directory goes (TMPDIR), so a rescued image can be found and is removed after. */
let temp: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-cli-results-'));
  png = path.join(work, 'cat.png');
  await writeFile(png, makePng(8, 8));
  temp = path.join(work, 'tmp');
  await mkdir(temp, { mode: 0o777 });
  await chmod(temp, 0o777);
});
afterAll(() => rm(work, { recursive: true, force: true }));

const { serve, track } = serversClosedAfterEach();
const run = (args: string[], options: Partial<CliOptions> = {}) =>
  cli(args, { cwd: work, env: { ORQ_API_KEY: KEY, TMPDIR: temp }, ...options });
const outDir = async () => mkdtemp(path.join(work, 'out-'));
const edit = (url: string, out: string, ...more: string[]) => [
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
  ...more,
];

/** Image downloads: `/png`, `/missing` (404), `/stall` (half an image, then nothing; `onStall` told). */
async function startDownloads(onStall: () => void = () => {}) {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url?.startsWith('/png')) return void res.writeHead(200, { 'content-type': 'image/png' }).end(imageBytes);
    if (req.url === '/stall') {
      const big = makePng(4, 4, { padTo: 256 * 1024 });
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(big.length) });
      return void res.write(big.subarray(0, big.length / 2), onStall);
    }
    res.writeHead(404).end('gone');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return track({
    url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

describe('drift in the response is reported, the images saved', () => {
  it('usage without input_tokens_details: exit 0, the image saved, the drift on stderr, the tokens that came on stdout', async () => {
    const server = await serve(() => ({ status: 200, body: { ...okBody, usage: partialUsage } }));
    const out = await outDir();
    const result = await run(edit(server.url, out));
    expect(result.code, result.stderr).toBe(0);
    expect(await readFile(path.join(out, 'image-1.png'))).toEqual(imageBytes);
    expect(result.stdout).toBe(
      `${path.join(out, 'image-1.png')}\ntokens: ${partialUsage.total_tokens} total (${partialUsage.input_tokens} input; ${partialUsage.output_tokens} output)\n`,
    );
    expect(result.stderr).toBe(
      'orq-images edit: the response departs from the spec: body.usage.input_tokens_details: the spec says required, received missing\n',
    );
  });

  it('created as a string, --json: exit 0, the file and the drift in the JSON', async () => {
    const server = await serve(() => ({ status: 200, body: { ...okBody, created: String(okBody.created) } }));
    const out = await outDir();
    const result = await run(edit(server.url, out, '--json'));
    expect(result.code, result.stderr).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json).toMatchObject({
      files: [path.join(out, 'image-1.png')],
      images: [{ index: 0, file: path.join(out, 'image-1.png') }],
      created: String(okBody.created),
    });
    expect(json.drift).toEqual([
      { field: 'body.created', expected: 'type integer', received: JSON.stringify(String(okBody.created)) },
    ]);
    expect(json.error).toBeUndefined();
    expect(result.stderr).toContain('body.created: the spec says type integer');
  });
});

describe('images that cannot be saved where asked', () => {
  it('--out naming a file: the image saved in a temporary directory instead, a FileSystemError said, exit 1 at once', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const file = path.join(work, 'not-a-dir');
    await writeFile(file, 'x');
    const result = await run(edit(server.url, file, '--timeout', '600000'));
    expect(result.code).toBe(1);
    const [line] = result.stdout.split('\n');
    expect(line!.startsWith(path.join(temp, 'orq-images-'))).toBe(true);
    expect(await readFile(line!)).toEqual(imageBytes);
    expect(result.stderr).toMatch(
      /image 1 not saved: cannot create the directory .*not-a-dir.* \(EEXIST.*\); saved in .* instead/,
    );
    expect(result.stderr).not.toContain('Orq API');
  });

  it('--out not writable (EACCES): --json lists the rescued file and the typed error', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const out = await outDir();
    await chmod(out, 0o555);
    const result = await run(edit(server.url, out, '--json'), { permissionChecked: true });
    expect(result.code, result.stderr).toBe(1);
    const json = JSON.parse(result.stdout);
    expect(json.images[0].error).toMatchObject({ error: 'FileSystemError', code: 'EACCES', index: 0 });
    expect(await readFile(json.images[0].file)).toEqual(imageBytes);
    expect(json.files).toEqual([json.images[0].file]);
    expect(json).toMatchObject({ error: 'FileSystemError', usage: okBody.usage });
    expect(await readdir(out)).toEqual([]);
  });

  it('a download that fails: the URL as received on stdout, a DownloadError on stderr, the other image saved, exit 1', async () => {
    const downloads = await startDownloads();
    const server = await serve(() => ({
      status: 200,
      body: { created: 1, data: [{ url: `${downloads.url}/png` }, { url: `${downloads.url}/missing?sig=abc` }] },
    }));
    const out = await outDir();
    const result = await run(edit(server.url, out));
    expect(result.code).toBe(1);
    expect(result.stdout.split('\n').slice(0, 2)).toEqual([
      path.join(out, 'image-1.png'),
      `${downloads.url}/missing?sig=abc`,
    ]);
    expect(result.stderr).toContain(`image 2 not saved: downloading image 2 (${downloads.url}/missing) responded 404`);
    expect(result.stderr).not.toContain('Orq API');

    const json = JSON.parse((await run(edit(server.url, await outDir(), '--json'))).stdout);
    expect(json.images[1]).toMatchObject({
      index: 1,
      url: `${downloads.url}/missing?sig=abc`,
      error: { error: 'DownloadError', status: 404 },
    });
    expect(json).toMatchObject({ error: 'DownloadError', files: [expect.stringMatching(/image-1\.png$/)] });
  });
});

describe('the key never shows, in a success either', () => {
  it('echoed in size, quality and a download URL path: redacted from stdout, --json and the DownloadError', async () => {
    const downloads = await startDownloads();
    const server = await serve((_i, record) => {
      const key = String(record.headers.authorization).slice('Bearer '.length);
      return {
        status: 200,
        body: {
          ...okBody,
          size: key,
          quality: `q-${key}`,
          data: [okBody.data[0], { url: `${downloads.url}/missing/${key}` }],
        },
      };
    });
    for (const flags of [[], ['--json']]) {
      const result = await run(edit(server.url, await outDir(), ...flags));
      expect(result.code).toBe(1);
      expect(`${result.stdout}${result.stderr}`).toContain('[redacted]');
    }
  });
});

describe('a short throwaway key (as suites against the mock use)', () => {
  it.each(['x', 'limit'])(
    'ORQ_API_KEY=%j: the error code, message and saved file names stay intact; the key alone, as a word, is still redacted',
    async (shortKey) => {
      const tooMany = responses['429']!.content['application/json']!.examples;
      const body = Object.values(tooMany)[0]!.value as { error: { code: string; message: string } };
      const server = await serve(() => ({
        status: 429,
        headers: { 'retry-after': '0' },
        body: { error: { ...body.error, message: `${body.error.message} (key ${shortKey})` } },
      }));
      const result = await cli(edit(server.url, await outDir()), {
        cwd: work,
        env: { ORQ_API_KEY: shortKey, TMPDIR: temp },
      });
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(body.error.code);
      expect(result.stderr).toContain(`${body.error.message} (key [redacted])`);

      const ok = await serve(() => ({ status: 200, body: okBody }));
      const out = await outDir();
      const saved = await cli(edit(ok.url, out, '--json'), { cwd: work, env: { ORQ_API_KEY: shortKey, TMPDIR: temp } });
      expect(saved.code).toBe(0);
      expect(JSON.parse(saved.stdout).files).toEqual([path.join(out, 'image-1.png')]);
    },
  );
});

describe('a signal during a download', () => {
  it.each([
    ['SIGTERM', 143],
    ['SIGHUP', 129],
    ['SIGINT', 130],
  ] as const)('%s: no partial file left, the URL still printed, exit %i', async (signal, code) => {
    let pid = 0;
    const downloads = await startDownloads(() => process.kill(pid, signal));
    const server = await serve(() => ({
      status: 200,
      body: { created: 1, data: [{ url: `${downloads.url}/stall` }] },
    }));
    const out = await outDir();
    const result = await run(edit(server.url, out), { started: (started) => (pid = started) });
    expect(downloads.requests).toEqual(['/stall']);
    expect(result.code, result.stderr).toBe(code);
    expect(await readdir(out)).toEqual([]);
    expect(result.stdout.split('\n')[0]).toBe(`${downloads.url}/stall`);
    expect(result.stderr).toContain(`interrupted (${signal})`);
  });
});
