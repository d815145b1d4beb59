/**
 * Every response is read within a byte limit counted once decoded (the spec's x-max-response-bytes by default, or the
 * caller's maxResponseBytes), for 2xx and error statuses alike: a compression bomb, an endless body or a 600 MB
 * JSON-ish response ends in a typed ResponseTooLargeError naming the limit, the rest is never read (the connection is
 * closed), and nothing is retried.
 */
import { describe, expect, it } from 'vitest';
import { ResponseTooLargeError, createImageEditClient, type ImageEditClientOptions } from '../../src/index.js';
import { wireContract } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';
import { startHostileServer, type HostileResponse } from './fixtures/hostile-responses.js';

const { track } = serversClosedAfterEach();
const MiB = 1024 * 1024;
const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const request = { model: 'openai/gpt-image-1', prompt: 'Add a hat', image: makePng(4, 4) };

async function hostile(response: HostileResponse) {
  return track(await startHostileServer(response));
}

function client(url: string, options: Partial<ImageEditClientOptions> = {}) {
  return createImageEditClient({
    apiKey: 'sk-hostile-responses-0123456789',
    baseUrl: url,
    retryOn: [500, 502, 503, 504, 'reset'],
    retryBaseDelayMs: 1,
    ...options,
  });
}

/** Waits (bounded) until the server saw the client go away. */
async function closedBy(server: { closed: number }, count: number): Promise<void> {
  for (let i = 0; i < 100 && server.closed < count; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(server.closed).toBe(count);
}

describe('compressed responses within the limit', () => {
  it.each(['gzip', 'deflate', 'br'] as const)(
    'a %s-encoded 200 is decoded and checked like any other',
    async (encoding) => {
      const server = await hostile({ encoded: encoding, body: JSON.stringify(okBody) });
      const result = await client(server.url).edit(request);
      expect(result).toEqual(okBody);
      expect(server.headers?.['accept-encoding']).toBe('gzip, deflate, br');
    },
  );
});

describe('responses larger than the limit', () => {
  it.each(['gzip', 'deflate', 'br'] as const)(
    'a %s bomb (3 GiB once inflated): reading stops at the limit, counted after decoding',
    async (bomb) => {
      const server = await hostile({ bomb, totalBytes: 3 * 1024 * MiB });
      const error = await client(server.url, { maxResponseBytes: 4 * MiB })
        .edit(request)
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResponseTooLargeError);
      expect(error).toMatchObject({ status: 200, limitBytes: 4 * MiB });
      expect((error as Error).message).toContain(`larger than ${4 * MiB} bytes (maxResponseBytes)`);
      await closedBy(server, 1);
      // What the server had compressed when the client left: a little past the limit, never the whole bomb.
      expect(server.produced).toBeLessThan(64 * MiB);
    },
  );

  it('an error response (500) that never ends: the same typed error with its status, and no retry', async () => {
    const server = await hostile({ jsonish: true, status: 500, totalBytes: 2 * 1024 * MiB });
    const error = await client(server.url, { maxResponseBytes: MiB })
      .edit(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error).toMatchObject({ status: 500, limitBytes: MiB });
    await closedBy(server, 1);
  });

  it("a 600 MB JSON-ish 200 that declares its length: refused by the spec's default limit before its body is read", async () => {
    const server = await hostile({ jsonish: true, totalBytes: 600_000_000, declareLength: true });
    const error = await client(server.url)
      .edit(request)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect((error as ResponseTooLargeError).limitBytes).toBe(wireContract.maxResponseBytes);
    await closedBy(server, 1);
    expect(server.produced).toBeLessThan(64 * MiB);
  });

  it('a 600 MB JSON-ish 200 that does not declare its length (chunked): read up to the limit, no further', async () => {
    const server = await hostile({ jsonish: true, totalBytes: 600_000_000 });
    const error = await client(server.url, { maxResponseBytes: 8 * MiB })
      .edit(request)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResponseTooLargeError', status: 200, limitBytes: 8 * MiB });
    await closedBy(server, 1);
    expect(server.produced).toBeLessThan(64 * MiB);
  });

  it('maxResponseBytes per call overrides the client; a response within it is read whole', async () => {
    const server = await hostile({ bomb: 'gzip', status: 400, totalBytes: 3 * MiB });
    const error = await client(server.url, { maxResponseBytes: MiB })
      .edit(request, { maxResponseBytes: 2 * MiB })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'ResponseTooLargeError', status: 400, limitBytes: 2 * MiB });
    const whole = await client(server.url, { maxResponseBytes: MiB })
      .edit(request, { maxResponseBytes: 4 * MiB })
      .catch((e: unknown) => e);
    expect(whole).toMatchObject({ name: 'ApiError', status: 400 });
  });
});
