/**
 * The retry policy as units (parseRetryAfter, isRetryable, retryDelayMs with an injected `random`), then once end to
 * end: maxRetries caps the attempts exactly and onRetry sees every retry with the delay it is about to wait.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError, createImageEditClient, type RetryEvent } from '../../src/index.js';
import { isRetryable, parseRetryAfter, retryDelayMs } from '../../src/client/retry.js';
import type { AttemptFailure, RetryOptions } from '../../src/client/options.js';
import { makePng } from '../support/images.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const NOW = Date.parse('2030-06-15T12:00:00Z');
const status = (code: number, retryAfter: string | null = null): AttemptFailure => ({
  kind: 'status',
  status: code,
  retryAfter,
});
const network = (code: string | undefined): AttemptFailure => ({ kind: 'network', code });

describe('parseRetryAfter', () => {
  it('reads delay-seconds, whole and decimal, as milliseconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('120', NOW)).toBe(120_000);
    expect(parseRetryAfter(' 7 ', NOW)).toBe(7000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
    expect(parseRetryAfter('0.25', NOW)).toBe(250);
  });

  it('reads an HTTP-date in the future as the time until it, one in the past as 0', () => {
    expect(parseRetryAfter(new Date(NOW + 90_000).toUTCString(), NOW)).toBe(90_000);
    expect(parseRetryAfter('Sat, 15 Jun 2030 12:00:30 GMT', NOW)).toBe(30_000);
    // RFC 9110 also lets a recipient accept the obsolete RFC 850 and asctime forms.
    expect(parseRetryAfter('Saturday, 15-Jun-30 12:00:30 GMT', NOW)).toBe(30_000);
    expect(parseRetryAfter('Sat Jun 15 12:00:30 2030', NOW)).toBe(30_000);
    expect(parseRetryAfter(new Date(NOW - 3_600_000).toUTCString(), NOW)).toBe(0);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', NOW)).toBe(0);
  });

  it('an asctime date is GMT whatever the local time zone', () => {
    const zone = process.env.TZ;
    process.env.TZ = 'America/New_York';
    try {
      expect(new Date(NOW).getTimezoneOffset()).not.toBe(0);
      expect(parseRetryAfter('Sat Jun 15 12:00:30 2030', NOW)).toBe(30_000);
      expect(parseRetryAfter('Sat Jun  1 12:00:00 2030', Date.parse('2030-06-01T11:59:00Z'))).toBe(60_000);
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
  });

  it('is undefined when absent, empty or unreadable (never "retry at once")', () => {
    // Each of these is something a lenient date parser turns into a date long past, which would mean "wait 0 ms".
    for (const garbage of [
      null,
      '',
      '   ',
      'soon',
      'later 12',
      '-5',
      '1.',
      '.5',
      '1e3',
      '5s',
      'Infinity',
      'NaN',
      'abc 2001',
      'Bearer sk-x 1',
      '0x10',
    ]) {
      expect(parseRetryAfter(garbage, NOW), JSON.stringify(garbage)).toBeUndefined();
    }
  });
});

describe('isRetryable: by default only where the server certainly did no work', () => {
  it('429 always; 503 only with a Retry-After it can read', () => {
    expect(isRetryable(status(429))).toBe(true);
    expect(isRetryable(status(429, '3'))).toBe(true);
    expect(isRetryable(status(503, '3'))).toBe(true);
    expect(isRetryable(status(503, new Date(Date.now() + 5000).toUTCString()))).toBe(true);
    expect(isRetryable(status(503))).toBe(false);
    expect(isRetryable(status(503, 'whenever'))).toBe(false);
  });

  it.each([500, 502, 504, 408])('%i: no, unless opted in', (code) => {
    expect(isRetryable(status(code))).toBe(false);
    expect(isRetryable(status(code, '1'))).toBe(false);
    expect(isRetryable(status(code), [code])).toBe(true);
    expect(isRetryable(status(code), [code === 500 ? 502 : 500, 'reset'])).toBe(false);
  });

  it('other statuses: never by default; 503 without Retry-After when listed', () => {
    for (const code of [400, 401, 403, 404, 413, 422, 501]) expect(isRetryable(status(code)), String(code)).toBe(false);
    expect(isRetryable(status(503), [503])).toBe(true);
  });

  it('a refused connection (nothing was sent): yes; a reset: only with retryOn reset', () => {
    expect(isRetryable(network('ECONNREFUSED'))).toBe(true);
    expect(isRetryable(network('ECONNREFUSED'), ['reset'])).toBe(true);
    for (const code of ['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET']) {
      expect(isRetryable(network(code)), String(code)).toBe(false);
      expect(isRetryable(network(code), [500, 502]), String(code)).toBe(false);
      expect(isRetryable(network(code), ['reset']), String(code)).toBe(true);
    }
  });

  it('only a real reset is a reset: a failure with no code, or another code, is never retried as one', () => {
    for (const code of [undefined, 'ERR_IMAGE_CHANGED', 'ERR_INVALID_CHAR', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']) {
      expect(isRetryable(network(code), ['reset', 500, 502, 503, 504, 408]), String(code)).toBe(false);
    }
  });
});

describe('retryDelayMs', () => {
  const options: RetryOptions = { retryBaseDelayMs: 100, retryMaxDelayMs: 1000 };
  const fixed = (value: number) => () => value;

  it('equal jitter: within [half, full] of base × 2^(retry−1)', () => {
    for (const [retry, backoff] of [
      [1, 100],
      [2, 200],
      [3, 400],
      [4, 800],
    ] as const) {
      expect(retryDelayMs(status(429), retry, options, fixed(0))).toBe(backoff / 2);
      expect(retryDelayMs(status(429), retry, options, fixed(0.5))).toBe((backoff * 3) / 4);
      expect(retryDelayMs(status(429), retry, options, fixed(0.999999))).toBe(backoff);
      expect(retryDelayMs(network('ECONNREFUSED'), retry, options, fixed(0))).toBe(backoff / 2);
    }
  });

  it('the backoff is capped by retryMaxDelayMs, jitter included', () => {
    expect(retryDelayMs(status(429), 5, options, fixed(0.999999))).toBe(1000);
    expect(retryDelayMs(status(429), 5, options, fixed(0))).toBe(500);
    expect(retryDelayMs(status(429), 30, options, fixed(0.999999))).toBe(1000);
  });

  it('defaults: base 500 ms, cap 30 s', () => {
    expect(retryDelayMs(status(429), 1, {}, fixed(0.999999))).toBe(500);
    expect(retryDelayMs(status(429), 20, {}, fixed(0.999999))).toBe(30_000);
  });

  it('Retry-After is honoured as given (no jitter) up to the cap, and refused above it', () => {
    expect(retryDelayMs(status(429, '0.75'), 1, options, fixed(0))).toBe(750);
    expect(retryDelayMs(status(503, '1'), 3, options, fixed(0.9))).toBe(1000);
    expect(retryDelayMs(status(503, '1.001'), 1, options, fixed(0))).toBeUndefined();
    expect(retryDelayMs(status(429, '3600'), 1, {}, fixed(0))).toBeUndefined();
    expect(retryDelayMs(status(429, new Date(Date.now() + 3_600_000).toUTCString()), 1, {}, fixed(0))).toBeUndefined();
  });

  it('an unreadable Retry-After falls back to the backoff', () => {
    expect(retryDelayMs(status(429, 'later 12'), 2, options, fixed(0))).toBe(100);
    expect(retryDelayMs(status(429, ''), 1, options, fixed(0.999999))).toBe(100);
  });
});

describe('end to end', () => {
  let server: ScriptedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([0, 1, 3])(
    'maxRetries: %i → exactly that many retries, each told to onRetry with its delay',
    async (maxRetries) => {
      // Each response asks for a different wait (decimal seconds), so every event's delay can be matched to its
      // response.
      server = await startScriptedServer((i) => ({
        status: 429,
        headers: { 'retry-after': `0.0${i + 1}` },
        body: { error: { code: 'rate_limit_exceeded', message: `attempt ${i}` } },
      }));
      const events: RetryEvent[] = [];
      const client = createImageEditClient({
        apiKey: 'sk-retry-test',
        baseUrl: server.url,
        maxRetries,
        onRetry: (e) => events.push(e),
      });
      const error = await client.edit({ model: 'openai/gpt-image-1', prompt: 'hat', image: makePng() }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiError);
      expect((error as ApiError).message).toContain(`attempt ${maxRetries}`);
      expect(server.requests).toHaveLength(maxRetries + 1);
      expect(events.map((e) => e.retry)).toEqual(Array.from({ length: maxRetries }, (_, i) => i + 1));
      expect(events.map((e) => e.delayMs)).toEqual(Array.from({ length: maxRetries }, (_, i) => 10 * (i + 1)));
      for (const [i, event] of events.entries()) {
        expect(event.failure).toEqual({ kind: 'status', status: 429, retryAfter: `0.0${i + 1}` });
        expect(event.error).toBeInstanceOf(ApiError);
        expect(event.error.message).toContain(`attempt ${i}`);
      }
    },
  );

  it('the backoff delays onRetry reports stay within the jitter bounds, and the call succeeds once it gets a response', async () => {
    server = await startScriptedServer((i) =>
      i < 3 ? { status: 429 } : { status: 200, body: { created: 1, data: [{ b64_json: 'iVBORw0KGgo=' }] } },
    );
    const events: RetryEvent[] = [];
    const client = createImageEditClient({
      apiKey: 'sk-retry-test',
      baseUrl: server.url,
      maxRetries: 3,
      retryBaseDelayMs: 8,
      onRetry: (e) => events.push(e),
    });
    await expect(client.edit({ model: 'openai/gpt-image-1', prompt: 'hat', image: makePng() })).resolves.toMatchObject({
      created: 1,
    });
    expect(server.requests).toHaveLength(4);
    expect(events.map((e) => e.retry)).toEqual([1, 2, 3]);
    for (const event of events) {
      const backoff = 8 * 2 ** (event.retry - 1);
      expect(event.delayMs).toBeGreaterThanOrEqual(backoff / 2);
      expect(event.delayMs).toBeLessThanOrEqual(backoff);
    }
  });
});
