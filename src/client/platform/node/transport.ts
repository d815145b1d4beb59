/**
 * The client's own transport on Node: node:http(s), behind openapi-fetch's `fetch` and `Request` options, owning
 * the socket from the first byte of the upload to the last byte of the answer. Why not Node's fetch:
 *
 * - An abort is kept: Node 20's fetch loses the abort of a `new Request(url, { signal })` (the only form
 *   openapi-fetch uses) once a garbage collection has run. Here the call's own signal is watched in every phase,
 *   and firing it destroys the socket: the upload stops, the wait ends, the answer stops being read.
 * - The upload is written straight to the socket with back-pressure: file reads go into a few reused buffers
 *   (memory stays flat, and no web stream sits between the disk and the socket), the exact Content-Length is known
 *   up front, and progress is the bytes handed to the connection.
 * - The answer is decoded here (gzip, deflate, br) and handed on as a stream read only as fast as its reader reads,
 *   so the client's byte limit (answer-body.ts) stops a compression bomb as it inflates.
 *
 * Redirects are not followed (this API sends none; a redirect arrives as the 3xx it is), and nothing is retried
 * here: the retry policy sees every outcome. This module is loaded with the first call (platform/node/index.ts).
 */
import type { ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { bodyChunks, bufferPool } from './body-chunks.js';
import { answerStream } from './answer-stream.js';
import { NodeRequest, UploadSegments } from './node-request.js';

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

/** Resolves once `req` may take more (drain), or once writing should stop (the answer came, or the request ended). */
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
 * return to the pool once written. Stops (without error) when `stopped()` says the answer came or the request is gone.
 */
async function writeBody(req: ClientRequest, body: UploadSegments, stopped: () => boolean): Promise<void> {
  const chunks = bodyChunks(body.segments, bufferPool(READS_IN_FLIGHT, FILE_READ_BYTES));
  let sent = 0;
  let gathered: Uint8Array[] = [];
  let gatheredBytes = 0;
  const handOn = (bytes: Uint8Array, release: () => void, last: boolean): Promise<void> | undefined => {
    sent += bytes.byteLength;
    const more = last ? (req.end(bytes, release), true) : req.write(bytes, release);
    body.onChunk?.(sent);
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

function plainHeaders(request: NodeRequest, body: unknown): Record<string, string> {
  const headers: Record<string, string> = { accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' };
  for (const [name, value] of request.headers) headers[name] = value;
  if (body instanceof UploadSegments) headers['content-length'] = String(body.length);
  else if (typeof body === 'string') headers['content-length'] = String(Buffer.byteLength(body));
  else if (body instanceof Uint8Array) headers['content-length'] = String(body.byteLength);
  return headers;
}

/** Sends one request; resolves with the answer once its head arrives, its body a stream read as it is consumed. */
export async function send(request: NodeRequest): Promise<Response> {
  const url = new URL(request.url);
  const open = await requestFunction(url.protocol);
  const { body, signal } = request;
  if (body !== undefined && body !== null && !(body instanceof UploadSegments) && typeof body !== 'string' && !(body instanceof Uint8Array)) {
    throw new TypeError('the Node transport sends the bodies the client writes (multipart pieces, text or bytes)');
  }
  signal?.throwIfAborted();
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let answered = false;
    const req = open(url, { method: request.method, headers: plainHeaders(request, body) });
    const release = () => signal?.removeEventListener('abort', onAbort);
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      release();
      reject(error);
    };
    // Destroying the request closes the socket: the upload stops, the wait ends, and a body being read errors.
    const onAbort = () => {
      fail(signal!.reason);
      req.destroy(signal!.reason instanceof Error ? signal!.reason : undefined);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', fail);
    req.once('response', (res: IncomingMessage) => {
      answered = true;
      if (settled) return void res.destroy();
      answerStream(res, request.method, release).then(
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
    if (body instanceof UploadSegments) {
      writeBody(req, body, () => answered || req.destroyed).catch((error: unknown) => {
        fail(error);
        req.destroy();
      });
    } else {
      req.end(body ?? undefined);
    }
  });
}
