/**
 * The images of a 2xx answer, judged beyond what the schema says: whether each can be had (a decodable `b64_json`
 * or an absolute `url`), and whether it comes in one form, the one the request's `response_format` asked for (the
 * spec: "`url` or `b64_json` is set depending on `response_format`", a rule across fields a JSON Schema cannot
 * state). One judge for every side that reads answers: the client (drift on a result), the validating proxy and the
 * server check (src/contract/answer-judge.ts). Reads no spec facts, so the client's bundle carries no examples.
 */
import type { components } from '../../generated/schema.js';
import { isBase64 } from './base64.js';
import { receivedValue, type Drift } from './drift.js';
import type { RequestIssue } from './issues.js';

/** The forms an image comes in: the ImageData properties, named as response_format's values name them. */
const IMAGE_FORMS = ['b64_json', 'url'] as const satisfies readonly (keyof components['schemas']['ImageData'])[];

/** A departure of one image the schema alone does not catch, as drift and as the issue an error would list. */
export interface ImageDeparture {
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

/**
 * How many of `data`'s images can be had (decoded or downloaded), and what is wrong with each: undecodable, not a
 * URL, neither form, both forms, or (when `responseFormat` is known) not the form the request asked for.
 */
export function judgeImages(body: unknown, responseFormat?: unknown): { usable: number; departures: ImageDeparture[] } {
  const data = (body as { data?: unknown } | null)?.data;
  const departures: ImageDeparture[] = [];
  let usable = 0;
  if (!Array.isArray(data)) return { usable, departures };
  const asked = IMAGE_FORMS.find((form) => form === responseFormat);
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
    if (b64 === undefined && url === undefined) departures.push(departure(at, IMAGE_FORMS.join(' or '), item, `has neither ${IMAGE_FORMS.join(' nor ')}`));
    else if (b64 !== undefined && url !== undefined) {
      departures.push(departure(at, `${IMAGE_FORMS.join(' or ')}, not both`, { ...item, b64_json: typeof b64 === 'string' ? `${b64.slice(0, 8)}...` : b64 }, `has both ${IMAGE_FORMS.join(' and ')}`));
    } else if (asked !== undefined && (item as Record<string, unknown>)[asked] === undefined) {
      departures.push(departure(`${at}.${asked}`, `required (response_format ${asked})`, undefined, `is missing, though response_format asked for ${asked}`));
    }
    if (ok) usable++;
  }
  return { usable, departures };
}
