/**
 * Every way a call can go wrong, against a real local server that misbehaves on cue: each ends in its own typed
 * error, never a hang or an unhandled rejection, and only outcomes where the server certainly did no work are
 * retried unless the caller opts in. Statuses and bodies come from the spec's own examples.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import {
  AbortError,
  ApiError,
  NetworkError,
  OrqImageEditError,
  ResponseValidationError,
  TimeoutError,
  createImageEditClient,
  type ImageEditClientOptions,
  type RetryEvent,
} from '../../src/index.js';
import { makePng } from '../support/images.js';
import {
  refusedPort,
  serversClosedAfterEach,
  startScriptedServer,
  startStallServer,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const errorBody = (status: number) =>
  Object.values(responses[String(status)]!.content['application/json']!.examples)[0]!.value;
const request = (image: unknown = makePng(8, 8)) => ({
  model: 'openai/gpt-image-1',
  prompt: 'Add a hat',
  image: image as Uint8Array,
});

const { serve, track } = serversClosedAfterEach();

function client(server: { url: string }, options: Partial<ImageEditClientOptions> = {}) {
  return createImageEditClient({ apiKey: 'sk-fault-test', baseUrl: server.url, retryBaseDelayMs: 5, ...options });
}

const fail = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );

describe('retries: by default only where the server certainly did no work', () => {
  it('429 then 200: retried once, onRetry told why and how long', async () => {
    const server = await serve((i) =>
      i === 0 ? { status: 429, body: errorBody(429) } : { status: 200, body: okBody },
    );
    const events: RetryEvent[] = [];
    const result = await client(server, { onRetry: (e) => events.push(e) }).edit(request());
    expect(result).toEqual(okBody);
    expect(server.requests).toHaveLength(2);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ retry: 1, failure: { kind: 'status', status: 429 } });
    expect(events[0]!.error).toBeInstanceOf(ApiError);
  });

  it('429 every time: at most 2 retries, then the ApiError', async () => {
    const server = await serve(() => ({ status: 429, body: errorBody(429), headers: { 'x-request-id': 'req_123' } }));
    const error = await fail(client(server).edit(request()));
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 429, code: 'rate_limit_exceeded', requestId: 'req_123' });
    expect(server.requests).toHaveLength(3);
  });

  it('maxRetries: 0 turns retrying off; maxRetries per call overrides the client', async () => {
    const server = await serve(() => ({ status: 429, body: errorBody(429) }));
    await fail(client(server, { maxRetries: 0 }).edit(request()));
    expect(server.requests).toHaveLength(1);
    await fail(client(server, { maxRetries: 0 }).edit(request(), { maxRetries: 1 }));
    expect(server.requests).toHaveLength(3);
  });

  it('503 with Retry-After (seconds) is retried after that wait; without it, not at all', async () => {
    const server = await serve((i) =>
      i === 0 ? { status: 503, body: errorBody(503), headers: { 'retry-after': '0' } } : { status: 200, body: okBody },
    );
    const events: RetryEvent[] = [];
    await client(server, { onRetry: (e) => events.push(e) }).edit(request());
    expect(events.map((e) => e.delayMs)).toEqual([0]);

    const plain = await serve(() => ({ status: 503, body: errorBody(503) }));
    expect(await fail(client(plain).edit(request()))).toMatchObject({ status: 503 });
    expect(plain.requests).toHaveLength(1);
  });

  it('Retry-After as an HTTP-date is honoured; one beyond retryMaxDelayMs is not waited for', async () => {
    const soon = new Date(Date.now() + 1500).toUTCString();
    const server = await serve((i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': soon } } : { status: 200, body: okBody },
    );
    const events: RetryEvent[] = [];
    await client(server, { onRetry: (e) => events.push(e) }).edit(request());
    // HTTP-dates have whole seconds: the wait is up to 1.5 s, never the tiny exponential backoff.
    expect(events[0]!.delayMs).toBeGreaterThan(400);
    expect(events[0]!.delayMs).toBeLessThanOrEqual(1500);

    const far = await serve(() => ({ status: 429, headers: { 'retry-after': '3600' } }));
    const started = Date.now();
    expect(await fail(client(far, { retryMaxDelayMs: 1000 }).edit(request()))).toBeInstanceOf(ApiError);
    expect(far.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('a wait that would outlast the timeout is not started: the ApiError comes at once', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '20' } }));
    const started = Date.now();
    expect(await fail(client(server, { timeoutMs: 5000 }).edit(request()))).toBeInstanceOf(ApiError);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('backoff grows exponentially with jitter', async () => {
    const server = await serve((i) => (i < 2 ? { status: 429 } : { status: 200, body: okBody }));
    const events: RetryEvent[] = [];
    await client(server, { retryBaseDelayMs: 40, onRetry: (e) => events.push(e) }).edit(request());
    const [first, second] = events.map((e) => e.delayMs);
    expect(first).toBeGreaterThanOrEqual(20);
    expect(first).toBeLessThanOrEqual(40);
    expect(second).toBeGreaterThanOrEqual(40);
    expect(second).toBeLessThanOrEqual(80);
  });

  it.each([500, 502, 504, 408])(
    '%i is not retried by default (the work may be done and billed), but is when listed in retryOn',
    async (status) => {
      const server = await serve((i) => (i < 2 ? { status, body: errorBody(status) } : { status: 200, body: okBody }));
      expect(await fail(client(server).edit(request()))).toMatchObject({ status });
      expect(server.requests).toHaveLength(1);
      await expect(client(server, { retryOn: [status] }).edit(request())).resolves.toEqual(okBody);
      expect(server.requests).toHaveLength(3);
    },
  );

  it('4xx responses are never retried', async () => {
    for (const status of [400, 401, 413, 422]) {
      const server = await serve(() => ({ status, body: errorBody(status) }));
      expect(await fail(client(server).edit(request()))).toMatchObject({ status });
      expect(server.requests).toHaveLength(1);
    }
  });

  it('a refused connection is retried (nothing was sent): the server that comes up meanwhile responds', async () => {
    const port = await refusedPort();
    let started: Promise<ScriptedServer> | undefined;
    const events: RetryEvent[] = [];
    const result = await client(
      { url: `http://127.0.0.1:${port}` },
      {
        onRetry: (e) => {
          events.push(e);
          started ??= startScriptedServer(() => ({ status: 200, body: okBody }), { port }).then(track);
        },
        retryBaseDelayMs: 200,
      },
    ).edit(request());
    expect(result).toEqual(okBody);
    expect(events[0]!.failure).toEqual({ kind: 'network', code: 'ECONNREFUSED' });
    expect((await started!).requests).toHaveLength(1);
  });

  it('an https: base URL is sent with node:https: refused there too, and retried the same way', async () => {
    const port = await refusedPort();
    const events: RetryEvent[] = [];
    const error = await fail(
      client({ url: `https://127.0.0.1:${port}` }, { onRetry: (e) => events.push(e) }).edit(request()),
    );
    expect(error).toMatchObject({ name: 'NetworkError', code: 'ECONNREFUSED' });
    expect(events).toHaveLength(2);
  });

  it('refused every time: NetworkError ECONNREFUSED after 3 attempts', async () => {
    const port = await refusedPort();
    const events: RetryEvent[] = [];
    const error = await fail(
      client({ url: `http://127.0.0.1:${port}` }, { onRetry: (e) => events.push(e) }).edit(request()),
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'ECONNREFUSED' });
    expect(events).toHaveLength(2);
  });
});

describe('only a real connection reset is a reset', () => {
  it.each([301, 302, 303, 307, 308])(
    "a %i redirect is never retried as a reset, even with retryOn: ['reset']",
    async (status) => {
      const server = await serve(() => ({ status, headers: { location: '/v2/router/images/edits-elsewhere' } }));
      const error = await fail(client(server, { retryOn: ['reset'] }).edit(request()));
      // Not followed either: the redirect is the response, as the status it is.
      expect(error).toBeInstanceOf(ApiError);
      expect(error).toMatchObject({ status });
      expect(server.requests).toHaveLength(1);
    },
  );

  it("through a caller's own fetch (which refuses redirects), a redirect is a NetworkError without a code, not retried", async () => {
    const server = await serve(() => ({ status: 307, headers: { location: '/elsewhere' } }));
    const error = await fail(
      client(server, { retryOn: ['reset'], fetch: (input, init) => globalThis.fetch(input, init) }).edit(request()),
    );
    expect(error).toBeInstanceOf(OrqImageEditError);
    expect(server.requests).toHaveLength(1);
  });
});

describe('a connection reset mid-upload', () => {
  const big = () => makePng(4, 4, { padTo: 8 * 1024 * 1024 });

  it('is a NetworkError, not retried by default', async () => {
    const server = await serve(() => ({ reset: true, afterBytes: 256 * 1024 }));
    const error = await fail(client(server).edit(request(big())));
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toMatch(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.aborted).toBe(true);
  });

  it("is retried with retryOn: ['reset'], and the retry sends every byte again from the start", async () => {
    const server = await serve((i) =>
      i === 0 ? { reset: true, afterBytes: 256 * 1024 } : { status: 200, body: okBody },
    );
    const image = big();
    await expect(client(server, { retryOn: ['reset'] }).edit(request(image))).resolves.toEqual(okBody);
    expect(server.requests).toHaveLength(2);
    const whole = server.requests[1]!;
    expect(whole.bytes).toBe(Number(whole.headers['content-length']));
    expect(whole.bytes).toBeGreaterThan(image.length);
  });
});

describe('headers', () => {
  it("a call's or the client's own headers never replace Authorization (in any letter case) or the body's framing", async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const own = {
      authorization: 'Bearer not-the-key',
      'Content-Type': 'text/plain',
      'content-length': '3',
      Prefer: 'code=200',
    };
    await client(server, { headers: { AUTHORIZATION: 'Bearer client-level', 'X-Client': 'yes' } }).edit(request(), {
      headers: own,
    });
    const sent = server.requests[0]!;
    expect(sent.headers.authorization).toBe('Bearer sk-fault-test');
    expect(sent.headers['content-type']).toMatch(/^multipart\/form-data; boundary=/);
    expect(Number(sent.headers['content-length'])).toBe(sent.bytes);
    expect(sent.headers.prefer).toBe('code=200');
    expect(sent.headers['x-client']).toBe('yes');
  });
});

describe('timeouts and aborts stop the upload, as distinct errors', () => {
  it('timeoutMs on the client: a server that never responds → TimeoutError', async () => {
    const server = await serve(() => ({ hang: true }));
    const started = Date.now();
    const error = await fail(client(server, { timeoutMs: 300 }).edit(request()));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).not.toBeInstanceOf(AbortError);
    expect((error as TimeoutError).timeoutMs).toBe(300);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  // What matters: nothing more of the images is read or sent after the error. (Node 20's fetch keeps a connection
  // whose write is blocked by a peer that stopped reading open until that peer reads or closes; it does not keep
  // the process alive.)
  // A file on disk is read in small chunks as it is sent (an in-memory Blob may be handed over in one piece).
  const stalledImage = makePng(4, 4, { padTo: 20 * 1024 * 1024 });
  let stalledPath: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orq-stall-'));
    stalledPath = path.join(dir, 'large.png');
    await writeFile(stalledPath, stalledImage);
    return () => rm(dir, { recursive: true, force: true });
  });

  async function stalled() {
    const server = await startStallServer();
    track(server);
    return server;
  }

  async function uploadStops(loadedAtError: () => number) {
    const at = loadedAtError();
    expect(at).toBeGreaterThan(0);
    expect(at).toBeLessThan(stalledImage.length);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(loadedAtError()).toBe(at);
  }

  it('timeoutMs per call overrides the client; a stalled upload stops', async () => {
    const server = await stalled();
    let loaded = 0;
    const error = await fail(
      client(server, { timeoutMs: 60_000 }).edit(request(stalledPath), {
        timeoutMs: 300,
        onUploadProgress: (p) => (loaded = p.loaded),
      }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect(server.connections).toBe(1);
    await uploadStops(() => loaded);
  });

  it("the caller's AbortSignal mid-upload → AbortError with the reason, and the upload stops", async () => {
    const controller = new AbortController();
    const server = await stalled();
    let loaded = 0;
    setTimeout(() => controller.abort(new Error('user pressed cancel')), 300);
    const error = await fail(
      client(server).edit(request(stalledPath), {
        signal: controller.signal,
        onUploadProgress: (p) => (loaded = p.loaded),
      }),
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(error).not.toBeInstanceOf(TimeoutError);
    expect(error.message).toContain('user pressed cancel');
    expect(server.connections).toBe(1);
    await uploadStops(() => loaded);
  });

  it('an already-aborted signal sends nothing', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const error = await fail(client(server).edit(request(), { signal: AbortSignal.abort() }));
    expect(error).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(0);
  });

  it('an abort during the wait before a retry → AbortError, no further attempt', async () => {
    const server = await serve(() => ({ status: 429, headers: { 'retry-after': '5' } }));
    const controller = new AbortController();
    const error = await fail(
      client(server, { onRetry: () => setTimeout(() => controller.abort(), 50) }).edit(request(), {
        signal: controller.signal,
      }),
    );
    expect(error).toBeInstanceOf(AbortError);
    expect(server.requests).toHaveLength(1);
  });

  it('the timeout also covers reading a stream input that never ends', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    const endless = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(makePng(2, 2));
      },
    });
    const error = await fail(client(server, { timeoutMs: 200 }).edit(request({ data: endless, filename: 'a.png' })));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(server.requests).toHaveLength(0);
  });
});

describe('bad responses are typed errors', () => {
  it('a 200 that is not JSON → ResponseValidationError with the text', async () => {
    const server = await serve(() => ({
      status: 200,
      body: 'Service temporarily moved',
      headers: { 'content-type': 'text/plain' },
    }));
    const error = await fail(client(server).edit(request()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.message).toContain('is not JSON');
    expect((error as ResponseValidationError).body).toBe('Service temporarily moved');
  });

  it('an empty 200 → ResponseValidationError', async () => {
    const server = await serve(() => ({ status: 200 }));
    expect((await fail(client(server).edit(request()))).message).toContain('body: is empty');
  });

  it('a truncated 200 (shorter than its Content-Length) → ResponseValidationError, never retried, even with retryOn reset', async () => {
    const text = JSON.stringify(okBody);
    const server = await serve(() => ({ truncate: true, body: text.slice(0, 40), declaredLength: text.length }));
    const error = await fail(client(server, { retryOn: ['reset', 500] }).edit(request()));
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.message).toContain('cut off');
    expect(server.requests).toHaveLength(1);
  });

  it('a 200 that breaks the schema → ResponseValidationError naming the field', async () => {
    const server = await serve(() => ({ status: 200, body: { created: 'yesterday', data: [{ b64_json: 5 }] } }));
    const error = (await fail(client(server).edit(request()))) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.issues.map((i) => i.field)).toEqual(expect.arrayContaining(['body.created', 'body.data[0].b64_json']));
  });

  it("an HTML error page from a proxy → ApiError summarised by the page's title, the page kept in body", async () => {
    const page =
      '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr>nginx</body></html>';
    const server = await serve(() => ({ status: 502, body: page, headers: { 'content-type': 'text/html' } }));
    const error = (await fail(client(server).edit(request()))) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(502);
    expect(error.message).toContain('an HTML page titled "502 Bad Gateway"');
    expect(error.message).not.toContain('<');
    expect(error.body).toBe(page);
  });

  it('a problem+json error (no error.message) is summarised by its title and detail', async () => {
    const problem = {
      type: 'https://example.test/problems/quota',
      title: 'Quota exhausted',
      status: 403,
      detail: 'The workspace has used its monthly image quota.',
    };
    const server = await serve(() => ({
      status: 403,
      headers: { 'content-type': 'application/problem+json' },
      body: problem,
    }));
    const error = (await fail(client(server).edit(request()))) as ApiError;
    expect(error.message).toBe(`Orq API responded 403: ${problem.title}: ${problem.detail}`);
    expect(error.body).toEqual(problem);
  });

  it("Prism's own 404 for an undocumented Prefer: code=418 (the mock) is explained by its detail", async () => {
    const mock = { url: inject('mockUrl') };
    const error = (await fail(client(mock, { headers: { Prefer: 'code=418' } }).edit(request()))) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(404);
    const body = error.body as { title: string; detail: string };
    expect(body.detail).toContain('418');
    expect(error.message).toBe(`Orq API responded 404: ${body.title}: ${body.detail}`);
  });

  it('an error message from the server is shortened to one line of at most 300 characters', async () => {
    const server = await serve(() => ({
      status: 400,
      body: { error: { code: 'invalid_request_body', message: `line one\n${'word '.repeat(10_000)}` } },
    }));
    const error = (await fail(client(server).edit(request()))) as ApiError;
    expect(error.message).toMatch(/^Orq API responded 400 invalid_request_body: line one word word .*\.\.\.$/);
    expect(error.message.length).toBeLessThan(400);
  });

  it('an error response cut off mid-body is still an ApiError with its status', async () => {
    const server = await serve(() => ({ truncate: true, status: 500, body: '{"error":', declaredLength: 400 }));
    const error = (await fail(client(server).edit(request()))) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(500);
    expect(error.message).toContain('cut off');
  });
});
