/**
 * A response as the client reads it, and a 2xx response turned into the caller's result.
 *
 * Reading: never more than `maxResponseBytes` of body (counted as the platform hands the bytes over, i.e. once
 * decoded: a gzip, deflate or br bomb is stopped as it inflates), and never past the call's signal. Reading a body
 * whole as text with no cap lets one small compressed response end the process (V8 cannot make a string past about
 * 512 MiB, and fails fatally rather than with an error). The call's own signal is watched here, not only the one
 * inside the platform's request: Node 20's fetch loses the abort of a `new Request(url, { signal })` once a garbage
 * collection has run, so a caller's fetch might never stop on its own.
 *
 * The result: the edit behind a 2xx was done and billed, so a body whose images are usable (`data` items with a
 * decodable `b64_json` or a `url`) is a result even when other fields depart from the spec: each departure is
 * reported as drift (src/contract/issues.ts), not thrown. The spec was written without reaching the service and may be
 * wrong in a detail (a `usage` without `input_tokens_details`, a `created` sent as a string); a caller who wants every
 * departure to be an error asks for `strictResponses`. A body that is not JSON, or that departs from the spec and has
 * no usable image, is a ResponseValidationError.
 */
import { validateImageEditResponse } from '../../generated/validators.js';
import { checkImages } from '../contract/images.js';
import { driftFromAjv, issuesFromAjv, omittedIssue, type Drift } from '../contract/issues.js';
import { redactValue } from '../contract/redact.js';
import { ResponseTooLargeError, ResponseValidationError } from './errors.js';
import type { ImageEditResponse } from './options.js';

/**
 * What `edit()` resolves to: the 200 body exactly as received, and `drift`, every way it departs from the spec
 * (empty when it conforms). A field named in `drift` may not have the type the spec gives it. `drift` is not
 * enumerable, so the result still serialises as the body that came.
 */
export type ImageEditResult = ImageEditResponse & { readonly drift: readonly Drift[] };

/** How a 2xx body becomes a result: strict about drift or not, the key to redact, and who to tell of drift. */
export interface ResultOptions {
  strict?: boolean;
  apiKey: string;
  onDrift?: (drift: readonly Drift[]) => void;
}

/**
 * Checks one 2xx body's text and makes it the caller's result: the body as received with its drift (every
 * departure from the spec, the API key redacted: a server may echo it anywhere) on a non-enumerable `drift`. Throws
 * ResponseValidationError, listing every issue, when the body is not JSON, or departs from the spec and has no usable
 * image (or any departure, with `strict`). `onDrift` hears of any drift first; what it throws is ignored, so a
 * logging callback can never cost the caller a billed result.
 */
export function resultOf(
  status: number,
  text: string,
  { strict = false, apiKey, onDrift }: ResultOptions,
): ImageEditResult {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what =
      text.length === 0 ? 'is empty' : `is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})`;
    throw new ResponseValidationError(status, [{ field: 'body', message: what }], text);
  }
  const conforms = validateImageEditResponse(body);
  const errors = conforms ? [] : (validateImageEditResponse.errors ?? []);
  const images = checkImages(body);
  const drift = [...driftFromAjv(errors, body), ...images.departures.map((d) => d.drift)];
  if (drift.length > 0 && (strict || images.usable === 0)) {
    const { issues, omitted } = issuesFromAjv(errors, body, { prefix: 'body' });
    if (omitted > 0) issues.push(omittedIssue(omitted));
    throw new ResponseValidationError(status, [...issues, ...images.departures.map((d) => d.issue)], body);
  }
  const report = Object.freeze(redactValue(drift, apiKey));
  if (report.length > 0) {
    try {
      onDrift?.(report);
    } catch {
      // Deliberately ignored: see above.
    }
  }
  return Object.defineProperty(body as ImageEditResponse, 'drift', {
    value: report,
    enumerable: false,
    writable: false,
    configurable: true,
  }) as ImageEditResult;
}

/**
 * The same response with a body that errors with ResponseTooLargeError once more than `maxBytes` arrived (the rest is
 * not read: the platform's stream is cancelled, which closes the connection), or with the signal's reason when it
 * fires. Reading pulls one chunk at a time, so nothing is read ahead of the reader.
 */
export function boundedResponse(response: Response, maxBytes: number, signal: AbortSignal): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  // An uncompressed response that declares a length past the limit is refused before a byte of it is read. (A
  // compressed one is counted as it inflates: its declared length says nothing of its decoded size.)
  const coded = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  const declared = coded ? 0 : Number(response.headers.get('content-length')) || 0;
  let received = 0;
  let onAbort: (() => void) | undefined;
  const stop = () => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => {});
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onAbort = () => {
          controller.error(signal.reason);
          stop();
        };
        if (declared > maxBytes) {
          controller.error(new ResponseTooLargeError(response.status, maxBytes));
          stop();
        } else if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (!signal.aborted) controller.error(error);
          stop();
          return;
        }
        if (signal.aborted) return;
        if (next.done) {
          signal.removeEventListener('abort', onAbort!);
          controller.close();
          return;
        }
        received += next.value.byteLength;
        if (received > maxBytes) {
          controller.error(new ResponseTooLargeError(response.status, maxBytes));
          stop();
          return;
        }
        controller.enqueue(next.value);
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
