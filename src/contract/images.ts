/**
 * Image facts, in one place for every side that checks images. A request's image (the client before it sends, the
 * mock as the bytes arrive): its media type read from its first bytes (a filename or a declared type can lie; the
 * signature is what the server sees), the spec's limits (wire form in spec.ts), messages naming the limit. A 2xx
 * response's images beyond what the schema says: whether each can be had (a decodable `b64_json`, checked as the
 * spec's `contentEncoding: base64` says, or an absolute `url`), and whether it comes in one form, the one the
 * request's `response_format` asked for (the spec: "`url` or `b64_json` is set depending on `response_format`", a
 * rule across fields a JSON Schema cannot state). Reads no spec examples, so the client's bundle carries none.
 */
import type { components } from '../../generated/schema.js';
import { mediaTypeOf } from './headers.js';
import { receivedValue, type Drift, type RequestIssue } from './issues.js';
import { imageField } from './spec.js';

/** The first bytes sniffImageType reads. */
export const SNIFF_BYTES = 12;

/** The media type of an image from its first bytes: PNG, JPEG or WebP, else undefined. */
export function sniffImageType(head: Uint8Array): string | undefined {
  const at = (offset: number, bytes: number[]) => bytes.every((byte, i) => head[offset + i] === byte);
  if (at(0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'image/png';
  if (at(0, [0xff, 0xd8, 0xff])) return 'image/jpeg';
  // RIFF....WEBP
  if (at(0, [0x52, 0x49, 0x46, 0x46]) && at(8, [0x57, 0x45, 0x42, 0x50])) return 'image/webp';
  return undefined;
}

/** The usual file extension of a media type this module recognises. */
export function extensionFor(mediaType: string): string {
  return { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' }[mediaType] ?? 'bin';
}

/** The type a sender gives a file whose type it does not know (curl, browsers, busboy's default): the bytes decide. */
const UNKNOWN_FILE_TYPE = 'application/octet-stream';

/** How many images a request may carry. */
export function imageCountIssue(count: number): RequestIssue | undefined {
  const { minItems, maxItems } = imageField.limits;
  if (count < minItems)
    return { field: imageField.name, message: `has ${count} images, fewer than the minimum of ${minItems}` };
  if (count > maxItems)
    return { field: imageField.name, message: `has ${count} images, more than the limit of ${maxItems}` };
  return undefined;
}

/** Over the spec's per-file byte limit, as soon as the size (or a running count of bytes) is known. */
export function imageSizeIssue(field: string, size: number): RequestIssue | undefined {
  const { maxBytes } = imageField.limits;
  return size > maxBytes
    ? { field, message: `is ${size} bytes, over the limit of ${maxBytes} bytes per image` }
    : undefined;
}

export interface ImageFacts {
  /** Total bytes. */
  size: number;
  /** The first bytes (at least SNIFF_BYTES when the file is that long). */
  head: Uint8Array;
  filename?: string;
  /** The media type the sender declared, if any. */
  declaredType?: string;
}

/**
 * Checks one image: empty, over the limit, bytes that are no allowed type, or a declared type that is not allowed
 * or contradicts the bytes. Returns the media type read from the bytes, or the issue.
 */
export function checkImage(field: string, facts: ImageFacts): { mediaType: string } | { issue: RequestIssue } {
  const { mediaTypes } = imageField.limits;
  const inFile = facts.filename ? ` in ${JSON.stringify(facts.filename)}` : '';
  if (facts.size === 0) return { issue: { field, message: `is empty (0 bytes)${inFile}` } };
  const tooBig = imageSizeIssue(field, facts.size);
  if (tooBig) return { issue: tooBig };
  const detected = sniffImageType(facts.head);
  if (!detected || !mediaTypes.includes(detected)) {
    return { issue: { field, message: `is not ${mediaTypes.join(', ')} (its bytes${inFile} have no such signature)` } };
  }
  const declared = mediaTypeOf(facts.declaredType);
  if (declared && declared !== UNKNOWN_FILE_TYPE) {
    if (!mediaTypes.includes(declared))
      return { issue: { field, message: `is declared ${facts.declaredType}, not one of ${mediaTypes.join(', ')}` } };
    if (declared !== detected)
      return { issue: { field, message: `is declared ${facts.declaredType} but its bytes are ${detected}` } };
  }
  return { mediaType: detected };
}

/*
 * What the spec's `contentEncoding: base64` accepts, checked in one pass over the text. Hand-written rather than a
 * regular expression: a pattern that matched spaces both inside and after the data took seconds on 100,000 spaces
 * followed by one bad character, and even a linear `replace` of the whitespace first takes seconds on text with
 * whitespace between every character. This loop is linear whatever comes: 100 MB in well under a second.
 */
const INVALID = 0;
const DATA = 1;
const SPACE = 2;
const PAD = 3;
/** The class of every ASCII character; anything above is invalid. */
const CLASS = new Uint8Array(128);
for (const c of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/') CLASS[c.charCodeAt(0)] = DATA;
// The ASCII whitespace that base64 decoders (atob, Buffer) skip: line breaks every 76 characters are common.
for (const c of '\t\n\f\r ') CLASS[c.charCodeAt(0)] = SPACE;
CLASS['='.charCodeAt(0)] = PAD;

/** Whether `text` is non-empty standard base64 (padding optional, whitespace allowed) that decodes to some bytes. */
export function isBase64(text: string): boolean {
  let data = 0;
  let padding = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    const kind = code < 128 ? CLASS[code] : INVALID;
    if (kind === DATA && padding === 0) data++;
    else if (kind === PAD) {
      if (++padding > 2) return false;
    } else if (kind !== SPACE) return false;
  }
  if (data === 0) return false;
  // Padding fills the last group to four characters; without it, a lone character in the last group encodes nothing.
  return padding > 0 ? (data + padding) % 4 === 0 : data % 4 !== 1;
}

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
export function checkImages(body: unknown, responseFormat?: unknown): { usable: number; departures: ImageDeparture[] } {
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
    if (b64 === undefined && url === undefined)
      departures.push(departure(at, IMAGE_FORMS.join(' or '), item, `has neither ${IMAGE_FORMS.join(' nor ')}`));
    else if (b64 !== undefined && url !== undefined) {
      departures.push(
        departure(
          at,
          `${IMAGE_FORMS.join(' or ')}, not both`,
          { ...item, b64_json: typeof b64 === 'string' ? `${b64.slice(0, 8)}...` : b64 },
          `has both ${IMAGE_FORMS.join(' and ')}`,
        ),
      );
    } else if (asked !== undefined && (item as Record<string, unknown>)[asked] === undefined) {
      departures.push(
        departure(
          `${at}.${asked}`,
          `required (response_format ${asked})`,
          undefined,
          `is missing, though response_format asked for ${asked}`,
        ),
      );
    }
    if (ok) usable++;
  }
  return { usable, departures };
}
