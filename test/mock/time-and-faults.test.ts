/**
 * Time and failures on demand, from the Node mock and from the MSW handlers alike, each run against this package's
 * client and ending in the typed error the README promises: `Prefer: delay=` (and the server-wide latency) holds the response back, past a client's timeout a
 * TimeoutError; `fault=reset` drops the connection (NetworkError, not retried by default), `truncate` cuts the
 * JSON (ResponseValidationError), `drip` trickles it (TimeoutError), `html` is a proxy's error page (ApiError 502
 * with the page's title). Bad `delay=`/`fault=` values are refused with Prism's 422 before any body is read.
 *
 * Elapsed times are only ever checked from below (a response held back N ms cannot arrive sooner), never from above.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  createImageEditClient,
  NetworkError,
  ResponseValidationError,
  TimeoutError,
} from '../../src/index.js';
import { createSharpImageMaker, startMock, type MockServer } from '../../src/mock/index.js';
import { FAULTS, MAX_DELAY_MS } from '../../src/contract/mock-prefer.js';
import { latencyDelay, parseLatency } from '../../src/mock/core/prefer.js';
import { seededRandom } from '../../src/mock/core/types.js';
import { makePng } from '../support/images.js';
import { listenMsw, MSW_BASE } from '../msw/support.js';
import { AUTH, endpoint, minimalParts, mockUrl, postParts } from './support.js';
import type { SetupServer } from 'msw/node';

const request = {
  model: 'openai/gpt-image-1',
  prompt: 'Add a red scarf to the cat',
  image: new Blob([makePng(4, 4)]),
  size: '8x8',
  response_format: 'b64_json' as const,
};

function client(prefer: string | undefined, options: { timeoutMs?: number; baseUrl?: string } = {}) {
  const baseUrl = options.baseUrl ?? mockUrl();
  return createImageEditClient({
    apiKey: 'mock-key',
    baseUrl,
    maxRetries: 2,
    timeoutMs: options.timeoutMs ?? 20_000,
    ...(prefer ? { headers: { Prefer: prefer } } : {}),
    // msw/node intercepts the platform's fetch, not the client's own node:http transport: hand the client that fetch.
    ...(baseUrl === MSW_BASE
      ? { fetch: (input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init) }
      : {}),
  });
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('Prefer: delay', () => {
  it('holds the response back at least that long, then responds as usual', async () => {
    const started = performance.now();
    const result = await client('delay=400').edit(request);
    expect(performance.now() - started).toBeGreaterThanOrEqual(395);
    expect(result.data).toHaveLength(1);
  });

  it(`a delay over ${MAX_DELAY_MS} ms, or one that is not a number, or an unknown fault → 422 naming it and what it takes`, async () => {
    for (const [prefer, words] of [
      [`delay=${MAX_DELAY_MS + 1}`, String(MAX_DELAY_MS)],
      ['delay=soon', 'milliseconds'],
      ['fault=explode', Object.keys(FAULTS).join(', ')],
    ] as const) {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: prefer });
      expect(response.status, prefer).toBe(422);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(response.body.detail).toContain(prefer.split('=')[0]);
      expect(response.body.detail).toContain(words);
    }
  });
});

const targets = [
  { target: 'the Node mock', base: () => mockUrl() },
  { target: 'the MSW handlers (msw/node)', base: () => MSW_BASE },
];

describe.each(targets)("Prefer: fault, through this package's client, from $target", ({ target, base }) => {
  let msw: SetupServer | undefined;
  const requests: string[] = [];
  beforeAll(() => {
    if (base() !== MSW_BASE) return;
    msw = listenMsw({ images: createSharpImageMaker() });
    msw.events.on('request:start', ({ request }) => requests.push(`${request.method} ${request.url}`));
  });
  afterAll(() => msw?.close());

  it('reset: the connection drops before any response → NetworkError, and the edit is not retried (a reset may follow a paid edit)', async () => {
    if (target === 'the Node mock') {
      const lines: string[] = [];
      const mock = await startMock({ port: 0, log: (line) => lines.push(line) });
      try {
        const error = await failure(client('fault=reset', { baseUrl: mock.url }).edit(request));
        expect(error).toBeInstanceOf(NetworkError);
        expect(lines.filter((line) => line.startsWith('POST'))).toHaveLength(1);
      } finally {
        await mock.close();
      }
    } else {
      requests.length = 0;
      const error = await failure(client('fault=reset', { baseUrl: base() }).edit(request));
      expect(error).toBeInstanceOf(NetworkError);
      expect(requests.filter((line) => line.startsWith('POST'))).toHaveLength(1);
    }
  });

  it('truncate: a 200 whose JSON is cut off → ResponseValidationError with the text as received', async () => {
    const error = await failure(client('fault=truncate', { baseUrl: base() }).edit(request));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).status).toBe(200);
    expect(typeof (error as ResponseValidationError).body).toBe('string');
    expect(String((error as ResponseValidationError).body).startsWith('{"created":')).toBe(true);
  });

  it('drip: the response trickles in → TimeoutError once the client stops waiting', async () => {
    const error = await failure(client('fault=drip', { timeoutMs: 1500, baseUrl: base() }).edit(request));
    expect(error).toBeInstanceOf(TimeoutError);
  });

  it('drip with time enough: the whole response arrives, slowly', async () => {
    const response = await postParts(minimalParts(), { ...AUTH, Prefer: 'fault=drip, example=url' }, endpoint(base()));
    expect(response.status).toBe(200);
    expect(response.body.data).toHaveLength(2);
  }, 60_000);

  it("html: a proxy's error page → ApiError 502 whose message is the page's title; `code=` picks another status", async () => {
    const error = await failure(client('fault=html', { baseUrl: base() }).edit(request));
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(502);
    expect((error as ApiError).message).toContain('502 Bad Gateway');
    const page = await postParts(minimalParts(), { ...AUTH, Prefer: 'fault=html, code=504' }, endpoint(base()));
    expect(page.status).toBe(504);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.text).toContain('<title>504 Gateway Time-out</title>');
  });

  it('delay: longer than the client waits → TimeoutError', async () => {
    const error = await failure(client('delay=5000', { timeoutMs: 600, baseUrl: base() }).edit(request));
    expect(error).toBeInstanceOf(TimeoutError);
  });
});

describe('the server-wide latency', () => {
  let mock: MockServer;
  beforeAll(async () => {
    mock = await startMock({ port: 0, latency: '300-500', seed: 1 });
  });
  afterAll(() => mock?.close());

  it('holds every response back within its range; Prefer: delay=0 overrides it for one request', async () => {
    let started = performance.now();
    await client(undefined, { baseUrl: mock.url }).edit(request);
    expect(performance.now() - started).toBeGreaterThanOrEqual(295);
    started = performance.now();
    const response = await postParts(
      minimalParts(),
      { ...AUTH, Prefer: 'delay=0' },
      `${mock.url}/v2/router/images/edits`,
    );
    expect(response.status).toBe(200);
  });

  it('is jittered, and the same seed gives the same delays', () => {
    const delays = (seed: string) => {
      const random = seededRandom(seed);
      return Array.from({ length: 20 }, () => latencyDelay(parseLatency('500-3000'), random));
    };
    expect(delays('7')).toEqual(delays('7'));
    expect(new Set(delays('7')).size).toBeGreaterThan(10);
    for (const delay of delays('8')) expect(delay >= 500 && delay <= 3000).toBe(true);
  });

  it('a latency that is not <ms> or <min>-<max> within the cap is refused when the mock starts', async () => {
    for (const latency of ['fast', '500-100', `0-${MAX_DELAY_MS + 1}`]) {
      await expect(startMock({ port: 0, latency })).rejects.toThrow(/latency/);
    }
  });
});
