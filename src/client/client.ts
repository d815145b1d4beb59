/**
 * createImageEditClient: the typed client of POST /v2/router/images/edits, one call read top to bottom here. `edit`
 * checks the request against the spec before sending (request.ts, images.ts), writes the multipart body once
 * (multipart.ts), sends it through the platform (platform/: node:http on Node, fetch in browsers, or the caller's own
 * fetch), reads the response within its byte limit and turns it into a typed result or a typed error (response.ts,
 * errors.ts), under one deadline for the whole call (deadline.ts) and a retry policy that is safe for a billable call
 * (retry.ts). Defaults live in options.ts.
 *
 * `edit` sends its prepared bytes itself rather than through openapi-fetch: the body is written from the spec's
 * encoding map, streamed by the platform, and read bounded, none of which openapi-fetch does. `createRawClient` is
 * openapi-fetch over the generated `paths`, for callers who want `POST(...)` themselves.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { defaultBaseUrl, wireContract } from '../contract/spec.js';
import { redactValue } from '../contract/redact.js';
import { wait } from '../contract/wait.js';
import { startCallDeadline, untilAborted } from './deadline.js';
import {
  ApiError,
  InvalidOptionError,
  NetworkError,
  OrqImageEditError,
  redactSecret,
  ResponseValidationError,
  networkErrorCode,
} from './errors.js';
import { encodeMultipart, type MultipartBody } from './multipart.js';
import {
  DEFAULTS,
  type AttemptFailure,
  type EditOptions,
  type ImageEditClientOptions,
  type RetrySettings,
} from './options.js';
import { platform } from './platform/node/index.js';
import { prepareRequest, type ImageEditRequest } from './request.js';
import { boundedResponse, resultOf, type ImageEditResult } from './response.js';
import { isRetryable, retryDelayMs } from './retry.js';

export interface ImageEditClient {
  /**
   * Checks and sends one edit and reads its response; resolves to the typed 200 body (with its `drift`) or throws a
   * typed error.
   */
  edit(request: ImageEditRequest, options?: EditOptions): Promise<ImageEditResult>;
}

/** A header value must be a ByteString without line breaks; checked here so that fetch never echoes a bad key back. */
function checkApiKey(apiKey: unknown): asserts apiKey is string {
  if (typeof apiKey !== 'string' || apiKey.trim() === '') {
    throw new TypeError(
      'createImageEditClient: apiKey must be a non-empty string (Orq API key, e.g. from ORQ_API_KEY)',
    );
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]|[^\u0000-\u00ff]/.test(apiKey) || apiKey !== apiKey.trim()) {
    throw new TypeError(
      'createImageEditClient: apiKey contains characters that cannot be sent in a header (line breaks, control or non-Latin-1 characters, or surrounding spaces)',
    );
  }
}

/**
 * Headers a caller may add (client-wide or per call), minus those the client owns: Authorization comes from the
 * API key alone, and the body's framing (type, length, encoding, expectations) from the body the client wrote. A
 * caller's copy of any of them, in any letter case, is dropped: it would send another key, or a body the server
 * cannot frame.
 */
const OWNED = new Set([
  'authorization',
  'proxy-authorization',
  'content-type',
  'content-length',
  'transfer-encoding',
  'content-encoding',
  'expect',
  'host',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
]);

function callerHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!headers) return kept;
  for (const [name, value] of Object.entries(headers)) {
    if (!OWNED.has(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}

/**
 * The options a client cannot work without, checked when it is created rather than at its first call: no options at
 * all, and a base URL that is not an absolute http(s) URL (`api.orq.ai` or `localhost:4010` would fail every call).
 */
function checkClientOptions(options: unknown): asserts options is Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl'> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError(
      'options',
      `createImageEditClient needs an options object with your API key, e.g. createImageEditClient({ apiKey: process.env.ORQ_API_KEY }) (got ${options === null ? 'null' : typeof options})`,
    );
  }
  const { baseUrl } = options as { baseUrl?: unknown };
  if (baseUrl === undefined) return;
  const scheme = typeof baseUrl === 'string' && URL.canParse(baseUrl) ? new URL(baseUrl).protocol : undefined;
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new InvalidOptionError(
      'baseUrl',
      `must be an absolute http(s) URL with its scheme, e.g. ${defaultBaseUrl} or http://localhost:4010 (got ${JSON.stringify(String(baseUrl).slice(0, 80))})`,
    );
  }
}

/** openapi-fetch with the base URL and the bearer key set, over the generated `paths`. */
export function createRawClient(
  options: Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl' | 'fetch' | 'headers'>,
): Client<paths> {
  checkClientOptions(options);
  checkApiKey(options.apiKey);
  return createClient<paths>({
    baseUrl: options.baseUrl ?? defaultBaseUrl,
    // Bound late, so a test or polyfill that replaces globalThis.fetch after creation is still used.
    fetch: options.fetch ?? ((request: Request) => globalThis.fetch(request)),
    headers: { ...callerHeaders(options.headers), Authorization: `Bearer ${options.apiKey}` },
    redirect: 'error',
  });
}

/** How one attempt ended: the result, or a failure the retry policy weighs (with the error the call would throw). */
type AttemptOutcome =
  | { ok: true; result: ImageEditResult }
  | { ok: false; failure: AttemptFailure; error: OrqImageEditError };

/** The client's own error in `error` or its chain of causes (a fetch wraps what its body stream threw). */
function ownErrorIn(error: unknown): OrqImageEditError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++, current = current.cause) {
    if (current instanceof OrqImageEditError) return current;
  }
  return undefined;
}

function statusFailure(response: Response): AttemptFailure {
  return { kind: 'status', status: response.status, retryAfter: response.headers.get('retry-after') };
}

/** A non-2xx body as ApiError carries it: parsed JSON, else the text; nothing for an empty one. */
function errorBody(response: Response, text: string): unknown {
  if (response.status === 204 || response.headers.get('content-length') === '0') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export function createImageEditClient(options: ImageEditClientOptions): ImageEditClient {
  checkClientOptions(options);
  checkApiKey(options.apiKey);
  const { apiKey, fetch } = options;
  const url = `${(options.baseUrl ?? defaultBaseUrl).replace(/\/$/, '')}${wireContract.path}`;

  /**
   * One attempt: the body sent, and what came back classified. It throws when the call must end whatever the policy
   * says: the call's signal fired, or a response began and then broke off (the server did the work: never sent again).
   */
  async function attempt(
    body: MultipartBody,
    callOptions: EditOptions,
    signal: AbortSignal,
    attemptNumber: number,
  ): Promise<AttemptOutcome> {
    const pick = <K extends keyof EditOptions & keyof ImageEditClientOptions>(key: K) =>
      callOptions[key] ?? options[key];
    const headers = new Headers(callerHeaders(options.headers));
    for (const [name, value] of Object.entries(callerHeaders(callOptions.headers))) headers.set(name, value);
    headers.set('authorization', `Bearer ${apiKey}`);
    headers.set('content-type', body.contentType);
    const onUploadProgress = pick('onUploadProgress');
    const onProgress =
      onUploadProgress &&
      ((loaded: number) => onUploadProgress({ loaded, total: body.length, attempt: attemptNumber }));
    // Set once the response's head arrives: from then on the server has done the work, whatever the body does.
    let response: Response | undefined;
    try {
      const sent = await untilAborted(platform.send({ url, headers, body, signal, onProgress }, fetch), signal);
      response = boundedResponse(sent, pick('maxResponseBytes') ?? DEFAULTS.maxResponseBytes, signal);
      const text = await response.text();
      if (response.ok)
        return {
          ok: true,
          result: resultOf(response.status, text, {
            strict: pick('strictResponses'),
            apiKey,
            onDrift: pick('onDrift'),
          }),
        };
      return {
        ok: false,
        failure: statusFailure(response),
        error: new ApiError(response.status, errorBody(response, text), response.headers),
      };
    } catch (caught) {
      // A typed error from inside the platform's send (an image that changed under the upload) may come wrapped.
      const thrown = ownErrorIn(caught) ?? caught;
      if (signal.aborted || thrown instanceof OrqImageEditError) throw thrown;
      if (!response)
        return {
          ok: false,
          failure: { kind: 'network', code: networkErrorCode(thrown) },
          error: new NetworkError(thrown),
        };
      // The response started but its body broke off: never retried, the work was done.
      const reason = `was cut off while being read (${networkErrorCode(thrown) ?? (thrown instanceof Error ? thrown.message : String(thrown))})`;
      if (response.ok)
        throw new ResponseValidationError(response.status, [{ field: 'body', message: reason }], undefined);
      return {
        ok: false,
        failure: statusFailure(response),
        error: new ApiError(response.status, undefined, response.headers, reason),
      };
    }
  }

  async function edit(request: ImageEditRequest, callOptions: EditOptions = {}): Promise<ImageEditResult> {
    const pick = <K extends keyof EditOptions & keyof ImageEditClientOptions>(key: K) =>
      callOptions[key] ?? options[key];
    const retry: RetrySettings = {
      maxRetries: pick('maxRetries') ?? DEFAULTS.maxRetries,
      retryOn: pick('retryOn') ?? DEFAULTS.retryOn,
      retryBaseDelayMs: pick('retryBaseDelayMs') ?? DEFAULTS.retryBaseDelayMs,
      retryMaxDelayMs: pick('retryMaxDelayMs') ?? DEFAULTS.retryMaxDelayMs,
    };
    const onRetry = pick('onRetry');

    // One signal aborts reading, uploading and waiting for either cause; which one fired decides the error.
    const call = startCallDeadline(pick('timeoutMs') ?? DEFAULTS.timeoutMs, callOptions.signal);
    const { signal, deadline, abortError } = call;
    let dispose = async () => {};
    try {
      if (signal.aborted) throw abortError();
      const prepared = await prepareRequest(request, { signal });
      dispose = prepared.dispose;
      const body = encodeMultipart(prepared.fields, prepared.images);

      // Each attempt sends a fresh body: the images are read again from their start.
      for (let attemptNumber = 0; ; attemptNumber++) {
        const outcome = await attempt(body, callOptions, signal, attemptNumber);
        if (outcome.ok) return outcome.result;
        const retryNumber = attemptNumber + 1;
        if (retryNumber > retry.maxRetries || !isRetryable(outcome.failure, retry.retryOn)) throw outcome.error;
        const delayMs = retryDelayMs(outcome.failure, retryNumber, retry);
        // A wait that outlasts the call's deadline would only end in a TimeoutError: the real response is more useful.
        if (delayMs === undefined || Date.now() + delayMs >= deadline) throw outcome.error;
        // The failure carries the server's Retry-After as sent: an echoing server may have put the key there.
        onRetry?.({
          retry: retryNumber,
          delayMs,
          failure: redactValue(outcome.failure, apiKey),
          error: redactSecret(outcome.error, apiKey),
        });
        await wait(delayMs, signal);
        if (signal.aborted) throw signal.reason;
      }
    } catch (error) {
      throw redactSecret(signal.aborted ? abortError() : error, apiKey);
    } finally {
      call.dispose();
      await dispose().catch(() => {});
    }
  }

  return { edit };
}
