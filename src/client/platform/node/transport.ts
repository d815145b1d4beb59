/**
 * How the client sends on Node: through the caller's own fetch when they gave one (the body as a stream with its
 * exact length), otherwise through its own transport on node:http(s), owning the socket from the first byte of the
 * upload to the last byte of the response. Why not Node's fetch:
 *
 * - An abort is kept: Node 20's fetch loses the abort of a `new Request(url, { signal })` once a garbage collection
 *   has run. Here the call's own signal is watched in every phase, and firing it destroys the socket: the upload
 *   stops, the wait ends, the response stops being read.
 * - The upload is written straight to the socket with back-pressure: file reads go into a few reused buffers
 *   (memory stays flat, and no web stream sits between the disk and the socket), the exact Content-Length is known
 *   up front, and progress is the bytes handed to the connection.
 * - The response is decoded here (gzip, deflate, br) and handed on as a stream read only as fast as its reader reads,
 *   so the client's byte limit (response.ts) stops a compression bomb as it inflates.
 *
 * Redirects are not followed (this API sends none; a redirect arrives as the 3xx it is), and nothing is retried
 * here: the retry policy sees every outcome. This module is loaded with the first call (platform/node/index.ts).
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import type { Readable } from 'node:stream';
import { sendWithFetch, type OutgoingRequest } from '../shared.js';
import { bodyChunks, bufferPool, uploadStream } from './upload.js';

/** Bytes per file read, and how many reads may be in flight: measured for 16 × 50 MiB to a loopback server. */
const FILE_READ_BYTES = 1024 * 1024;
const READS_IN_FLIGHT = 3;

type RequestFunction = (url: URL, options: RequestOptions) => ClientRequest;
type RequestModule = { request: RequestFunction };
const loaded: Partial<Record<string, RequestModule>> = {};

/**
 * node:http or node:https, loaded on first use (importing the client loads neither). The module object itself
 * (`default`, what `require` gives) is kept and its `request` read at every call, never the ES module's named export:
 * request interceptors (msw/node, nock, OpenTelemetry's instrumentation) replace `http.request` on that object while
 * they are active, and a named export or a function kept from an earlier call would go around them.
 */
async function requestFunction(protocol: string): Promise<RequestFunction> {
  let module = loaded[protocol];
  if (!module) {
    if (protocol === 'http:') module = loaded[protocol] = (await import('node:http')).default;
    else if (protocol === 'https:') module = loaded[protocol] = (await import('node:https')).default;
    else throw new TypeError(`the client sends to http: and https: URLs only, got ${protocol}`);
  }
  const current = module;
  return (url, options) => current.request(url, options);
}

/** Resolves once `req` may take more (drain), or once writing should stop (the response came, or the request ended). */
function writable(req: ClientRequest): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      req.off('drain', done);
      req.off('close', done);
      req.off('response', done);
      resolve();
    };
    req.on('drain', done);
    req.on('close', done);
    req.on('response', done);
  });
}

/** Pieces that stay valid once handed on (text, bytes in memory) are gathered up to this size and written at once. */
const GATHER_BYTES = 64 * 1024;

/**
 * Writes the body with back-pressure, reading the next chunk while the last one is written. Small pieces go out
 * together (a small request is one write, its headers included); file reads go out as they are, and their buffers
 * return to the pool once written. Stops (without error) when `stopped()` says the response came or the request is gone.
 */
async function writeBody(
  req: ClientRequest,
  segments: readonly (string | Blob)[],
  onProgress: ((loaded: number) => void) | undefined,
  stopped: () => boolean,
): Promise<void> {
  const chunks = bodyChunks(segments, bufferPool(READS_IN_FLIGHT, FILE_READ_BYTES));
  let sent = 0;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  const handOn = (bytes: Uint8Array, release: () => void, last: boolean): Promise<void> | undefined => {
    sent += bytes.byteLength;
    const more = last ? (req.end(bytes, release), true) : req.write(bytes, release);
    onProgress?.(sent);
    return more ? undefined : writable(req);
  };
  const flush = (last: boolean) => {
    const bytes = gathered.length === 1 ? gathered[0]! : Buffer.concat(gathered, gatheredBytes);
    gathered = [];
    gatheredBytes = 0;
    return handOn(bytes, () => {}, last);
  };
  let next = chunks.next();
  try {
    for (;;) {
      const { done, value } = await next;
      if (done) break;
      if (stopped()) {
        value.release();
        break;
      }
      next = chunks.next();
      if (!value.pooled && gatheredBytes + value.bytes.byteLength <= GATHER_BYTES) {
        gathered.push(value.bytes);
        gatheredBytes += value.bytes.byteLength;
        continue;
      }
      if (gatheredBytes > 0) await flush(false);
      await handOn(value.bytes, () => value.release(), false);
    }
    if (stopped()) return;
    if (gatheredBytes > 0) await flush(true);
    else req.end();
  } finally {
    // Ends a read begun ahead (its result no longer wanted) and closes the file being read.
    next.catch(() => {});
    await chunks.return(undefined).catch(() => {});
  }
}

/**
 * Sends one request; resolves with the response once its head arrives, its body a stream read as it is consumed.
 * With the caller's own `fetch`, the body goes to it as a stream with its exact length.
 */
export async function send(request: OutgoingRequest, fetch?: typeof globalThis.fetch): Promise<Response> {
  const { body, signal, onProgress } = request;
  if (fetch)
    return sendWithFetch(fetch, request, uploadStream(body.segments, signal, onProgress), {
      headers: { 'content-length': String(body.length) },
      duplex: 'half',
    });
  const url = new URL(request.url);
  const open = await requestFunction(url.protocol);
  signal.throwIfAborted();
  const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' };
  for (const [name, value] of request.headers) headers[name] = value;
  headers['content-length'] = String(body.length);
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let responded = false;
    const req = open(url, { method: 'POST', headers });
    const release = () => signal.removeEventListener('abort', onAbort);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      release();
      reject(error);
    };
    // Destroying the request closes the socket: the upload stops, the wait ends, and a body being read errors.
    const onAbort = () => {
      fail(signal.reason);
      req.destroy(signal.reason instanceof Error ? signal.reason : undefined);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.once('response', (res: IncomingMessage) => {
      responded = true;
      if (settled) return void res.destroy();
      responseOf(res, release).then(
        (response) => {
          if (settled) return void res.destroy();
          settled = true;
          resolve(response);
        },
        (error: unknown) => {
          res.destroy();
          fail(error);
        },
      );
    });
    writeBody(req, body.segments, onProgress, () => responded || req.destroyed).catch((error: unknown) => {
      fail(error);
      req.destroy();
    });
  });
}

/*
 * A response from node:http as the web Response the rest of the client reads: status, headers, and a body decoded
 * from its Content-Encoding (gzip, deflate, br; anything else is handed on as it came, as Node's fetch does) and read
 * only as fast as its reader pulls. The socket is read at most 256 KiB ahead of the reader, so when the reader stops
 * (the byte limit in response.ts, an abort), cancelling the stream destroys the response and little more is received.
 */

/** The decoder (src/contract/decoded-body.ts, with node:zlib), loaded for the first encoded response: importing the
 * client loads neither. */
let decoding: Promise<typeof import('../../../contract/decoded-body.js')> | undefined;

/** Statuses whose responses have no body, whatever the server sends (RFC 9110). */
const NO_BODY = new Set([204, 205, 304]);

/** A Node stream as a web stream that pulls: the source is paused whenever the reader has a chunk waiting. */
function pulled(source: Readable, res: IncomingMessage, done: () => void): ReadableStream<Uint8Array> {
  let over = false;
  const finish = () => {
    if (over) return false;
    over = true;
    done();
    return true;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          if (over) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once('end', () => finish() && controller.close());
        source.on('error', (error) => finish() && controller.error(error));
        // A connection closed before the response ended, without an error of its own: a cut-off response.
        source.once('close', () => {
          if (finish())
            controller.error(
              Object.assign(new Error('the connection closed before the response ended'), { code: 'ECONNRESET' }),
            );
        });
      },
      pull() {
        source.resume();
      },
      cancel() {
        finish();
        res.destroy();
        source.destroy();
      },
    },
    // Up to 256 KiB read ahead of the reader: pausing the socket after every chunk costs more than it saves.
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // A header the web's Headers refuses (Node's parser is more lenient): left out, as Node's fetch leaves it.
    }
  }
  return headers;
}

/** The response as a web Response; `done` is called once its body has ended, failed or been cancelled. */
async function responseOf(res: IncomingMessage, done: () => void): Promise<Response> {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    throw Object.assign(new Error(`the server responded with status ${status}, which is not a final HTTP status`), {
      code: 'ERR_INVALID_STATUS',
    });
  }
  const init = { status, statusText: res.statusMessage ?? '', headers: headersOf(res) };
  const make = (body: ReadableStream<Uint8Array> | null) => {
    try {
      return new Response(body, init);
    } catch {
      // A reason phrase the web's Response refuses: the status says enough.
      return new Response(body, { ...init, statusText: '' });
    }
  };
  if (NO_BODY.has(status)) {
    res.resume();
    res.once('end', done);
    return make(null);
  }
  const contentEncoding = res.headers['content-encoding'];
  if (contentEncoding === undefined) return make(pulled(res, res, done));
  // The socket waits, paused, while the decoder loads (once per process). A coding no client decodes is handed on as
  // it came, as Node's fetch does; a decoding error (a corrupt or truncated body) reaches the reader as the stream's.
  res.pause();
  decoding ??= import('../../../contract/decoded-body.js');
  const decoded = (await decoding).decodedBody(res, contentEncoding) ?? res;
  return make(pulled(decoded, res, done));
}
