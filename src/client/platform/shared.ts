/**
 * What the client needs from the platform it runs on, and what both share. Two implementations: node/ (file paths,
 * file: URLs, temporary files, its own transport on node:http, saveImages) and browser/ (none of Node; paths are
 * refused by name). The code imports node/index.js; the browser bundle is built with browser/index.ts in its place
 * (scripts/client-bundle.ts), so each build carries only its own platform's code.
 */
import type { MultipartBody } from '../multipart.js';

/** An image source resolved to a lazily read Blob. */
export interface ResolvedSource {
  blob: Blob;
  /** A name the source itself carries: a path's basename, a File's name, a Node file stream's path. */
  filename?: string;
  /** The first bytes, when they were at hand without a read (bytes given in memory). */
  head?: Uint8Array;
  /** Removes what resolving created (a temporary file); safe to call twice. */
  dispose(): Promise<void>;
}

/** Pulls a stream to its end, handing each chunk to `sink` before reading the next. */
export type Drain = (sink: (bytes: Uint8Array) => unknown) => Promise<void>;

/** One request as the client hands it to its platform: the body written by encodeMultipart, sent as it is. */
export interface OutgoingRequest {
  url: string;
  /** Every header but the body's length (Authorization, Content-Type with the boundary, the caller's own). */
  headers: Headers;
  body: MultipartBody;
  /** The call's signal: firing it stops the upload, the wait and the reading of the response. */
  signal: AbortSignal;
  /** Told the bytes handed to the connection so far (browsers, whose fetch cannot report upload progress: 0, then the total). */
  onProgress?: (loaded: number) => void;
}

export interface Platform {
  /** A file path or file: URL → a file-backed Blob read only when sent. Throws SourceIssue where there are no files. */
  openImageFile(path: string | URL): Promise<ResolvedSource>;
  /** Keeps a stream's bytes so a retry can read them again: a temporary file on Node, memory in browsers. */
  spool(drain: Drain): Promise<ResolvedSource>;
  /**
   * Bytes in memory as a Blob the upload can read. Not the global `Blob`: a DOM emulation in a test runner (jsdom
   * under Vitest) puts its own there, which has no arrayBuffer() or stream(); Node's own is node:buffer's.
   */
  memoryBlob(bytes: Uint8Array): Promise<Blob>;
  /**
   * Sends one request; resolves once the response's head arrives, its body read only as it is consumed. With the
   * caller's own `fetch`, through it; otherwise through the platform's transport (Node: node:http; browsers: fetch).
   */
  send(request: OutgoingRequest, fetch?: typeof globalThis.fetch): Promise<Response>;
}

/**
 * Sends `request` through a fetch with `body` (the whole Blob, or a stream with `duplex: 'half'`). Requests go with
 * `redirect: "error"`: with any other redirect mode Node's fetch keeps a copy of the whole body in memory for a
 * redirect this API never sends.
 */
export function sendWithFetch(
  fetch: typeof globalThis.fetch,
  request: OutgoingRequest,
  body: BodyInit,
  extra: { headers?: Record<string, string>; duplex?: 'half' } = {},
): Promise<Response> {
  const headers = new Headers(request.headers);
  for (const [name, value] of Object.entries(extra.headers ?? {})) headers.set(name, value);
  const init = {
    method: 'POST',
    headers,
    body,
    signal: request.signal,
    redirect: 'error',
    ...(extra.duplex ? { duplex: extra.duplex } : {}),
  } as RequestInit;
  return fetch(new Request(request.url, init));
}

/**
 * The first bytes (the signature) of every image the pre-flight check read, kept per Blob: read once, when the
 * image is checked, and used twice more. A Blob's bytes cannot change, so a Blob checked before needs no second
 * read (a caller who sends one Blob many times pays for its signature once); and the upload compares what it is
 * about to send against what was checked, so a file swapped under the upload is stopped before its bytes go out.
 */
// Annotated, not inferred: an inferred type is declared as Uint8Array<ArrayBufferLike>, which TypeScript before 5.7
// (the documented minimum is 5.4) cannot read.
export const checkedSignatures: WeakMap<Blob, Uint8Array> = new WeakMap();
