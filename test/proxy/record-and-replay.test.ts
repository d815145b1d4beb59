/**
 * `--record DIR` and `--replay DIR` end to end, against a local upstream that echoes the caller's key back in every
 * place a server might (a header, a body field, a URL's query, percent-encoded): the cassettes hold no trace of the
 * key and no image pixels (request images by hash, large response images as small placeholders of their type), and the
 * Node mock started on that directory responds to the same requests with the recorded responses, in the order recorded,
 * while any other request, or one that asks with Prefer, gets the spec's example as before.
 */
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sniffImageType } from '../../src/contract/images.js';
import { imageField } from '../../src/contract/spec.js';
import { placeholderFor } from '../../src/mock/proxy/placeholders.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { readCassettes } from '../../src/mock/replay-dir.js';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { AUTH, KEY, okBody, postParts, proxiesClosedAfterEach, urlBody, validParts } from './support.js';

const { serve } = serversClosedAfterEach();
const proxy = proxiesClosedAfterEach();

/** A response image large enough to be shrunk (about 40 KB of base64). */
const bigImage = makePng(8, 8, { padTo: 30_000, seed: 3 });
const requestA = validParts([{ name: 'response_format', value: 'b64_json' }]);
const requestB = validParts(
  [
    { name: 'response_format', value: 'url' },
    { name: 'retry', value: '{"count": 2}', contentType: 'application/json' },
  ],
  makePng(8, 8, { seed: 9 }),
);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-cassettes-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Every way the key could survive in a text: as is, in any letter case, percent-encoded, or a start of it. */
function holdsKey(text: string): boolean {
  const lower = text.toLowerCase();
  return [KEY, encodeURIComponent(KEY), KEY.slice(0, 10)].some((form) => lower.includes(form.toLowerCase()));
}

describe('recording', () => {
  it('writes each exchange as a cassette with no trace of the key, images by hash, large response images shrunk', {
    timeout: 60_000,
  }, async () => {
    const upstream = await serve((index, request) => {
      const echo = String(request.headers.authorization);
      if (index === 0)
        return {
          status: 429,
          headers: { 'retry-after': '1', 'x-echo': echo },
          body: {
            error: { code: 'rate_limit_exceeded', message: `slow down, ${echo}`, doc_url: 'https://docs.orq.ai' },
          },
        };
      if (index === 1) return { status: 200, body: { ...okBody, data: [{ b64_json: bigImage.toString('base64') }] } };
      return {
        status: 200,
        body: { ...urlBody, data: [{ url: `https://storage.example/a.png?token=${encodeURIComponent(KEY)}` }] },
      };
    });
    const through = await proxy({ upstream: upstream.url, recordDir: dir });
    for (const parts of [requestA, requestA, requestB])
      expect(await postParts(through.url, parts)).toMatchObject({ status: expect.any(Number) });
    await through.reported(3);

    const names = (await readdir(dir)).sort();
    expect(names).toEqual(['0001-post-429.json', '0002-post-200.json', '0003-post-200.json']);
    const texts = await Promise.all(names.map((name) => readFile(path.join(dir, name), 'utf8')));
    for (const text of texts) {
      expect(holdsKey(text)).toBe(false);
      expect(text).not.toMatch(/"authorization"/i);
    }
    const [limited, b64, url] = texts.map((text) => JSON.parse(text));
    expect(limited.response.headers['x-echo']).toBe('Bearer [redacted]');
    expect(limited.response.body.error.message).toBe('slow down, Bearer [redacted]');
    expect(url.response.body.data[0].url).toBe('https://storage.example/a.png?token=[redacted]');
    expect(b64.request.images).toEqual([
      {
        name: 'image',
        filename: 'cat.png',
        declaredType: 'image/png',
        bytes: expect.any(Number),
        head: expect.stringMatching(/^89504e47/),
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    ]);
    expect(b64.response.shrunk).toEqual([
      {
        field: 'data[0].b64_json',
        type: 'image/png',
        bytes: bigImage.length,
        sha256: createHash('sha256').update(bigImage).digest('hex'),
      },
    ]);
    const placeholder = Buffer.from(b64.response.body.data[0].b64_json, 'base64');
    expect(sniffImageType(placeholder)).toBe('image/png');
    expect(placeholder.length).toBeLessThan(200);
    expect(through.lines[1]).toMatch(/conforms; recorded as 0002-post-200\.json$/);
  });
});

it("a placeholder exists for every media type the spec allows, with that type's signature", () => {
  for (const type of imageField.limits.mediaTypes)
    expect(sniffImageType(Buffer.from(placeholderFor(type), 'base64'))).toBe(type);
});

describe('replay (startMock({ replayDir }))', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMock({ port: 0, replayDir: dir });
  }, 60_000);
  afterAll(async () => {
    await mock?.close();
  });

  it('responds to a recorded request with the recorded responses in order, the last repeating', {
    timeout: 30_000,
  }, async () => {
    expect(mock.replayable).toBe(3);
    const first = await postParts(mock.url, requestA);
    expect(first).toMatchObject({ status: 429 });
    expect((first as { headers: Headers }).headers.get('retry-after')).toBe('1');
    for (let i = 0; i < 2; i++) {
      const again = await postParts(mock.url, requestA);
      expect(again).toMatchObject({ status: 200 });
      expect(sniffImageType(Buffer.from(JSON.parse((again as { text: string }).text).data[0].b64_json, 'base64'))).toBe(
        'image/png',
      );
    }
    const other = await postParts(mock.url, requestB, { authorization: 'Bearer another-key' });
    expect(JSON.parse((other as { text: string }).text).data[0].url).toBe(
      'https://storage.example/a.png?token=[redacted]',
    );
  });

  it('matches by the fields once decoded and the images by hash: JSON spacing, part order and filenames do not matter', {
    timeout: 30_000,
  }, async () => {
    const [model, prompt, format, retry, image] = requestB;
    const reordered = [{ ...retry!, value: '{"count":2}' }, image!, format!, prompt!, model!].map((part) =>
      part.filename ? { ...part, filename: 'renamed.png' } : part,
    );
    const response = await postParts(mock.url, reordered);
    expect(JSON.parse((response as { text: string }).text).data[0].url).toMatch(/^https:\/\/storage\.example\//);
  });

  it("another request, or one that asks with Prefer, gets the mock's own response as before", {
    timeout: 30_000,
  }, async () => {
    const recorded = JSON.parse(await readFile(path.join(dir, '0002-post-200.json'), 'utf8')).response.body;
    const otherPrompt = requestA.map((part) => (part.name === 'prompt' ? { ...part, value: 'Something else' } : part));
    const made = JSON.parse(((await postParts(mock.url, otherPrompt)) as { text: string }).text);
    expect(made.data).toHaveLength(1);
    expect(made.data[0].b64_json).not.toBe(recorded.data[0].b64_json);
    const asked = await postParts(mock.url, requestB, { ...AUTH, prefer: 'code=200, example=b64_png' });
    expect(JSON.parse((asked as { text: string }).text)).toEqual(okBody);
  });

  it('Prefer: delay= and fault= apply to the recorded response', { timeout: 30_000 }, async () => {
    const delayed = await postParts(mock.url, requestB, { ...AUTH, prefer: 'delay=50' });
    expect(JSON.parse((delayed as { text: string }).text).data[0].url).toMatch(/^https:\/\/storage\.example\//);
    const truncated = await postParts(mock.url, requestB, { ...AUTH, prefer: 'fault=truncate' });
    expect(truncated).toMatchObject({ status: 200 });
    const text = (truncated as { text: string }).text;
    expect(() => JSON.parse(text)).toThrow();
    expect(text).toContain('storage.example');
  });
});

it('reads a directory in the order recorded, past 9999 too: 10000-… after 9999-… (not before 1001-…, as text sorts)', async () => {
  const work = await mkdtemp(path.join(tmpdir(), 'orq-replay-order-'));
  try {
    const committed = path.join(path.dirname(fileURLToPath(import.meta.url)), 'cassettes');
    await copyFile(path.join(committed, '0002-post-200.json'), path.join(work, '1001-post-200.json'));
    await copyFile(path.join(committed, '0001-post-429.json'), path.join(work, '9999-post-429.json'));
    await copyFile(path.join(committed, '0004-post-400.json'), path.join(work, '10000-post-400.json'));
    const statuses: number[] = [];
    for await (const cassette of readCassettes(work, { strict: true })) statuses.push(cassette.response.status);
    expect(statuses).toEqual([200, 429, 400]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
});
