/**
 * The proxy's memory is bounded for the whole process, not per response: a 250 MiB response (within the spec's
 * x-max-response-bytes) passes through `orq-images proxy` whole while its peak memory (its own process, read from
 * /proc) grows far less than the response, with and without --record. The copy kept for checking goes to a spool
 * file on disk past a small head held in memory, a body past what the check parses is reported as not checked (and
 * recorded cut and marked), and the spool file is gone afterwards. Past the number of responses copied at once, a
 * response is passed on whole and reported not checked.
 */
import { execFile } from 'node:child_process';
import { readdirSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { imageField } from '../../src/contract/spec.js';
import { MAX_CASSETTE_BYTES } from '../../src/mock/core/replay.js';
import { MAX_CHECKED_BYTES, MAX_COPIED_RESPONSES, RESPONSE_HEAD_BYTES } from '../../src/mock/proxy/response-copy.js';
import { writeMultipart } from '../../scripts/multipart-writer.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import {
  AUTH,
  KEY,
  memory,
  okBody,
  png,
  proxiesClosedAfterEach,
  startProxyProcess,
  validParts,
  type ProxyProcess,
} from './support.js';

const run = promisify(execFile);
const { track } = serversClosedAfterEach();
const proxy = proxiesClosedAfterEach();
const MiB = 1024 * 1024;
/** Generous, and far below the 250 MiB response (the proxy peaked at 819 MB, 1.85 GB while recording, before). */
const GROWTH_BOUND = 300 * MiB;

let dir: string;
let proxyTmp: string;
let image: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'large-responses-'));
  proxyTmp = path.join(dir, 'tmp');
  await mkdir(proxyTmp);
  image = path.join(dir, 'cat.png');
  writeFileSync(image, png);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const spools = () => readdirSync(proxyTmp).filter((name) => name.startsWith('orq-proxy-'));

/**
 * An upstream responding with a 200 of the spec's shape whose one b64_json makes the body about `bytes` long
 * (`bytes` says exactly, a few less), written in 1 MiB
 * pieces as the socket takes them (this process never holds the body); `created` is a string when `drifting`.
 * `pauseAt`: the upstream stops after that many bytes until `resume()`.
 */
async function startLargeUpstream(
  bytes: number,
  { drifting = false, pauseAt }: { drifting?: boolean; pauseAt?: number } = {},
) {
  const marker = '@@IMAGE@@';
  const [before, after] = JSON.stringify({
    ...okBody,
    created: drifting ? 'yesterday' : okBody.created,
    data: [{ b64_json: marker }],
  }).split(marker) as [string, string];
  // Base64 of a PNG's first bytes, then of zeros: the body's length is exact, its image the right type.
  const head = png.subarray(0, 24).toString('base64');
  // Whole base64 quanta: the image stays valid base64 whatever the size asked.
  const fill = Math.floor((bytes - before.length - after.length - head.length) / 4) * 4;
  const length = before.length + head.length + fill + after.length;
  let resume!: () => void;
  const resumed = new Promise<void>((resolve) => (resume = resolve));
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', async () => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(length) });
      const piece = Buffer.alloc(MiB, 'A');
      const write = (chunk: Buffer | string) =>
        res.write(chunk) ? undefined : new Promise((resolve) => res.once('drain', resolve));
      await write(before + head);
      let sent = before.length + head.length;
      for (let left = fill; left > 0 && !res.destroyed; left -= piece.length) {
        if (pauseAt !== undefined && sent >= pauseAt) await resumed;
        const chunk = left >= piece.length ? piece : piece.subarray(0, left);
        await write(chunk);
        sent += chunk.length;
      }
      res.end(after);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return track({
    bytes: length,
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    resume,
    close: () =>
      new Promise<void>((resolve) => {
        resume();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A valid request through the proxy by curl (the response goes to /dev/null): its status and bytes received. */
async function curlThrough(proxy: ProxyProcess) {
  const { stdout } = await run('curl', [
    '-sS',
    '--max-time',
    '300',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code} %{size_download}',
    '-H',
    `Authorization: Bearer ${KEY}`,
    '-F',
    'model=openai/gpt-image-1',
    '-F',
    'prompt=Brighter',
    '-F',
    `${imageField.name}=@${image};type=image/png`,
    proxy.endpoint,
  ]);
  const [status, received] = stdout.split(' ').map(Number);
  return { status, received };
}

describe('a large response through the proxy', () => {
  const bytes = 250 * MiB;

  it.each([
    ['without recording', false],
    ['while recording', true],
  ])(
    `250 MiB reach the caller whole at bounded memory, %s: reported not checked past ${MAX_CHECKED_BYTES} bytes (a recording keeps it cut and marked)`,
    { timeout: 300_000 },
    async (_name, recording) => {
      const upstream = await startLargeUpstream(bytes);
      const cassettes = path.join(dir, `cassettes-${recording}`);
      const spoolsBefore = spools().length;
      const proxy = await startProxyProcess(
        ['--upstream', upstream.url, ...(recording ? ['--record', cassettes] : [])],
        proxyTmp,
      );
      try {
        const before = memory(proxy.pid, 'VmRSS');
        writeFileSync(`/proc/${proxy.pid}/clear_refs`, '5'); // VmHWM := VmRSS, so the peak read below is this exchange's
        const sent = await curlThrough(proxy);
        await expect.poll(() => proxy.output(), { timeout: 60_000 }).toMatch(/#1 POST/);
        const growth = memory(proxy.pid, 'VmHWM') - before;
        console.log(
          `proxy memory for a ${bytes}-byte response ${recording ? 'while recording' : 'without recording'}: peak growth ${(growth / MiB).toFixed(1)} MiB`,
        );

        expect(sent).toEqual({ status: 200, received: upstream.bytes });
        const line = /#1 POST.*/.exec(proxy.output())![0];
        expect(line).toMatch(
          new RegExp(
            `→ 200 \\(\\d+ ms\\): request conforms, response not checked: its body is over ${MAX_CHECKED_BYTES} bytes, more than the proxy checks`,
          ),
        );
        expect(growth).toBeLessThan(GROWTH_BOUND);
        expect(spools()).toHaveLength(spoolsBefore);
        if (recording) {
          const [name] = await readdir(cassettes);
          const text = await readFile(path.join(cassettes, name!), 'utf8');
          expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_CASSETTE_BYTES);
          const cassette = JSON.parse(text);
          expect(cassette.response).toMatchObject({ status: 200, truncated: true });
          expect(cassette.response.text.startsWith('{"created":')).toBe(true);
        }
      } finally {
        await proxy.stop();
      }
    },
  );
});

describe('the copy kept for checking', () => {
  it(`is held on disk past its first ${RESPONSE_HEAD_BYTES} bytes, checked from there once whole, and removed afterwards`, {
    timeout: 120_000,
  }, async () => {
    const bytes = 24 * MiB;
    const pauseAt = 12 * MiB;
    const upstream = await startLargeUpstream(bytes, { drifting: true, pauseAt });
    const spoolsBefore = spools();
    const proxy = await startProxyProcess(['--upstream', upstream.url], proxyTmp);
    try {
      const sent = curlThrough(proxy);
      sent.catch(() => undefined); // awaited below; a failure before then must not go unhandled
      // While the upstream holds back the rest, the copy of what came is in a spool file, not in memory.
      const spooled = () =>
        spools()
          .filter((name) => !spoolsBefore.includes(name))
          .map((name) =>
            readdirSync(path.join(proxyTmp, name)).reduce(
              (sum, file) => sum + statSync(path.join(proxyTmp, name, file)).size,
              0,
            ),
          );
      await vi.waitFor(() => expect(spooled()[0]).toBeGreaterThanOrEqual(pauseAt - 2 * MiB), {
        timeout: 60_000,
        interval: 50,
      });
      upstream.resume();
      expect(await sent).toEqual({ status: 200, received: upstream.bytes });
      await expect.poll(() => proxy.output(), { timeout: 60_000 }).toMatch(/#1 POST/);
      // Checked whole, from the file: the drift is named.
      expect(/#1 POST.*/.exec(proxy.output())![0]).toMatch(
        /→ 200 \(\d+ ms\): 1 departure from the spec: body\.created: the spec says type integer, received "yesterday"$/,
      );
      expect(spooled()).toEqual([]);
    } finally {
      await proxy.stop();
    }
  });
});

describe('responses checked at once', () => {
  it(`past ${MAX_COPIED_RESPONSES} at once, a response is passed on whole and reported not checked; the others are checked`, {
    timeout: 120_000,
  }, async () => {
    const count = MAX_COPIED_RESPONSES + 1;
    const text = JSON.stringify(okBody);
    // Every response starts, then waits until all of them have started: their copies are all held at once.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const server = http.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) });
        res.write(text.slice(0, 10));
        void released.then(() => res.end(text.slice(10)));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    track({
      close: () =>
        new Promise<void>((resolve) => (release(), server.closeAllConnections(), server.close(() => resolve()))),
    });
    const through = await proxy({ upstream: `http://127.0.0.1:${(server.address() as AddressInfo).port}` });
    const { body, contentType } = writeMultipart(validParts());
    const bytes = Buffer.from(await body.arrayBuffer());
    // fetch resolves once the response's head has come through the proxy, after its copy was (or was not) started.
    const responses = await Promise.all(
      Array.from({ length: count }, () =>
        fetch(through.endpoint, { method: 'POST', headers: { ...AUTH, 'content-type': contentType }, body: bytes }),
      ),
    );
    release();
    expect(await Promise.all(responses.map((response) => response.text()))).toEqual(Array(count).fill(text));
    await through.reported(count);
    const notChecked = new RegExp(
      `→ 200 \\(\\d+ ms\\): request conforms, response not checked: ${MAX_COPIED_RESPONSES} responses were being checked already \\(the proxy's limit\\)$`,
    );
    const unchecked = through.lines.filter((line) => notChecked.test(line));
    expect(unchecked).toHaveLength(1);
    expect(through.lines.filter((line) => /→ 200 \(\d+ ms\): conforms$/.test(line))).toHaveLength(MAX_COPIED_RESPONSES);
    expect(through.summary()).toMatchObject({
      exchanges: count,
      conforming: MAX_COPIED_RESPONSES,
      responsesUnchecked: 1,
    });
  });
});
