/**
 * The validating proxy against local upstreams on 127.0.0.1: what it forwards arrives byte for byte with the
 * caller's key; a conforming upstream is reported as such; each way a drifting upstream departs from the spec is
 * named in the exchange's line (describeDrift's format) and counted in the summary; a large response reaches the caller as it
 * arrives and is checked once it ends; a reset reaches the caller as a reset; and --strict refuses a request the spec refuses before the upstream sees anything of it.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readlinkSync } from 'node:fs';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import path from 'node:path';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it, vi } from 'vitest';
import { wireContract } from '../../src/contract/spec.js';
import { createImageEditClient, NetworkError } from '../../src/index.js';
import { serversClosedAfterEach, startStallServer } from '../support/scripted-server.js';
import { writeMultipart } from '../../scripts/multipart-writer.js';
import {
  AUTH,
  KEY,
  errorExample,
  okBody,
  png,
  postParts,
  proxiesClosedAfterEach,
  urlBody,
  validParts,
} from './support.js';

const { serve, track } = serversClosedAfterEach();
const proxy = proxiesClosedAfterEach();

/** An upstream whose response is written by hand (bytes the scripted server cannot send, such as compressed ones). */
async function startRawServer(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => handler(req, res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('a conforming upstream', () => {
  it("gets the request as sent, with the caller's key; the caller gets the response as sent; the line says it conforms", {
    timeout: 30_000,
  }, async () => {
    const upstream = await serve(() => ({ status: 200, body: okBody }));
    const through = await proxy({ upstream: upstream.url });
    const client = createImageEditClient({ apiKey: KEY, baseUrl: through.url, maxRetries: 0 });
    const result = await client.edit({
      model: 'openai/gpt-image-1',
      prompt: 'Add a red scarf',
      image: png,
      response_format: 'b64_json',
      retry: { count: 2 },
    });
    expect(result.drift).toEqual([]);
    expect(JSON.parse(JSON.stringify(result))).toEqual(okBody);
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(upstream.requests[0]!.parts.find((part) => part.name === 'image')?.sha256).toBe(
      createHash('sha256').update(png).digest('hex'),
    );

    await through.reported(1);
    expect(through.lines).toEqual([
      expect.stringMatching(/^#1 POST \/v2\/router\/images\/edits → 200 \(\d+ ms\): conforms$/),
    ]);
    expect(through.summary()).toMatchObject({
      exchanges: 1,
      conforming: 1,
      requestViolations: 0,
      responseDrift: 0,
      departures: [],
    });
  });

  it('a request the spec refuses is still forwarded (without --strict) and named in the line', {
    timeout: 30_000,
  }, async () => {
    const upstream = await serve(() => ({ status: 400, body: errorExample(400) }));
    const through = await proxy({ upstream: upstream.url });
    const sent = await postParts(through.url, validParts([{ name: 'n', value: '11' }]));
    expect(sent).toMatchObject({ status: 400 });
    expect(upstream.requests).toHaveLength(1);
    await through.reported(1);
    expect(through.lines[0]).toMatch(
      /→ 400 \(\d+ ms\): 1 departure from the spec: request\.n: must be <= 10 \(got 11\)$/,
    );
  });
});

describe('a drifting upstream', () => {
  const html413 = '<html><head><title>413 Request Entity Too Large</title></head><body>nginx</body></html>';
  const cases = [
    {
      name: 'an extra status',
      response: { status: 418, body: { error: { message: 'teapot' } } },
      line: /status: the spec says one of 200, 400, .*, received 418/,
    },
    {
      name: 'a missing required field',
      response: { status: 200, body: { data: okBody.data } },
      line: /body\.created: the spec says required, received missing/,
    },
    {
      name: 'a type change',
      response: { status: 200, body: { ...okBody, created: String(okBody.created) } },
      line: /body\.created: the spec says type integer, received "\d+"/,
    },
    {
      name: 'an image in both forms',
      response: { status: 200, body: { ...okBody, data: [{ ...okBody.data[0], url: urlBody.data[0].url }] } },
      line: /body\.data\[0\]: the spec says b64_json or url, not both, received/,
    },
    {
      name: 'a 413 with an HTML body',
      response: { status: 413, headers: { 'content-type': 'text/html' }, body: html413 },
      line: /headers\.content-type: the spec says application\/json, received "text\/html"; body: the spec says JSON \(application\/json\), received "<html>/,
    },
  ];

  it("each departure is named in its exchange's line, the response reaches the caller unchanged, and the summary counts them", {
    timeout: 60_000,
  }, async () => {
    const upstream = await serve((index) => cases[index]!.response);
    const through = await proxy({ upstream: upstream.url });
    for (const { response } of cases) {
      const sent = await postParts(through.url, validParts([{ name: 'response_format', value: 'b64_json' }]));
      expect(sent).toMatchObject({
        status: response.status,
        text: typeof response.body === 'string' ? response.body : JSON.stringify(response.body),
      });
    }
    await through.reported(cases.length);
    expect(through.lines).toHaveLength(cases.length);
    cases.forEach(({ line }, i) => {
      expect(through.lines[i], cases[i]!.name).toMatch(line);
    });
    const summary = through.summary();
    expect(summary).toMatchObject({ exchanges: 5, conforming: 0, responseDrift: 5, requestViolations: 0 });
    expect(summary.departures.map((departure) => departure.line)).toEqual(
      expect.arrayContaining([
        'status: the spec says one of 200, 400, 401, 402, 403, 404, 408, 413, 422, 429, 500, 501, 502, 503, 504',
        'body.created: the spec says required',
        'body.created: the spec says type integer',
      ]),
    );
  });

  it('a response past x-max-response-bytes once decoded (a gzip bomb) is cut there and named', {
    timeout: 120_000,
  }, async () => {
    // One gzip member of 1 MiB of spaces, 300 times over (members concatenate when decoded): 300 MiB once decoded,
    // past the spec's 256 MiB, in a few hundred kilobytes.
    const member = gzipSync(Buffer.alloc(1024 * 1024, 0x20));
    const bomb = Buffer.concat(Array.from({ length: 300 }, () => member));
    const upstream = track(
      await startRawServer((_req, res) => {
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-encoding': 'gzip',
          'content-length': String(bomb.length),
        });
        res.end(bomb);
      }),
    );
    const through = await proxy({ upstream: upstream.url });
    const sent = await postParts(through.url, validParts());
    // The caller got the status, then the connection was cut where the spec's limit lies.
    expect('error' in sent || sent.status === 200).toBe(true);
    await through.reported(1);
    expect(through.lines[0]).toMatch(
      /→ 200 .*body: the spec says at most 268435456 bytes once decoded \(x-max-response-bytes\), received more \(cut there\)/,
    );
  });
});

describe('a compressed response', () => {
  it.each([
    ['gzip', (body: Buffer) => gzipSync(body)],
    ['deflate, br', (body: Buffer) => brotliCompressSync(deflateSync(body))],
    ['x-gzip, identity', (body: Buffer) => gzipSync(body)],
  ])(
    'Content-Encoding: %s is decoded as a client decodes it, then checked; the caller gets the bytes as sent',
    { timeout: 30_000 },
    async (encoding, encode) => {
      const sent = encode(Buffer.from(JSON.stringify({ ...okBody, created: 'yesterday' })));
      const upstream = track(
        await startRawServer((_req, res) => {
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-encoding': encoding,
            'content-length': String(sent.length),
          });
          res.end(sent);
        }),
      );
      const through = await proxy({ upstream: upstream.url });
      const { body, contentType } = writeMultipart(validParts());
      // Raw bytes through node:http: fetch would undo the encoding before the test could compare.
      const received = await new Promise<Buffer>((resolve, reject) => {
        const req = http.request(
          through.endpoint,
          { method: 'POST', headers: { ...AUTH, 'content-type': contentType } },
          (res) => {
            const chunks: Buffer[] = [];
            res
              .on('data', (chunk: Buffer) => chunks.push(chunk))
              .on('end', () => resolve(Buffer.concat(chunks)))
              .on('error', reject);
          },
        );
        req.on('error', reject);
        void body.arrayBuffer().then((bytes) => req.end(Buffer.from(bytes)));
      });
      expect(received.equals(sent)).toBe(true);
      await through.reported(1);
      expect(through.lines[0]).toMatch(
        /→ 200 \(\d+ ms\): 1 departure from the spec: body\.created: the spec says type integer, received "yesterday"$/,
      );
    },
  );
});

describe('the response streams', () => {
  it('the caller gets the first part of a large response while the upstream still holds back the rest, and the whole is checked once it ends', {
    timeout: 60_000,
  }, async () => {
    // A 200 whose b64_json is 4 MiB of base64 text: the upstream sends its first 1 MiB, then waits until the caller
    // has read those bytes. A proxy that held the response until its end would leave both waiting (the test fails).
    const image = Buffer.alloc(3 * 1024 * 1024, 7);
    png.copy(image);
    const body = Buffer.from(JSON.stringify({ ...okBody, data: [{ b64_json: image.toString('base64') }] }));
    const firstPart = 1024 * 1024;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const upstream = await startRawServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(body.length) });
      res.write(body.subarray(0, firstPart));
      void released.then(() => res.end(body.subarray(firstPart)));
    });
    try {
      const through = await proxy({ upstream: upstream.url });
      const { body: form, contentType } = writeMultipart(validParts());
      const response = await fetch(`${through.url}/v2/router/images/edits`, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': contentType },
        body: form,
        signal: AbortSignal.timeout(30_000),
      });
      expect(response.status).toBe(200);
      const reader = response.body!.getReader();
      let received = 0;
      const chunks: Uint8Array[] = [];
      while (received < firstPart) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
        received += value.byteLength;
      }
      expect(received).toBe(firstPart);
      expect(through.lines).toEqual([]); // not checked yet: the response has not ended
      release();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
      expect(Buffer.concat(chunks).equals(body)).toBe(true);
      await through.reported(1);
      expect(through.lines[0]).toMatch(/→ 200 \(\d+ ms\): conforms$/);
    } finally {
      release();
      await upstream.close();
    }
  });
});

describe('an upstream that resets', () => {
  it('the caller sees a reset too, and the line says what happened', { timeout: 30_000 }, async () => {
    const upstream = await serve(() => ({ reset: true, afterBytes: 64 }));
    const through = await proxy({ upstream: upstream.url });
    const client = createImageEditClient({ apiKey: KEY, baseUrl: through.url, maxRetries: 0 });
    const error = await client.edit({ model: 'openai/gpt-image-1', prompt: 'Add a red scarf', image: png }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(NetworkError);
    await through.reported(1);
    expect(through.lines[0]).toMatch(
      /→ reset \(\d+ ms\): no response to check; the upstream closed the connection before responding \(E[A-Z]+\)$/,
    );
    expect(through.summary()).toMatchObject({ exchanges: 1, upstreamFailures: 1, conforming: 0 });
  });
});

describe('--strict', () => {
  it.each([
    ['n above its maximum', validParts([{ name: 'n', value: '11' }]), AUTH, 400, /request\.n: must be <= 10/],
    ['no credentials', validParts(), {}, 401, /request\.\(credentials\): are missing/],
    [
      'an image that is not one',
      validParts([], Buffer.from('GIF89a not an image of the spec')),
      AUTH,
      400,
      /request\.image\[0\]: is not image\/png/,
    ],
  ])(
    "%s: the mock's refusal, and the upstream sees nothing",
    { timeout: 30_000 },
    async (_name, parts, headers, status, line) => {
      const upstream = await serve(() => ({ status: 200, body: okBody }));
      const through = await proxy({ upstream: upstream.url, strict: true });
      const sent = await postParts(through.url, parts, headers);
      expect(sent).toMatchObject({ status });
      expect(JSON.parse((sent as { text: string }).text).error.code).toBeTypeOf('string');
      expect(upstream.requests).toEqual([]);
      await through.reported(1);
      expect(through.lines[0]).toMatch(/refused by the proxy, not forwarded/);
      expect(through.lines[0]).toMatch(line);
      expect(through.summary()).toMatchObject({ refusedByProxy: 1 });
    },
  );

  it('a valid request is held until checked, then sent whole, with its length', { timeout: 30_000 }, async () => {
    const upstream = await serve(() => ({ status: 200, body: okBody }));
    const through = await proxy({ upstream: upstream.url, strict: true });
    const { body, contentType } = writeMultipart(validParts());
    const bytes = Buffer.from(await body.arrayBuffer());
    const response = await fetch(through.endpoint, {
      method: 'POST',
      headers: { ...AUTH, 'content-type': contentType },
      body: bytes,
    });
    expect(response.status).toBe(200);
    expect(upstream.requests[0]!.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
    expect(upstream.requests[0]!.headers['content-length']).toBe(String(bytes.length));
    await through.reported(1);
    expect(through.lines[0]).toMatch(/→ 200 \(\d+ ms\): conforms$/);
  });

  it.each([
    '/v2/router/images/%65dits',
    '/v2/router/images/edits/',
    '/v2/router//images/edits',
    '/v2/router/images/x/..%2Fedits',
    '/v2/%72outer/images/edits',
  ])(
    '%s is checked as the operation the upstream routes it to: refused without credentials, and with n=11',
    { timeout: 30_000 },
    async (spelling) => {
      const upstream = await serve(() => ({ status: 200, body: okBody }));
      const through = await proxy({ upstream: upstream.url, strict: true });
      const send = async (parts: ReturnType<typeof validParts>, headers: Record<string, string>) => {
        const { body, contentType } = writeMultipart(parts);
        const response = await fetch(`${through.url}${spelling}`, {
          method: 'POST',
          headers: { ...headers, 'content-type': contentType },
          body,
        });
        return { status: response.status, text: await response.text() };
      };
      expect(await send(validParts(), {})).toMatchObject({ status: 401 });
      expect(await send(validParts([{ name: 'n', value: '11' }]), AUTH)).toMatchObject({ status: 400 });
      expect(upstream.requests).toEqual([]);
      await through.reported(2);
      expect(through.lines[0]).toMatch(/refused by the proxy, not forwarded.*request\.\(credentials\): are missing/);
      expect(through.lines[1]).toMatch(/refused by the proxy, not forwarded.*request\.n: must be <= 10/);
    },
  );

  it('a caller that goes away (mid-upload, or while the upstream works) leaves no spool file open in the proxy', {
    timeout: 60_000,
  }, async () => {
    // The proxy runs in this process: its descriptors are this process's, and a spool file's link names its directory.
    const spoolDescriptors = () =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return readlinkSync(`/proc/self/fd/${fd}`).includes(`${path.sep}orq-proxy-`);
        } catch {
          return false; // closed while listed
        }
      }).length;
    const before = spoolDescriptors();
    // An upstream that stops reading: the proxy's read of the spool file pauses mid-file, as behind any slow upstream.
    const upstream = track(await startStallServer());
    const through = await proxy({ upstream: upstream.url, strict: true });
    const { body, contentType } = writeMultipart(validParts([], Buffer.concat([png, Buffer.alloc(24 * 1024 * 1024)])));
    const bytes = Buffer.from(await body.arrayBuffer());
    // Three callers abort while the proxy sends their body upstream; two reset in the middle of their upload.
    for (let i = 0; i < 3; i++) {
      const controller = new AbortController();
      const sent = fetch(through.endpoint, {
        method: 'POST',
        headers: { ...AUTH, 'content-type': contentType },
        body: bytes,
        signal: controller.signal,
      }).catch((error: Error) => error);
      await vi.waitFor(() => expect(upstream.connections).toBeGreaterThan(i), { timeout: 20_000, interval: 20 });
      await new Promise((resolve) => setTimeout(resolve, 300));
      controller.abort();
      expect(await sent).toBeInstanceOf(Error);
    }
    for (let i = 0; i < 2; i++) {
      const socket = net.connect(Number(new URL(through.url).port), '127.0.0.1');
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(
        `POST ${wireContract.path} HTTP/1.1\r\nhost: proxy\r\nauthorization: ${AUTH.authorization}\r\ncontent-type: ${contentType}\r\ncontent-length: ${bytes.length}\r\n\r\n`,
      );
      socket.write(bytes.subarray(0, bytes.length / 2));
      await new Promise((resolve) => setTimeout(resolve, 200));
      socket.resetAndDestroy();
    }
    await through.reported(5);
    expect(through.summary()).toMatchObject({ exchanges: 5 });
    await vi.waitFor(() => expect(spoolDescriptors()).toBe(before), { timeout: 10_000, interval: 50 });
  });
});
