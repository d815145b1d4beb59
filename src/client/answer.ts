/**
 * A 2xx answer judged by the spec. The edit behind it was done and billed, so an answer whose images are usable
 * (`data` items with a decodable `b64_json` or a `url`) is a result even when other fields depart from the spec: each
 * departure is reported as drift (src/contract/drift.ts), not thrown. The spec was written without reaching the
 * service and may be wrong in a detail (a `usage` without `input_tokens_details`, a `created` sent as a string); a
 * caller who wants every departure to be an error asks for `strictResponses`. An answer that is not JSON, or that
 * departs from the spec and has no usable image, is a ResponseValidationError.
 */
import { validateImageEditResponse } from '../../generated/validators.js';
import { judgeImages } from '../contract/answer-images.js';
import { driftFromAjv, type Drift } from '../contract/drift.js';
import { issuesFromAjv, type RequestIssue } from '../contract/issues.js';
import { ResponseValidationError } from './errors.js';
import { redactValue } from './redact.js';
import type { ImageEditResponse } from './types.js';

/**
 * What `edit()` resolves to: the 200 body exactly as received, and `drift`, every way it departs from the spec
 * (empty when it conforms). A field named in `drift` may not have the type the spec gives it. `drift` is not
 * enumerable, so the result still serialises as the answer that came.
 */
export type ImageEditResult = ImageEditResponse & { readonly drift: readonly Drift[] };

export interface JudgedAnswer {
  body: ImageEditResponse;
  drift: Drift[];
}

/**
 * Judges one 2xx answer's text. Resolves to the body and its drift when the body conforms or has a usable image
 * (and `strict` is off); throws ResponseValidationError otherwise, listing every issue.
 */
export function judgeOkAnswer(status: number, text: string, strict = false): JudgedAnswer {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    const what = text.length === 0 ? 'is empty' : `is not JSON (${text.length} characters: ${JSON.stringify(text.slice(0, 80))})`;
    throw new ResponseValidationError(status, [{ field: 'body', message: what }], text);
  }
  const conforms = validateImageEditResponse(body);
  const errors = conforms ? [] : (validateImageEditResponse.errors ?? []);
  const images = judgeImages(body);
  const drift = [...driftFromAjv(errors, body, 'body'), ...images.departures.map((d) => d.drift)];
  if (drift.length > 0 && (strict || images.usable === 0)) {
    throw new ResponseValidationError(status, [...issuesFromAjv(errors, body, 'body'), ...images.departures.map((d) => d.issue)], body);
  }
  return { body: body as ImageEditResponse, drift };
}

/**
 * The result handed to the caller: the body as received with its drift (the API key redacted: a server may echo it
 * anywhere) on a non-enumerable `drift`. `onDrift` hears of any drift first; what it throws is ignored, so a
 * logging callback can never cost the caller a billed result.
 */
export function deliverAnswer({ body, drift }: JudgedAnswer, apiKey: string, onDrift?: (drift: readonly Drift[]) => void): ImageEditResult {
  const report = Object.freeze(redactValue(drift, apiKey));
  if (report.length > 0) {
    try {
      onDrift?.(report);
    } catch {
      // Deliberately ignored: see above.
    }
  }
  return Object.defineProperty(body, 'drift', { value: report, enumerable: false, writable: false, configurable: true }) as ImageEditResult;
}
