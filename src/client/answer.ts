/**
 * A 2xx answer judged by the spec. The edit behind it was done and billed, so an answer whose images are usable
 * (`data` items with a decodable `b64_json` or a `url`) is a result even when other fields depart from the spec: each
 * departure is reported as drift (src/contract/drift.ts), not thrown. The spec was written without reaching the
 * service and may be wrong in a detail (a `usage` without `input_tokens_details`, a `created` sent as a string); a
 * caller who wants every departure to be an error asks for `strictResponses`. An answer that is not JSON, or that
 * departs from the spec and has no usable image, is a ResponseValidationError.
 */
import { validateImageEditResponse } from '../../generated/validators.js';
import { isBase64 } from '../contract/base64.js';
import { driftFromAjv, receivedValue, type Drift } from '../contract/drift.js';
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

/** A departure of one image the schema alone does not catch, as drift and as the issue an error would list. */
interface ImageDeparture {
  drift: Drift;
  issue: RequestIssue;
}

function departure(field: string, expected: string, value: unknown, message: string): ImageDeparture {
  // A long b64_json is shown by its start only: no need to copy megabytes to say it is not base64.
  const excerpt = typeof value === 'string' ? value.slice(0, 64) : value;
  return { drift: { field, expected, received: receivedValue(excerpt) }, issue: { field, message } };
}

function isAbsoluteUrl(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

/** How many of `data`'s images can be had (decoded or downloaded), and what is wrong with the others. */
function judgeImages(body: unknown): { usable: number; departures: ImageDeparture[] } {
  const data = (body as { data?: unknown } | null)?.data;
  const departures: ImageDeparture[] = [];
  let usable = 0;
  if (!Array.isArray(data)) return { usable, departures };
  for (const [index, item] of data.entries()) {
    if (item === null || typeof item !== 'object') continue; // the schema's own check names it
    const { b64_json: b64, url } = item as { b64_json?: unknown; url?: unknown };
    const at = `body.data[${index}]`;
    let ok = false;
    if (typeof b64 === 'string') {
      if (isBase64(b64)) ok = true;
      else departures.push(departure(`${at}.b64_json`, 'base64 image data', b64, 'is not base64 image data'));
    }
    if (typeof url === 'string') {
      if (isAbsoluteUrl(url)) ok = true;
      else departures.push(departure(`${at}.url`, 'an absolute URL', url, 'is not a URL'));
    }
    if (b64 === undefined && url === undefined) departures.push(departure(at, 'b64_json or url', item, 'has neither b64_json nor url'));
    if (ok) usable++;
  }
  return { usable, departures };
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
