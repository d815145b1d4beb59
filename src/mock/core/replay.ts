/**
 * Replay: the mock responds to a request with the response a real server gave the same request, when a cassette
 * recorded one. A cassette is one exchange recorded by the validating proxy (src/mock/proxy), plain JSON written to be
 * read and diffed:
 *
 *   request   the text parts exactly as received, and each image by its facts: size, declared type, first bytes
 *             and SHA-256 (never its pixels)
 *   response  status, headers, the body (JSON, or text when it is not JSON); large base64 images replaced by a small
 *             placeholder of the same type, with the original's size and SHA-256 under `shrunk`
 *   drift     what the proxy found wrong with the response when it was recorded
 *
 * No API key: the proxy removes the Authorization header and every echo of the key before writing. Replay is a step
 * of the response choice, after the request is checked valid and before the engine picks an example:
 *
 *   a request with a `Prefer` (code, example, dynamic) → the engine, as asked
 *   else a matching cassette → its recorded response (several for one request: served in the order recorded, the
 *     last one repeating, so a recorded 429 then 200 replays as such)
 *   else → the engine's example
 *
 * Requests the mock refuses (credentials, a body the spec rejects) never reach replay, so a cassette of such a request
 * is kept for its report but never matched. A cassette the recorder cut (its request's text or its response's body)
 * is refused when loaded, as any cassette that cannot be replayed. Platform-free: the MSW handlers replay in a page.
 */
import { checkResponse } from '../../contract/response-check.js';
import type { Drift, RequestIssue } from '../../contract/issues.js';
import { specFacts } from '../../contract/spec.js';
import { checkRequest, fileFieldNamer, type CheckedRequest } from './check-request.js';
import {
  endToEnd,
  unsendableHeader,
  type MockPreferences,
  type MockResponse,
  type ReceivedFile,
  type ReceivedText,
} from './types.js';

export const CASSETTE_FORMAT = 'orq-image-edits/cassette@1';

/** Largest cassette file read or written, in bytes: responses' images are shrunk, so real ones stay far below. */
export const MAX_CASSETTE_BYTES = 1024 * 1024;

/** Most cassettes replayed from one directory (`--replay DIR`). */
export const MAX_CASSETTE_FILES = 10_000;

/** Most bytes read from one directory's cassettes: the responses replay keeps in memory cost about this, at most. */
export const MAX_REPLAY_BYTES = 64 * 1024 * 1024;

/**
 * Deepest nesting of arrays and objects a cassette may have. Real ones stay under ten levels; without a bound, a
 * hand-made one nested 100,000 deep parses (V8's JSON.parse does not recurse) and then overflows the stack wherever
 * it is walked again (serialised, matched, checked).
 */
const MAX_CASSETTE_DEPTH = 64;

/**
 * Recorded headers that are not sent again. Hop-by-hop ones (types.ts: endToEnd) and framing belong to the recorded
 * connection: the replaying server frames its own response and counts its own Content-Length, and sends the body
 * decoded, as it is stored (so no Content-Encoding); Date is its own clock's. Set-Cookie is dropped: the recorder
 * never writes cookies (they may hold a session of the real service), so one in a cassette was put there by hand,
 * and a mock on this machine would plant it in a browser for the mock's origin. Location is dropped: the operation
 * documents no redirect, and a replayed one would send a client (fetch follows it, the body too for a 307 or 308)
 * from the offline mock to the recorded server.
 */
const NOT_REPLAYED = ['content-length', 'content-encoding', 'date', 'set-cookie', 'location'];

/** One image of a recorded request, by its facts. */
export interface CassetteImage {
  /** The part's name as sent (`image` or `image[]`). */
  name: string;
  filename: string;
  /** The Content-Type the sender declared, if any. */
  declaredType?: string;
  bytes: number;
  /** The first bytes, as hex: enough for the media type to be read again from them. */
  head: string;
  sha256: string;
}

/** A response image the recording replaced with a placeholder: where it was and what it was. */
export interface ShrunkImage {
  /** Its place in the body: `data[0].b64_json`. */
  field: string;
  /** Its media type, read from its bytes (undefined when it was none of the spec's). */
  type?: string;
  bytes: number;
  sha256: string;
}

export interface Cassette {
  format: typeof CASSETTE_FORMAT;
  /** The spec's operationId. */
  operation: string;
  request: {
    method: string;
    path: string;
    parts: ReceivedText[];
    images: CassetteImage[];
  };
  response: {
    status: number;
    /**
     * Lower-case names; no framing headers (the replaying server sets its own) and no cookies. Each must be one
     * HTTP can carry (a token for a name, no CR or LF in a value); hop-by-hop and framing ones are not replayed.
     */
    headers: Record<string, string>;
    /** The body when it was JSON. */
    body?: unknown;
    /** The body when it was not JSON (an HTML error page), or the start of one too large to keep. */
    text?: string;
    /** Set when the body was cut to fit MAX_CASSETTE_BYTES: it is not replayed. */
    truncated?: boolean;
    shrunk?: ShrunkImage[];
  };
  /** Departures of the request from the spec, found when it was recorded. */
  issues?: RequestIssue[];
  /** Departures of the response from the spec, found when it was recorded. */
  drift?: Drift[];
}

export class CassetteError extends Error {
  constructor(
    readonly source: string,
    readonly field: string,
    reason: string,
  ) {
    super(`${source}: ${field} ${reason}`);
    this.name = 'CassetteError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** Reads one cassette's text, checking its shape (not its content: recheckCassette checks that by the spec). */
export function parseCassette(text: string, source: string): Cassette {
  if (text.length > MAX_CASSETTE_BYTES)
    throw new CassetteError(source, '(file)', `is over ${MAX_CASSETTE_BYTES} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new CassetteError(source, '(file)', `is not JSON (${(error as Error).message})`);
  }
  return checkCassette(value, source);
}

/** The path of the first array or object deeper than MAX_CASSETTE_DEPTH, if any; walked without recursion. */
function tooDeep(value: unknown): string | undefined {
  const pending: [unknown, string, number][] = [[value, '', 0]];
  while (pending.length > 0) {
    const [item, at, depth] = pending.pop()!;
    if (item === null || typeof item !== 'object') continue;
    // The path to that depth: a few levels name the place (`response.body.x[0][0]…`), all of them would be noise.
    if (depth >= MAX_CASSETTE_DEPTH) return at.length > 80 ? `${at.slice(0, 80)}…` : at;
    for (const [key, child] of Object.entries(item))
      pending.push([child, Array.isArray(item) ? `${at}[${key}]` : at ? `${at}.${key}` : key, depth + 1]);
  }
  return undefined;
}

/** Checks the shape of a cassette already parsed (what the MSW handlers are given); `source` names it in errors. */
export function checkCassette(value: unknown, source: string): Cassette {
  const fail = (field: string, reason: string): never => {
    throw new CassetteError(source, field, reason);
  };
  if (!isRecord(value)) return fail('(file)', 'is not a JSON object');
  const deep = tooDeep(value);
  if (deep !== undefined) fail(deep, `nests arrays and objects more than ${MAX_CASSETTE_DEPTH} levels deep`);
  if (value.format !== CASSETTE_FORMAT) fail('format', `must be ${JSON.stringify(CASSETTE_FORMAT)}`);
  if (value.operation !== specFacts.operation.operationId)
    fail('operation', `must be ${JSON.stringify(specFacts.operation.operationId)}`);
  const { request, response } = value;
  if (!isRecord(request)) return fail('request', 'must be an object');
  if (typeof request.method !== 'string' || typeof request.path !== 'string')
    fail('request', 'needs a method and a path');
  if (
    !Array.isArray(request.parts) ||
    !request.parts.every((part) => isRecord(part) && typeof part.name === 'string' && typeof part.value === 'string')
  ) {
    fail('request.parts', 'must be a list of { name, value } strings');
  }
  if (!Array.isArray(request.images)) return fail('request.images', 'must be a list');
  for (const [index, image] of request.images.entries()) {
    const ok =
      isRecord(image) &&
      typeof image.name === 'string' &&
      typeof image.filename === 'string' &&
      Number.isSafeInteger(image.bytes) &&
      typeof image.head === 'string' &&
      /^([0-9a-f]{2})*$/.test(image.head) &&
      typeof image.sha256 === 'string' &&
      /^[0-9a-f]{64}$/.test(image.sha256);
    if (!ok) fail(`request.images[${index}]`, 'must have name, filename, bytes, head (hex) and sha256 (hex)');
  }
  if (!isRecord(response)) return fail('response', 'must be an object');
  // A final response: a 1xx is an interim one (100 Continue, 103 Early Hints), after which a server still owes the response.
  if (!Number.isInteger(response.status) || (response.status as number) < 200 || (response.status as number) > 599)
    fail(
      'response.status',
      `must be the status of a final response, 200 to 599 (got ${JSON.stringify(response.status)})`,
    );
  if (!isRecord(response.headers)) return fail('response.headers', 'must map names to strings');
  for (const [name, header] of Object.entries(response.headers)) {
    if (typeof header !== 'string') fail(`response.headers[${JSON.stringify(name)}]`, 'must be a string');
    const unsendable = unsendableHeader(name, header as string);
    if (unsendable) fail(`response.headers[${JSON.stringify(name)}]`, unsendable);
  }
  if (response.text !== undefined && typeof response.text !== 'string') fail('response.text', 'must be a string');
  return value as unknown as Cassette;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** A recorded image as the request check sees a received one. */
function receivedFileOf(image: CassetteImage, field: string): ReceivedFile {
  return {
    name: image.name,
    field,
    filename: image.filename,
    declaredType: image.declaredType,
    size: image.bytes,
    head: hexBytes(image.head),
    sha256: image.sha256,
  };
}

/** The recorded response, ready to send again: without the headers that belong to the recorded connection (NOT_REPLAYED). */
function cassetteResponse(cassette: Cassette): MockResponse {
  const { status, headers, body, text } = cassette.response;
  return {
    status,
    headers: endToEnd(headers, NOT_REPLAYED),
    body: body !== undefined ? JSON.stringify(body) : (text ?? ''),
  };
}

/** Object keys in order, at every depth: two requests whose fields differ only in key order are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (!isRecord(value)) return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, canonical(value[key])]),
  );
}

/**
 * What makes two requests the same for replay: the operation, every field as decoded by the spec's encoding map
 * (so JSON spacing, part order and `n=1` versus `n=01` do not matter), and the images' SHA-256 in order (not their
 * filenames). Headers, `Prefer` included, are not part of it.
 */
function requestKey({ fields, files }: CheckedRequest): string {
  return JSON.stringify([specFacts.operation.operationId, canonical(fields), files.map((file) => file.sha256)]);
}

/**
 * The cassette when it can be replayed, else a CassetteError naming it: one the recorder cut is not the exchange that
 * happened (a text part cut short is not the request that was sent; a body cut short is not the response).
 */
export function replayableCassette(cassette: Cassette, source: string): Cassette {
  const request = cassette.request as Cassette['request'] & { truncated?: unknown };
  if (request.truncated)
    throw new CassetteError(
      source,
      'request.truncated',
      'is set: a text part was cut when recorded, so it is not the request that was sent',
    );
  if (cassette.response.truncated)
    throw new CassetteError(
      source,
      'response.truncated',
      'is set: the body was cut when recorded, so it cannot be replayed',
    );
  return cassette;
}

/** A recorded request checked again, as if it had just arrived. */
function checkRecordedRequest(cassette: Cassette): CheckedRequest {
  const fieldOf = fileFieldNamer();
  const files = cassette.request.images.map((image) => receivedFileOf(image, fieldOf(image.name).field));
  return checkRequest(cassette.request.parts, files);
}

/**
 * A cassette checked by the current spec: the recorded request as the mock checks requests, the recorded response by
 * src/contract/response-check.ts. A spec change that real traffic contradicts shows here: a request a server accepted
 * (2xx) that the spec now refuses, or a response that no longer fits.
 */
export function recheckCassette(cassette: Cassette): { requestIssues: RequestIssue[]; drift: Drift[] } {
  const request = checkRecordedRequest(cassette);
  const { status, headers, body, text, truncated } = cassette.response;
  const drift: Drift[] = truncated
    ? [{ field: 'body', expected: 'the whole response', received: 'a recording cut short' }]
    : checkResponse(
        { status, headers, text: body !== undefined ? JSON.stringify(body) : (text ?? '') },
        { responseFormat: request.fields.response_format },
      ).drift;
  return { requestIssues: request.issues, drift };
}

export interface Replayer {
  /** How many cassettes can be replayed (valid requests, whole responses). */
  readonly size: number;
  /** The recorded response for this checked request, or undefined when the engine should respond. */
  respond(preferences: MockPreferences, request: CheckedRequest): MockResponse | undefined;
}

/** A replayer still being filled: cassettes are added one at a time, so a directory is never held whole, parsed. */
export interface ReplayIndex extends Replayer {
  /** Keeps the cassette's response for its request when its request is valid (replayableCassette refused the others). */
  add(cassette: Cassette): void;
}

export function createReplayer(cassettes: Iterable<Cassette> = []): ReplayIndex {
  const byKey = new Map<string, { responses: MockResponse[]; served: number }>();
  let size = 0;
  const index: ReplayIndex = {
    get size() {
      return size;
    },
    add(cassette) {
      const request = checkRecordedRequest(cassette);
      if (request.issues.length > 0) return;
      const key = requestKey(request);
      const entry = byKey.get(key) ?? { responses: [], served: 0 };
      entry.responses.push(cassetteResponse(cassette));
      byKey.set(key, entry);
      size++;
    },
    respond(preferences, request) {
      if (preferences.code !== undefined || preferences.exampleKey !== undefined || preferences.dynamic !== undefined)
        return undefined;
      const entry = byKey.get(requestKey(request));
      if (!entry) return undefined;
      const response = entry.responses[Math.min(entry.served, entry.responses.length - 1)]!;
      entry.served++;
      return { ...response, headers: { ...response.headers } };
    },
  };
  for (const cassette of cassettes) index.add(cassette);
  return index;
}
