/**
 * createImageEditClient: the typed client of POST /v2/router/images/edits, on openapi-fetch over the generated
 * `paths` type. It checks every request against the spec before sending (prepare-request.ts), streams the body
 * (the platform's upload form), applies one deadline to the whole call (call-deadline.ts) and a retry policy that is
 * safe for a billable call (retry-policy.ts), and turns every outcome into a typed result or a typed error
 * (attempt.ts). Defaults live in defaults.ts.
 *
 * Requests go with `redirect: "error"`: with any other redirect mode Node's fetch keeps a copy of the whole body in
 * memory for a redirect this API never sends.
 */
import createClient, { type Client } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { defaultBaseUrl } from '../contract/wire-contract.js';
import { deliverAnswer, type ImageEditResult } from './answer.js';
import { sendAttempt } from './attempt.js';
import { startCallDeadline } from './call-deadline.js';
import { DEFAULTS } from './defaults.js';
import { callerHeaders } from './caller-headers.js';
import { encodeMultipart } from './multipart.js';
import { prepareRequest, type ImageEditRequest } from './prepare-request.js';
import { redactSecret, redactValue } from './redact.js';
import { InvalidOptionError } from './save-errors.js';
import { isRetryable, retryDelayMs, type RetrySettings } from './retry-policy.js';
import type { EditOptions, ImageEditClientOptions } from './types.js';

export interface ImageEditClient {
  /** Checks, sends and answers one edit; resolves to the typed 200 body (with its `drift`) or throws a typed error. */
  edit(request: ImageEditRequest, options?: EditOptions): Promise<ImageEditResult>;
  /** The underlying openapi-fetch client, for callers who want `POST(...)` themselves. */
  readonly raw: Client<paths>;
}

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

/** The fetch `raw` uses: the one given, else the global one, bound late so a test or polyfill that replaces
 *  globalThis.fetch after creation is still used. (`edit` sends through the platform's own transport unless the
 *  caller gave a fetch: attempt.ts.) */
function clientFetch(options: Pick<ImageEditClientOptions, 'fetch'>): (request: Request) => Promise<Response> {
  return options.fetch ?? ((request: Request) => globalThis.fetch(request));
}

/**
 * The options a client cannot work without, checked when it is created rather than at its first call: no options at
 * all, and a base URL that is not an absolute http(s) URL (`api.orq.ai` or `localhost:4010` would fail every call).
 */
function checkClientOptions(options: unknown): asserts options is Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl'> {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidOptionError('options', `createImageEditClient needs an options object with your API key, e.g. createImageEditClient({ apiKey: process.env.ORQ_API_KEY }) (got ${options === null ? 'null' : typeof options})`);
  }
  const { baseUrl } = options as { baseUrl?: unknown };
  if (baseUrl === undefined) return;
  const scheme = typeof baseUrl === 'string' && URL.canParse(baseUrl) ? new URL(baseUrl).protocol : undefined;
  if (scheme !== 'http:' && scheme !== 'https:') {
    throw new InvalidOptionError('baseUrl', `must be an absolute http(s) URL with its scheme, e.g. ${defaultBaseUrl} or http://localhost:4010 (got ${JSON.stringify(String(baseUrl).slice(0, 80))})`);
  }
}

/** openapi-fetch with the base URL and the bearer key set. */
export function createRawClient(options: Pick<ImageEditClientOptions, 'apiKey' | 'baseUrl' | 'fetch' | 'headers'>): Client<paths> {
  checkClientOptions(options);
  checkApiKey(options.apiKey);
  return createClient<paths>({
    baseUrl: options.baseUrl ?? defaultBaseUrl,
    fetch: clientFetch(options),
    headers: { ...callerHeaders(options.headers), Authorization: `Bearer ${options.apiKey}` },
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

export function createImageEditClient(options: ImageEditClientOptions): ImageEditClient {
  const raw = createRawClient(options);
  const apiKey = options.apiKey;
  const fetch = options.fetch;

  async function edit(request: ImageEditRequest, callOptions: EditOptions = {}): Promise<ImageEditResult> {
    const pick = <K extends keyof EditOptions & keyof ImageEditClientOptions>(key: K) => callOptions[key] ?? options[key];
    const retry: RetrySettings = {
      maxRetries: pick('maxRetries') ?? DEFAULTS.maxRetries,
      retryOn: pick('retryOn') ?? DEFAULTS.retryOn,
      retryBaseDelayMs: pick('retryBaseDelayMs') ?? DEFAULTS.retryBaseDelayMs,
      retryMaxDelayMs: pick('retryMaxDelayMs') ?? DEFAULTS.retryMaxDelayMs,
    };
    const maxResponseBytes = pick('maxResponseBytes') ?? DEFAULTS.maxResponseBytes;
    const onRetry = pick('onRetry');
    const onUploadProgress = pick('onUploadProgress');
    const strictResponses = pick('strictResponses');

    // One signal aborts reading, uploading and waiting for either cause; which one fired decides the error.
    const call = startCallDeadline(pick('timeoutMs') ?? DEFAULTS.timeoutMs, callOptions.signal);
    const { signal, deadline, abortError } = call;
    let dispose = async () => {};
    try {
      if (signal.aborted) throw abortError();
      const prepared = await prepareRequest(request, { signal });
      dispose = prepared.dispose;
      const encoded = encodeMultipart(prepared.fields, prepared.images);

      // Each attempt sends a fresh body: the images are read again from their start.
      for (let attempt = 0; ; attempt++) {
        const onProgress = onUploadProgress && ((loaded: number) => onUploadProgress({ loaded, total: encoded.length, attempt }));
        const outcome = await sendAttempt({ raw, fetch, prepared, encoded, signal, maxResponseBytes, headers: callOptions.headers, onProgress, strictResponses });
        if (outcome.ok) return deliverAnswer(outcome.answer, apiKey, pick('onDrift'));
        const retryNumber = attempt + 1;
        if (retryNumber > retry.maxRetries || !isRetryable(outcome.failure, retry.retryOn)) throw outcome.error;
        const delayMs = retryDelayMs(outcome.failure, retryNumber, retry);
        // A wait that outlasts the call's deadline would only end in a TimeoutError: the real answer is more useful.
        if (delayMs === undefined || Date.now() + delayMs >= deadline) throw outcome.error;
        // The failure carries the server's Retry-After as sent: an echoing server may have put the key there.
        onRetry?.({ retry: retryNumber, delayMs, failure: redactValue(outcome.failure, apiKey), error: redactSecret(outcome.error, apiKey) });
        await sleep(delayMs, signal);
      }
    } catch (error) {
      throw redactSecret(signal.aborted ? abortError() : error, apiKey);
    } finally {
      call.dispose();
      await dispose().catch(() => {});
    }
  }

  return { edit, raw };
}
