/**
 * createImageEditClient: the typed client of POST /v2/router/images/edits, on openapi-fetch over the generated
 * `paths` type. It checks every request against the spec before sending, streams the body, applies a timeout and
 * a retry policy that is safe for a billable call, and turns every outcome into a typed result or a typed error.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths, components } from '../generated/schema.js';
import { validateImageEditResponse } from '../generated/validators.js';
import { defaultBaseUrl, wireContract } from './contract.js';
import { AbortError, ApiError, NetworkError, ResponseValidationError, TimeoutError, networkErrorCode } from './errors.js';
import { encodeMultipart } from './multipart.js';
import { prepareRequest, type ImageEditRequest } from './request.js';
import { isRetryable, retryDelayMs, type AttemptFailure, type RetryOptions } from './retry-policy.js';
import { issuesFromAjv } from './validation-issues.js';

export type ImageEditResponse = components['schemas']['ImageEditResponse'];

/** Told before each retry: which retry this is, why, and how long the client waits first. */
export interface RetryEvent {
  retry: number;
  delayMs: number;
  failure: AttemptFailure;
}

export interface ImageEditClientOptions extends RetryOptions {
  /** An Orq API key. Sent only as `Authorization: Bearer ...`; never part of an error or a log line. */
  apiKey: string;
  /** Defaults to the spec's first server, https://api.orq.ai. */
  baseUrl?: string;
  /** A fetch to use instead of the global one (tests, proxies, instrumentation). */
  fetch?: typeof globalThis.fetch;
  /** Whole-call limit in ms, retries and waits included; default 600 000 (image edits can take minutes). */
  timeoutMs?: number;
  /** Called before every retry. */
  onRetry?: (event: RetryEvent) => void;
  /** Extra headers on every request (not Authorization, which comes from apiKey). */
  headers?: Record<string, string>;
}

export interface EditOptions extends RetryOptions {
  signal?: AbortSignal;
  /** Overrides the client's timeoutMs for this call. */
  timeoutMs?: number;
  onRetry?: (event: RetryEvent) => void;
}

export interface ImageEditClient {
  /** Checks, sends and answers one edit; resolves to the typed 200 body or throws a typed error. */
  edit(request: ImageEditRequest, options?: EditOptions): Promise<ImageEditResponse>;
  /** The underlying openapi-fetch client, for callers who want `POST(...)` themselves. */
  readonly raw: Client<paths>;
}

const DEFAULT_TIMEOUT_MS = 600_000;

/** openapi-fetch with the base URL and the bearer key set. `redirect: "error"` lets Node's fetch stream the upload
 *  instead of keeping a copy of it in memory for a redirect that this API never sends. */
export function createRawClient(options: Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl' | 'fetch' | 'headers'>): Client<paths> {
  if (typeof options.apiKey !== 'string' || options.apiKey.trim() === '') {
    throw new TypeError('createImageEditClient: apiKey must be a non-empty string (Orq API key, e.g. from ORQ_API_KEY)');
  }
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
    throw new ResponseValidationError(status, [{ field: 'body', message: `is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})` }], text);
  }
  if (!validateImageEditResponse(body)) {
    throw new ResponseValidationError(status, issuesFromAjv(validateImageEditResponse.errors, body, 'body'), body);
  }
  return body;
}

export function createImageEditClient(options: ImageEditClientOptions): ImageEditClient {
  const raw = createRawClient(options);
  const path = wireContract.path as keyof paths & '/v2/router/images/edits';

  async function edit(request: ImageEditRequest, callOptions: EditOptions = {}): Promise<ImageEditResponse> {
    const prepared = await prepareRequest(request);
    const { body, contentType } = encodeMultipart(prepared.fields, prepared.images);
    const timeoutMs = callOptions.timeoutMs ?? options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const retry: RetryOptions = {
      maxRetries: callOptions.maxRetries ?? options.maxRetries ?? 2,
      retryOn: callOptions.retryOn ?? options.retryOn ?? [],
      retryBaseDelayMs: callOptions.retryBaseDelayMs ?? options.retryBaseDelayMs,
      retryMaxDelayMs: callOptions.retryMaxDelayMs ?? options.retryMaxDelayMs,
    };
    const onRetry = callOptions.onRetry ?? options.onRetry;

    // One controller aborts the upload for either cause; which one fired decides the error.
    const controller = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort(new TimeoutError(timeoutMs));
    }, timeoutMs);
    const callerSignal = callOptions.signal;
    const onCallerAbort = () => controller.abort(callerSignal?.reason);
    if (callerSignal?.aborted) onCallerAbort();
    else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
    const abortError = () => (timedOut ? new TimeoutError(timeoutMs) : new AbortError(callerSignal?.reason));

    try {
      for (let attempt = 0; ; attempt++) {
        let failure: AttemptFailure;
        let finalError: Error;
        try {
          if (controller.signal.aborted) throw abortError();
          const { data, error, response } = await raw.POST(path, {
            body: prepared.fields as never,
            bodySerializer: () => body,
            headers: { 'Content-Type': contentType },
            parseAs: 'text',
            signal: controller.signal,
          });
          if (response.ok) return parseOkBody(response.status, data ?? '');
          finalError = new ApiError(response.status, error, response.headers);
          failure = { kind: 'status', status: response.status, retryAfter: response.headers.get('retry-after') };
        } catch (thrown) {
          if (controller.signal.aborted) throw abortError();
          if (thrown instanceof ResponseValidationError) throw thrown;
          finalError = new NetworkError(thrown);
          failure = { kind: 'network', code: networkErrorCode(thrown) };
        }
        const retryNumber = attempt + 1;
        if (retryNumber > (retry.maxRetries ?? 0) || !isRetryable(failure, retry.retryOn)) throw finalError;
        const delayMs = retryDelayMs(failure, retryNumber, retry);
        if (delayMs === undefined) throw finalError;
        onRetry?.({ retry: retryNumber, delayMs, failure });
        try {
          await sleep(delayMs, controller.signal);
        } catch {
          throw abortError();
        }
      }
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    }
  }

  return { edit, raw };
}
