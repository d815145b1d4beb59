/**
 * What the client needs from the platform it runs on. Two implementations: node/ (file paths, file: URLs, temporary
 * files, large file reads for the upload, saveImages) and browser/ (none of Node; paths are refused by name). The
 * code imports node/index.js; the browser bundle is built with browser/index.js in its place
 * (scripts/client-bundle.ts), so each build carries only its own platform's code.
 */
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

/** The request body for one attempt, and what the fetch call must add for it. */
export interface UploadBody {
  /** What openapi-fetch's bodySerializer hands on: a fetch body, or the transport's own body. */
  body: unknown;
  /** Headers beside Content-Type (Node: the exact Content-Length of a streamed body). */
  headers: Record<string, string>;
  /** Whether `onChunk` reports every chunk handed to the connection (Node) or only start and end (browsers). */
  reportsProgress: boolean;
  /** Fetch options a streamed body needs (`duplex: 'half'`). */
  init: { duplex?: 'half' };
}

/**
 * A transport that owns the connection (Node): openapi-fetch builds each request with its `Request` class and sends
 * it with its `fetch`. Used unless the caller gave the client a fetch of their own; browsers have none and use
 * their fetch.
 */
export interface Transport {
  Request: new (input: string | URL, init?: RequestInit) => unknown;
  /** Sends one request built by `Request`; resolves once the answer's head arrives, its body read as consumed. */
  fetch(request: Request): Promise<Response>;
  /** The body of one attempt, written by `fetch` with back-pressure; `onChunk` is told the bytes written so far. */
  upload(segments: readonly (string | Blob)[], length: number, onChunk?: (loaded: number) => void): UploadBody;
}

export interface Platform {
  /** The platform's own transport, when it has one (Node). */
  transport?: Transport;
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
   * The body for one attempt from its pieces (text and image Blobs) or the whole Blob. Stops reading when `signal`
   * fires; reports the bytes handed on through `onChunk`.
   */
  uploadBody(segments: readonly (string | Blob)[], whole: Blob, signal: AbortSignal, onChunk?: (loaded: number) => void): Promise<UploadBody>;
}
