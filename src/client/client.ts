/**
 * createImageEditClient: the typed client of POST /v2/router/images/edits, on openapi-fetch over the generated
 * `paths` type. It checks every request against the spec before sending, streams the body, applies a timeout and
 * a retry policy that is safe for a billable call, and turns every outcome into a typed result or a typed error.
 *
 * Streaming: the body is a Blob of parts whose images are file-backed Blobs where they came from disk, sent by the
 * platform's fetch with `redirect: "error"`; with any other redirect mode Node's fetch keeps a copy of the whole body
 * in memory for a redirect this API never sends. Browsers get the Blob itself. On Node the body goes to fetch as a
 * pull stream with its exact Content-Length, image files read straight from disk in 128 KiB reads (measured: 16 ×
 * 50 MiB to a loopback server in about 1.5 s at about 83 MB peak RSS; Blob.stream()'s 64 KiB reads took 2-4 s):
 * progress is the bytes handed to the connection, and an abort stops reading the files at once (given a Blob,
 * Node's fetch goes on reading it to the end after an abort).
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths, components } from '../generated/schema.js';
import { validateImageEditResponse } from '../generated/validators.js';
import { defaultBaseUrl, wireContract } from './contract.js';
import {
  ApiError,
  NetworkError,
  OrqImageEditError,
  ResponseValidationError,
  networkErrorCode,
  redactSecret,
  redactValue,
} from './errors.js';
import { filePathOf, isNode } from './image-sources.js';
import { startCallDeadline } from './call-deadline.js';
import { encodeMultipart } from './multipart.js';
import { prepareRequest, type ImageEditRequest } from './request.js';
import { isRetryable, retryDelayMs, type AttemptFailure, type RetryOptions } from './retry-policy.js';
import { issuesFromAjv } from './validation-issues.js';

export type ImageEditResponse = components['schemas']['ImageEditResponse'];

/** Told before each retry: which retry this is, why, how long the client waits first, and the error it retries. */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  failure: AttemptFailure;
  /** The typed error this attempt ended with (what the call would throw if it were not retried). */
  error: OrqImageEditError;
}

/** Bytes of the body handed to the connection so far, for one attempt (a retry starts again from 0). */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0 for the first attempt, 1 for the first retry, ... */
  attempt: number;
}

export interface ImageEditClientOptions extends RetryOptions {
  /** An Orq API key. Sent only as `Authorization: Bearer ...`; never part of an error or a log line. */
  apiKey: string;
  /** Defaults to the spec's first server, https://api.orq.ai. */
  baseUrl?: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /** Whole-call limit in ms, reading stream inputs, retries and waits included; default 600 000 (edits can take minutes). */
  timeoutMs?: number;
  /** Called before every retry. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Called as the body is sent. On Node, with every chunk handed to the connection; in browsers (whose fetch cannot
   * report upload progress) once at 0 and once at the total when the answer arrives.
   */
  onUploadProgress?: (progress: UploadProgress) => void;
  /** Extra headers on every request (not Authorization, which comes from apiKey). */
  headers?: Record<string, string>;
}

export interface EditOptions extends RetryOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
  onRetry?: (event: RetryEvent) => void;
  onUploadProgress?: (progress: UploadProgress) => void;
}

export interface ImageEditClient {
  /** Checks, sends and answers one edit; resolves to the typed 200 body or throws a typed error. */
  edit(request: ImageEditRequest, options?: EditOptions): Promise<ImageEditResponse>;
  /** The underlying openapi-fetch client, for callers who want `POST(...)` themselves. */
  readonly raw: Client<paths>;
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** A header value must be a ByteString without line breaks; checked here so that fetch never echoes a bad key back. */
function checkApiKey(apiKey: unknown): asserts apiKey is string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new TypeError('createImageEditClient: apiKey must be a non-empty string (Orq API key, e.g. from ORQ_API_KEY)');
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/.test(apiKey) || apiKey !== apiKey.trim()) {
    throw new TypeError('createImageEditClient: apiKey contains characters that cannot be sent in a header (line breaks, control or non-Latin-1 characters, or surrounding spaces)');
  }
}

/** openapi-fetch with the base URL and the bearer key set. `redirect: "error"` lets Node's fetch stream the upload
 *  instead of keeping a copy of it in memory for a redirect that this API never sends. */
export function createRawClient(options: Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl' | 'fetch' | 'headers'>): Client<paths> {
  checkApiKey(options.apiKey);
  const authorization = `Bearer ${options.apiKey}`;
  return createClient<paths>({
    baseUrl: options.baseUrl ?? defaultBaseUrl,
    // Bound late so a test or polyfill that replaces globalThis.fetch after creation is still used.
    fetch: options.fetch ?? ((input: Request) => globalThis.fetch(input)),
    headers: { ...options.headers, Authorization: authorization },
    redirect: 'error',
  });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function parseOkBody(status: number, text: string): ImageEditResponse {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what = text.length === 0 ? 'is empty' : `is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})`;
    throw new ResponseValidationError(status, [{ field: 'body', message: what }], text);
  }
  if (!validateImageEditResponse(body)) {
    throw new ResponseValidationError(status, issuesFromAjv(validateImageEditResponse.errors, body, 'body'), body);
  }
  return body;
}

/** Bytes per read of an image file on disk. Larger reads pass fewer chunks through JavaScript and undici's writer,
 *  at the cost of more bytes in flight: measured for 16 × 50 MiB, 64 KiB 1.7-2.0 s at 73 MB, 128 KiB 1.4-1.7 s at
 *  83 MB, 256 KiB 1.4-1.9 s at 94 MB (over the 90 MB budget of BENCHMARKS.md). */
const FILE_READ_BYTES = 128 * 1024;

/**
 * The body's pieces in order, as bytes: text as UTF-8, images made from files read straight from disk in large reads
 * (checked to still have the size they had when the request was checked), other images through Blob.stream().
 */
async function* bodyChunks(segments: readonly (string | Blob)[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const segment of segments) {
    if (typeof segment === 'string') {
      yield encoder.encode(segment);
      continue;
    }
    const file = filePathOf(segment);
    if (!file) {
      const reader = segment.stream().getReader();
      try {
        for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
      } finally {
        reader.releaseLock();
      }
      continue;
    }
    const fs = await import('node:fs');
    const handle = await fs.promises.open(file, 'r');
    try {
      const { size } = await handle.stat();
      // A code of its own: not a connection reset, so never retried (the file would still not match).
      if (size !== segment.size) {
        throw Object.assign(new Error(`${file} changed after it was checked (${segment.size} bytes then, ${size} now)`), { code: 'ERR_IMAGE_CHANGED' });
      }
      for (let position = 0; position < size; ) {
        const buffer = new Uint8Array(Math.min(FILE_READ_BYTES, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw Object.assign(new Error(`${file} changed after it was checked (it ended after ${position} of ${size} bytes)`), { code: 'ERR_IMAGE_CHANGED' });
        position += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * The body as a pull stream that reads nothing ahead of what is sent and reports every chunk it hands on. It
 * errors as soon as `signal` fires: Node's fetch, once aborted, would otherwise go on reading the body to its end.
 */
function uploadStream(segments: readonly (string | Blob)[], signal: AbortSignal, onChunk?: (loaded: number) => void): ReadableStream<Uint8Array> {
  const chunks = bodyChunks(segments);
  let loaded = 0;
  let stop: (() => void) | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stop = () => {
          controller.error(signal.reason);
          void chunks.return(undefined).catch(() => {});
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      },
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (signal.aborted) return;
        if (done) {
          signal.removeEventListener('abort', stop!);
          controller.close();
          return;
        }
        controller.enqueue(value);
        loaded += value.byteLength;
        onChunk?.(loaded);
      },
      async cancel() {
        signal.removeEventListener('abort', stop!);
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}

export function createImageEditClient(options: ImageEditClientOptions): ImageEditClient {
  const raw = createRawClient(options);
  const apiKey = options.apiKey;
  const baseFetch: typeof globalThis.fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const path = wireContract.path as keyof paths & '/v2/router/images/edits';

  async function edit(request: ImageEditRequest, callOptions: EditOptions = {}): Promise<ImageEditResponse> {
    const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const retry: RetryOptions = {
      maxRetries: callOptions.maxRetries ?? options.maxRetries ?? 2,
      retryOn: callOptions.retryOn ?? options.retryOn ?? [],
      retryBaseDelayMs: callOptions.retryBaseDelayMs ?? options.retryBaseDelayMs,
      retryMaxDelayMs: callOptions.retryMaxDelayMs ?? options.retryMaxDelayMs,
    };
    const onRetry = callOptions.onRetry ?? options.onRetry;
    const onUploadProgress = callOptions.onUploadProgress ?? options.onUploadProgress;

    // One signal aborts reading, uploading and waiting for either cause; which one fired decides the error.
    const call = startCallDeadline(timeoutMs, callOptions.signal);
    const { signal, deadline, abortError } = call;

    let dispose = async () => {};
    try {
      let prepared;
      try {
        if (signal.aborted) throw abortError();
        prepared = await prepareRequest(request, { signal });
      } catch (thrown) {
        if (signal.aborted) throw abortError();
        throw thrown;
      }
      dispose = prepared.dispose;
      const { body, segments, contentType, length } = encodeMultipart(prepared.fields, prepared.images);

      for (let attempt = 0; ; attempt++) {
        let failure: AttemptFailure;
        let finalError: OrqImageEditError;
        // Set once the answer's headers arrive: from then on the server has done the work, whatever the body does.
        let response: Response | undefined;
        const attemptFetch = async (input: Request) => {
          response = await baseFetch(input);
          return response;
        };
        const progress = onUploadProgress ? (loaded: number) => onUploadProgress({ loaded, total: length, attempt }) : undefined;
        // Node: the body goes through uploadStream (exact progress, and a read that stops on abort). Browsers: the
        // Blob itself (they stream file-backed Blobs natively and most cannot send a stream over HTTP/1.1).
        const streamed = isNode;
        try {
          if (signal.aborted) throw abortError();
          if (progress && !streamed) progress(0);
          // Each attempt sends a fresh body: the images are read again from their start.
          const { data, error } = await raw.POST(path, {
            body: prepared.fields as never,
            bodySerializer: () => (streamed ? uploadStream(segments, signal, progress) : body) as never,
            headers: streamed ? { 'Content-Type': contentType, 'Content-Length': String(length) } : { 'Content-Type': contentType },
            parseAs: 'text',
            signal,
            fetch: attemptFetch,
            ...(streamed ? { duplex: 'half' } : {}),
          } as never);
          const answered = response as Response | undefined;
          if (!answered) throw new TypeError('fetch resolved without a response');
          if (progress && !streamed) progress(length);
          if (answered.ok) return parseOkBody(answered.status, (data as string | undefined) ?? '');
          finalError = new ApiError(answered.status, error, answered.headers);
          failure = { kind: 'status', status: answered.status, retryAfter: answered.headers.get('retry-after') };
        } catch (thrown) {
          if (signal.aborted) throw abortError();
          if (thrown instanceof OrqImageEditError) throw thrown;
          const answered = response as Response | undefined;
          if (answered) {
            // The answer started but its body broke off: never retried, the work was done.
            const reason = `was cut off while being read (${networkErrorCode(thrown) ?? (thrown instanceof Error ? thrown.message : String(thrown))})`;
            if (answered.ok) throw new ResponseValidationError(answered.status, [{ field: 'body', message: reason }], undefined);
            finalError = new ApiError(answered.status, undefined, answered.headers, reason);
            failure = { kind: 'status', status: answered.status, retryAfter: answered.headers.get('retry-after') };
          } else {
            finalError = new NetworkError(thrown);
            failure = { kind: 'network', code: networkErrorCode(thrown) };
          }
        }
        const retryNumber = attempt + 1;
        if (retryNumber > (retry.maxRetries ?? 0) || !isRetryable(failure, retry.retryOn)) throw finalError;
        const delayMs = retryDelayMs(failure, retryNumber, retry);
        // A wait that outlasts the call's deadline would only end in a TimeoutError: the real answer is more useful.
        if (delayMs === undefined || Date.now() + delayMs >= deadline) throw finalError;
        // The failure carries the server's Retry-After as sent: an echoing server may have put the key there.
        onRetry?.({ retry: retryNumber, delayMs, failure: redactValue(failure, apiKey), error: redactSecret(finalError, apiKey) });
        try {
          await sleep(delayMs, signal);
        } catch {
          throw abortError();
        }
      }
    } catch (error) {
      throw redactSecret(error, apiKey);
    } finally {
      call.dispose();
      await dispose().catch(() => {});
    }
  }

  return { edit, raw };
}
