/**
 * The API key never leaves the client inside an error, whatever the error and whatever the server sends back. Every
 * error class the client can throw is provoked for real against local servers (including one that echoes the
 * Authorization header in its body and headers, with the key placed wherever a message shortens the text), and the
 * key is looked for in the error's message, String(), stack, JSON.stringify and util.inspect (every hidden field,
 * any depth), in anything written to the console or stderr during the call, and in every onRetry event.
 *
 * "The key" means any 8-character piece of it: a message cut off in the middle of the key leaks its start.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import util from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  AbortError,
  ApiError,
  DownloadError,
  NetworkError,
  type OrqImageEditError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  createImageEditClient,
  saveImages,
  type ImageEditClientOptions,
  type RetryEvent,
} from '../../src/index.js';
import { makePng } from '../support/images.js';
import {
  refusedPort,
  startScriptedServer,
  type Fault,
  type ScriptedRequest,
  type ScriptedServer,
} from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const KEY = 'sk-orq-SECRET-7f3a9c2e5b1d4f6a8c0e9b2d';
const PIECE = 8;
const piecesOf = (key: string) =>
  Array.from({ length: key.length - PIECE + 1 }, (_, i) => key.slice(i, i + PIECE).toLowerCase());
/** The first piece of the key found in `text`, in any letter case (header names arrive lower-cased), if any. */
const leakIn = (text: string, key = KEY) => {
  const lower = text.toLowerCase();
  return piecesOf(key).find((piece) => lower.includes(piece));
};

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value as {
  created: number;
  data: unknown[];
};
const errorBody = (status: number) =>
  Object.values(responses[String(status)]!.content['application/json']!.examples)[0]!.value;
const request = (extra: Record<string, unknown> = {}) => ({
  model: 'openai/gpt-image-1',
  prompt: 'Add a hat',
  image: makePng(8, 8),
  ...extra,
});

let cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  await Promise.all(cleanups.map((cleanup) => cleanup()));
  cleanups = [];
  vi.restoreAllMocks();
});

async function serve(script: (index: number, record: ScriptedRequest) => Fault): Promise<ScriptedServer> {
  const server = await startScriptedServer(script);
  cleanups.push(() => server.close());
  return server;
}

function client(baseUrl: string, options: Partial<ImageEditClientOptions> = {}) {
  return createImageEditClient({ apiKey: KEY, baseUrl, retryBaseDelayMs: 1, ...options });
}

/** Every way the error can be shown or serialised. */
function renderings(error: unknown): Record<string, string> {
  const e = error as Error;
  return {
    message: String(e.message),
    String: String(e),
    stack: String(e.stack),
    'JSON.stringify': JSON.stringify(e) ?? '',
    'util.inspect': util.inspect(e, {
      depth: Infinity,
      showHidden: true,
      maxArrayLength: Infinity,
      maxStringLength: Infinity,
      breakLength: Infinity,
    }),
  };
}

/** Runs `call` with the console, stdout, stderr and process warnings captured; resolves to what it threw and what was written. */
async function capture(call: () => Promise<unknown>): Promise<{ error: unknown; output: string }> {
  const written: string[] = [];
  const record = (...args: unknown[]) => void written.push(util.format(...args));
  for (const method of ['log', 'error', 'warn', 'info', 'debug', 'trace'] as const)
    vi.spyOn(console, method).mockImplementation(record);
  const passWrite = (stream: NodeJS.WriteStream) => {
    const original = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation(((chunk: unknown, ...rest: never[]) => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('latin1'));
      return original(chunk as string, ...rest);
    }) as never);
  };
  passWrite(process.stderr);
  passWrite(process.stdout);
  vi.spyOn(process, 'emitWarning').mockImplementation(
    (warning: string | Error) => void written.push(String(warning instanceof Error ? warning.stack : warning)),
  );
  let error: unknown;
  try {
    await call();
  } catch (thrown) {
    error = thrown;
  } finally {
    vi.restoreAllMocks();
  }
  // Let anything the call left behind (a late rejection, a warning on the next tick) happen while still relevant.
  await new Promise((resolve) => setImmediate(resolve));
  return { error, output: written.join('\n') };
}

/** Provokes an error through `call` and checks it, and everything written meanwhile, for the key. */
async function expectKeySafe<E extends OrqImageEditError>(
  call: () => Promise<unknown>,
  kind: abstract new (...args: never[]) => E,
  key = KEY,
): Promise<E> {
  const { error, output } = await capture(call);
  expect(error).toBeInstanceOf(kind);
  for (const [how, text] of Object.entries(renderings(error))) {
    expect(leakIn(text, key), `${how} of ${(error as Error).name}: ${text.slice(0, 2000)}`).toBeUndefined();
  }
  expect(leakIn(output, key), `console/stderr output: ${output}`).toBeUndefined();
  return error as E;
}

function expectEventsKeySafe(events: RetryEvent[]) {
  for (const event of events) {
    const shown = [
      JSON.stringify(event),
      util.inspect(event, { depth: Infinity, showHidden: true, breakLength: Infinity }),
      String(event.error),
      String(event.error.stack),
    ];
    for (const text of shown)
      expect(leakIn(text), `onRetry event ${event.retry}: ${text.slice(0, 2000)}`).toBeUndefined();
  }
}

/** What an echoing server or proxy sends back: the Authorization header it received, nested as deep as it likes. */
const deeply = (value: unknown, levels: number): unknown =>
  levels === 0 ? value : { echo: deeply(value, levels - 1) };

/** Text padded so the key starts `pad` characters in: swept across every place a message may cut text short. */
const pads = Array.from({ length: 60 }, (_, i) => i * 5);

describe('the checks themselves', () => {
  it('see the key, or a cut-off start of it, in a hidden field, a nested cause, the console and stderr', async () => {
    const hidden = new ApiError(400, undefined, new Headers());
    Object.defineProperty(hidden, 'secretish', { value: { deep: deeply(KEY.slice(0, 12), 20) }, enumerable: false });
    const inspected = renderings(hidden)['util.inspect']!;
    expect(leakIn(inspected)).toBe(KEY.slice(0, PIECE).toLowerCase());
    expect(leakIn(renderings(new Error('x', { cause: new Error(KEY) }))['util.inspect']!)).toBeDefined();
    for (const write of [
      () => console.warn(KEY),
      () => process.stderr.write(`${KEY.slice(3)}\n`),
      () => process.emitWarning(KEY),
    ]) {
      const { error, output } = await capture(async () => {
        write();
        throw new Error('done');
      });
      expect((error as Error).message).toBe('done');
      expect(leakIn(output)).toBeDefined();
    }
  });
});

describe('RequestValidationError', () => {
  it('a request the spec refuses (a field holding the key by mistake, whole or where the message shortens it; a missing file)', async () => {
    const error = await expectKeySafe(
      () => client('http://127.0.0.1:9').edit(request({ n: KEY, quality: KEY })),
      RequestValidationError,
    );
    expect(error.issues.map((i) => i.field)).toEqual(expect.arrayContaining(['n', 'quality']));
    expect(error.message).toContain('[redacted]');
    for (const pad of [30, 45, 50, 55]) {
      await expectKeySafe(
        () => client('http://127.0.0.1:9').edit(request({ n: `${'x'.repeat(pad)}${KEY}` })),
        RequestValidationError,
      );
    }
    await expectKeySafe(
      () => client('http://127.0.0.1:9').edit(request({ image: path.join(tmpdir(), 'orq-no-such-dir', 'cat.png') })),
      RequestValidationError,
    );
  });
});

describe('ApiError', () => {
  it("a plain 401 from the spec's examples", async () => {
    const server = await serve(() => ({ status: 401, body: errorBody(401) }));
    const error = await expectKeySafe(() => client(server.url).edit(request()), ApiError);
    expect(error.status).toBe(401);
  });

  it('a server that echoes the Authorization header back in its JSON body (at any depth) and its headers', async () => {
    const server = await serve((_, record) => {
      const authorization = String(record.headers.authorization);
      return {
        status: 400,
        headers: {
          'x-echo-authorization': authorization,
          'x-request-id': authorization,
          'www-authenticate': `Bearer realm="orq", token="${KEY}"`,
        },
        body: {
          error: {
            code: 'invalid_request_body',
            message: `bad request from ${authorization}`,
            details: { headers: { authorization }, deep: deeply(authorization, 25) },
          },
        },
      };
    });
    const error = await expectKeySafe(() => client(server.url).edit(request()), ApiError);
    // The echo did come back (so the checks above looked at something), redacted.
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(error.headers['x-echo-authorization']).toBe('Bearer [redacted]');
    expect(error.requestId).toBe('Bearer [redacted]');
    expect(error.message).toContain('Bearer [redacted]');
    expect(JSON.stringify(error.body)).toContain('Bearer [redacted]');
  });

  it('an echo in a text body, the key wherever the message cuts the text short', async () => {
    const server = await serve((i, record) => ({
      status: 400,
      headers: { 'content-type': 'text/plain' },
      body: `${'.'.repeat(pads[i]!)}Authorization: ${record.headers.authorization} rejected`,
    }));
    for (const pad of pads) {
      const error = await expectKeySafe(() => client(server.url, { maxRetries: 0 }).edit(request()), ApiError);
      expect(String(error.body)).toContain(`${'.'.repeat(pad)}Authorization: Bearer [redacted] rejected`);
    }
  });

  it('an HTML page from a proxy with the key in its title, wherever the title is cut short', async () => {
    const server = await serve((i, record) => ({
      status: 502,
      headers: { 'content-type': 'text/html' },
      body: `<!DOCTYPE html><html><head><title>${'-'.repeat(pads[i]!)}${record.headers.authorization}</title></head><body>${record.headers.authorization}</body></html>`,
    }));
    for (const pad of pads.filter((p) => p < 160)) {
      const error = await expectKeySafe(() => client(server.url, { maxRetries: 0 }).edit(request()), ApiError);
      expect(error.message).toContain(`an HTML page titled "${'-'.repeat(Math.min(pad, 1))}`);
    }
  });
});

describe('keys written the way JSON, util.inspect and header names write them', () => {
  // A key with a quote and a backslash: JSON and util.inspect escape both, so the echo no longer reads as the key.
  const QUOTED = 'sk-orq-"quoted\\slash\'-7f3a9c2e5b1d4f6a';

  it('an echo JSON-escaped (once and twice) in a text body, util.inspect-escaped, and percent-encoded', async () => {
    const server = await serve((_, record) => {
      const authorization = String(record.headers.authorization);
      const once = JSON.stringify({ authorization });
      const text = `echo ${once} again ${JSON.stringify(once)} inspect ${util.inspect(authorization)} url /x?k=${encodeURIComponent(authorization)}`;
      return { status: 400, headers: { 'content-type': 'text/plain', 'x-echo': authorization }, body: text };
    });
    const error = await expectKeySafe(() => client(server.url, { apiKey: QUOTED }).edit(request()), ApiError, QUOTED);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${QUOTED}`);
    expect(String(error.body)).toContain('echo {"authorization":"Bearer [redacted]"} again');
    expect(error.headers['x-echo']).toBe('Bearer [redacted]');
  });

  it('a key echoed as a header name (lower-cased by the platform) and in a parsed JSON body', async () => {
    const server = await serve((_, record) => {
      const key = String(record.headers.authorization).slice('Bearer '.length);
      return {
        status: 400,
        headers: { [key]: 'seen', [`x-${key}-echo`]: key },
        body: { error: { code: 'invalid_request_body', message: `key ${key}` }, [key]: key },
      };
    });
    const error = await expectKeySafe(() => client(server.url).edit(request()), ApiError);
    expect(Object.values(error.headers)).toContain('seen');
    expect(error.code).toBe('invalid_request_body');
  });
});

describe('short throwaway keys (as test suites use against the mock)', () => {
  it.each(['x', 'limit', 'exceeded', 'test-key'])(
    'apiKey %j: the error code and message stay intact; the key alone, as a token, is still redacted',
    async (key) => {
      const body = errorBody(429) as { error: { code: string; message: string } };
      const server = await serve((_, record) => ({
        status: 429,
        headers: { 'x-echo': String(record.headers.authorization) },
        body: { ...body, echo: String(record.headers.authorization) },
      }));
      const error = (await client(server.url, { apiKey: key, maxRetries: 0 })
        .edit(request())
        .catch((e: unknown) => e)) as ApiError;
      expect(error).toBeInstanceOf(ApiError);
      expect(error.code).toBe(body.error.code);
      expect(error.message).toBe(`Orq API responded 429 ${body.error.code}: ${body.error.message}`);
      expect(error.headers['x-echo']).toBe('Bearer [redacted]');
      expect((error.body as { echo: string }).echo).toBe('Bearer [redacted]');
    },
  );
});

describe('ResponseValidationError', () => {
  it('a 200 that is not JSON and echoes the key, wherever the message cuts it short', async () => {
    const server = await serve((i, record) => ({
      status: 200,
      headers: { 'content-type': 'text/plain' },
      body: `${'#'.repeat(pads[i]!)}${record.headers.authorization}`,
    }));
    for (const pad of pads) {
      const error = await expectKeySafe(() => client(server.url).edit(request()), ResponseValidationError);
      expect(error.body).toBe(`${'#'.repeat(pad)}Bearer [redacted]`);
    }
  });

  it('a 200 that breaks the schema with the key in its fields, nested or cut short in an issue', async () => {
    const server = await serve((i, record) => ({
      status: 200,
      body: {
        created: `${'0'.repeat(pads[i]!)}${record.headers.authorization}`,
        data: [{ url: 5, b64_json: record.headers.authorization }],
        extra: deeply(record.headers.authorization, 25),
      },
    }));
    for (const _pad of pads.slice(0, 15)) {
      const error = await expectKeySafe(() => client(server.url).edit(request()), ResponseValidationError);
      expect(error.issues.map((issue) => issue.field)).toContain('body.created');
    }
  });

  it('a 200 cut off mid-body', async () => {
    const text = JSON.stringify({ ...okBody, note: KEY });
    const server = await serve(() => ({
      truncate: true,
      body: text.slice(0, text.indexOf(KEY) + 20),
      declaredLength: text.length,
    }));
    const error = await expectKeySafe(() => client(server.url).edit(request()), ResponseValidationError);
    expect(error.message).toContain('cut off');
  });
});

describe('TimeoutError and AbortError', () => {
  it('TimeoutError: a server that never responds', async () => {
    const server = await serve(() => ({ hang: true }));
    const error = await expectKeySafe(() => client(server.url, { timeoutMs: 200 }).edit(request()), TimeoutError);
    expect(error.timeoutMs).toBe(200);
  });

  it("AbortError: the caller's signal fires while the server holds the request", async () => {
    const controller = new AbortController();
    const server = await serve(() => {
      setTimeout(() => controller.abort(new Error('user pressed cancel')), 20);
      return { hang: true };
    });
    const error = await expectKeySafe(
      () => client(server.url).edit(request(), { signal: controller.signal }),
      AbortError,
    );
    expect(error.message).toContain('user pressed cancel');
  });

  it('AbortError during the wait before a retry, the onRetry events included', async () => {
    const controller = new AbortController();
    const events: RetryEvent[] = [];
    const server = await serve((_, record) => ({
      status: 429,
      headers: { 'retry-after': '5', 'x-echo': String(record.headers.authorization) },
      body: { error: { code: 'rate_limit_exceeded', message: String(record.headers.authorization) } },
    }));
    await expectKeySafe(
      () =>
        client(server.url, { onRetry: (e) => (events.push(e), setTimeout(() => controller.abort(), 20)) }).edit(
          request(),
          { signal: controller.signal },
        ),
      AbortError,
    );
    expect(events).toHaveLength(1);
    expectEventsKeySafe(events);
  });
});

describe('NetworkError', () => {
  it('a refused connection, retried: the error and every onRetry event', async () => {
    const port = await refusedPort();
    const events: RetryEvent[] = [];
    const error = await expectKeySafe(
      () => client(`http://127.0.0.1:${port}`, { onRetry: (e) => events.push(e) }).edit(request()),
      NetworkError,
    );
    expect(error.code).toBe('ECONNREFUSED');
    expect(events).toHaveLength(2);
    expectEventsKeySafe(events);
  });

  it('a connection reset by the server as the upload starts', async () => {
    const server = await serve(() => ({ reset: true }));
    const error = await expectKeySafe(
      () => client(server.url).edit(request({ image: makePng(4, 4, { padTo: 2 * 1024 * 1024 }) })),
      NetworkError,
    );
    expect(error.code).toMatch(/^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/);
  });
});

describe('onRetry events', () => {
  it('a server that echoes the key in Retry-After, its headers and body: no event carries it, nor the final ApiError', async () => {
    const events: RetryEvent[] = [];
    const server = await serve((_, record) => {
      const authorization = String(record.headers.authorization);
      return {
        status: 429,
        headers: { 'retry-after': authorization, 'x-echo': authorization },
        body: { error: { code: 'rate_limit_exceeded', message: authorization }, deep: deeply(authorization, 25) },
      };
    });
    const error = await expectKeySafe(
      () => client(server.url, { onRetry: (e) => events.push(e) }).edit(request()),
      ApiError,
    );
    expect(error.headers['x-echo']).toBe('Bearer [redacted]');
    expect(events).toHaveLength(2);
    expect(events[0]!.failure).toMatchObject({ kind: 'status', status: 429 });
    expectEventsKeySafe(events);
  });
});

describe('DownloadError from saveImages', () => {
  it('a result URL that responds 404 (and the download carries no key)', async () => {
    const downloads: http.IncomingHttpHeaders[] = [];
    const images = http.createServer((req, res) => {
      downloads.push(req.headers);
      res
        .writeHead(404, { 'content-type': 'text/plain' })
        .end(`not found; you sent ${req.headers.authorization ?? 'no authorization'}`);
    });
    await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => images.close(resolve)));
    const imageUrl = `http://127.0.0.1:${(images.address() as AddressInfo).port}/out/1.png?sig=abc`;
    const api = await serve(() => ({ status: 200, body: { created: 1, data: [{ url: imageUrl }] } }));
    const dir = await mkdtemp(path.join(tmpdir(), 'orq-key-save-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));

    const result = await client(api.url).edit(request());
    const error = await expectKeySafe(() => saveImages(result, dir), DownloadError);
    expect(error).toMatchObject({ index: 0, status: 404 });
    expect(downloads).toHaveLength(1);
    expect(downloads[0]!.authorization).toBeUndefined();
    expect(await readdir(dir)).toEqual([]);
  });
});
