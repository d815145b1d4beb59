/**
 * `--record DIR`: each exchange of the operation written as a cassette (core/replay.ts), in bounded space:
 *
 *   - request images by their facts (size, types, first bytes, SHA-256), never their pixels;
 *   - response images in base64 over SHRINK_ABOVE characters replaced by an 8×8 placeholder of the same media type
 *     (placeholders.ts), their size and SHA-256 kept under `response.shrunk`;
 *   - the key removed: the Authorization header is never written, and every echo of the key, in any form a server
 *     may write it (src/contract/redact.ts), is replaced in every string of the cassette, names included;
 *   - a cassette is at most MAX_CASSETTE_BYTES (what would not fit is cut and marked: the lists of issues and drift,
 *     the request's text parts, the response's body; see cassetteOf), and a run writes at most `maxCassettes` of them.
 *
 * Files are written whole (a temporary name, then renamed) and numbered after those already in DIR.
 */
import { createHash } from 'node:crypto';
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { IncomingHttpHeaders } from 'node:http';
import type { Drift, RequestIssue } from '../../contract/issues.js';
import { redactValue } from '../../contract/redact.js';
import { sniffImageType } from '../../contract/images.js';
import { specFacts } from '../../contract/spec.js';
import {
  CASSETTE_FORMAT,
  MAX_CASSETTE_BYTES,
  type Cassette,
  type CassetteImage,
  type ShrunkImage,
} from '../core/replay.js';
import type { ReceivedFile, ReceivedText } from '../core/types.js';
import { placeholderFor } from './placeholders.js';

/** Base64 response images longer than this (in characters) are replaced by a placeholder. */
const SHRINK_ABOVE = 4096;
/** Base64 characters decoded at a time when an image is hashed (a multiple of 4: whole quanta). */
const DECODED_PIECE_CHARS = 1024 * 1024;

/** Response headers a cassette leaves out: the framing (the replaying server sets its own), cookies, the date. */
const UNRECORDED = new Set([
  'content-length',
  'content-encoding',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'set-cookie',
  'date',
]);

export interface RecordedExchange {
  method: string;
  target: string;
  /** What the mock's multipart reader read of the request; undefined when it could not read it whole. */
  parts?: { textParts: ReceivedText[]; files: ReceivedFile[] };
  requestIssues: RequestIssue[];
  status: number;
  headers: IncomingHttpHeaders;
  /**
   * The decoded body: whole (`json`, when it parsed as JSON), or only its first bytes (`cut`: too large to check, or
   * over the limit); undefined when none was kept.
   */
  body: { text: string; cut: boolean; json?: unknown } | undefined;
  drift: Drift[];
  /** The caller's key, to be removed from everything written. */
  secret: string;
}

function imageFacts(file: ReceivedFile): CassetteImage {
  return {
    name: file.name,
    filename: file.filename,
    ...(file.declaredType ? { declaredType: file.declaredType } : {}),
    bytes: file.size,
    head: Buffer.from(file.head).toString('hex'),
    sha256: file.sha256 ?? '',
  };
}

/**
 * `body.data[i].b64_json` over SHRINK_ABOVE characters → a placeholder of its type; what was there, listed, and how
 * many characters the body lost.
 */
function shrinkImages(body: unknown): { shrunk: ShrunkImage[]; removedChars: number } {
  const data = (body as { data?: unknown } | null)?.data;
  const shrunk: ShrunkImage[] = [];
  let removedChars = 0;
  if (!Array.isArray(data)) return { shrunk, removedChars };
  for (const [index, item] of data.entries()) {
    const b64 = (item as { b64_json?: unknown } | null)?.b64_json;
    if (typeof b64 !== 'string' || b64.length <= SHRINK_ABOVE) continue;
    // Decoded a piece at a time (whole base64 quanta), so an image of tens of MiB is never held decoded whole.
    const hash = createHash('sha256');
    let bytes = 0;
    let head: Buffer | undefined;
    for (let at = 0; at < b64.length; at += DECODED_PIECE_CHARS) {
      const piece = Buffer.from(b64.slice(at, at + DECODED_PIECE_CHARS), 'base64');
      head ??= piece.subarray(0, 16);
      hash.update(piece);
      bytes += piece.length;
    }
    const type = sniffImageType(head ?? Buffer.alloc(0));
    shrunk.push({ field: `data[${index}].b64_json`, ...(type ? { type } : {}), bytes, sha256: hash.digest('hex') });
    (item as { b64_json: string }).b64_json = placeholderFor(type);
    removedChars += b64.length;
  }
  return { shrunk, removedChars };
}

function responseOf(exchange: RecordedExchange): Cassette['response'] {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (value !== undefined && !UNRECORDED.has(name)) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  const response: Cassette['response'] = { status: exchange.status, headers };
  const { body } = exchange;
  if (!body) return { ...response, text: '', truncated: true };
  // Never more text than a cassette holds: a large body is cut here, before anything copies or escapes it whole.
  const cut = () => ({ ...response, text: cutText(body.text, MAX_CASSETTE_BYTES), truncated: true as const });
  if (body.cut) return cut();
  if (body.json === undefined) return body.text.length > MAX_CASSETTE_BYTES ? cut() : { ...response, text: body.text };
  const { shrunk, removedChars } = shrinkImages(body.json);
  // What is left once the images are placeholders: written out only when it may fit.
  if (body.text.length - removedChars > MAX_CASSETTE_BYTES) return cut();
  return { ...response, body: body.json, ...(shrunk.length > 0 ? { shrunk } : {}) };
}

/** Request issues and drift a cut cassette lists at most, each (how many more there were is written beside them). */
const MAX_LISTED = 100;
/** Characters kept of any one string of a listed issue or drift, in a cut cassette. */
const MAX_LISTED_CHARS = 1000;
/** Bytes the request's text parts may take in a cut cassette (a prompt of quotes doubles once JSON-escaped). */
const PARTS_ROOM = 256 * 1024;

/**
 * A cassette as the recorder writes it: marks beside the shape replay reads (core/replay.ts), set only when cut.
 * `request.truncated`: a text part's value was cut (the recorded request is not the one sent); `issuesLeftOut` and
 * `driftLeftOut`: how many issues or departures were not listed.
 */
type RecordedCassette = Omit<Cassette, 'request'> & {
  request: Cassette['request'] & { truncated?: true };
  issuesLeftOut?: number;
  driftLeftOut?: number;
};

const bytesOf = (value: unknown) => Buffer.byteLength(JSON.stringify(value, null, 2));
const cutText = (text: string, chars: number) => (text.length <= chars ? text : text.slice(0, chars));

/** The first MAX_LISTED of `items`, each string in them cut to MAX_LISTED_CHARS; and how many were left out. */
function listed<T>(items: T[] | undefined): { kept: T[] | undefined; leftOut: number } {
  if (!items) return { kept: undefined, leftOut: 0 };
  const kept = items
    .slice(0, MAX_LISTED)
    .map(
      (item) =>
        JSON.parse(
          JSON.stringify(item, (_key, value: unknown) =>
            typeof value === 'string' ? cutText(value, MAX_LISTED_CHARS) : value,
          ),
        ) as T,
    );
  return { kept, leftOut: items.length - kept.length };
}

/**
 * The cassette of one exchange, the key removed, at most MAX_CASSETTE_BYTES: when the whole does not fit, the lists
 * of issues and drift are cut first, then the request's text parts (past PARTS_ROOM), then the response's body to what
 * room is left; each cut is marked. Throws when even that does not fit (nothing is written then).
 */
function cassetteOf(exchange: RecordedExchange): string {
  const cassette: RecordedCassette = redactValue(
    {
      format: CASSETTE_FORMAT,
      operation: specFacts.operation.operationId,
      request: {
        method: exchange.method,
        path: exchange.target,
        parts: exchange.parts?.textParts.map(({ name, value }) => ({ name, value })) ?? [],
        images: exchange.parts?.files.map(imageFacts) ?? [],
      },
      response: responseOf(exchange),
      ...(exchange.requestIssues.length ? { issues: exchange.requestIssues } : {}),
      ...(exchange.drift.length ? { drift: exchange.drift } : {}),
    },
    exchange.secret,
  );
  let text = JSON.stringify(cassette, null, 2);
  if (Buffer.byteLength(text) <= MAX_CASSETTE_BYTES) return `${text}\n`;

  const issues = listed(cassette.issues);
  const drift = listed(cassette.drift);
  if (issues.kept) cassette.issues = issues.kept;
  if (drift.kept) cassette.drift = drift.kept;
  if (issues.leftOut > 0) cassette.issuesLeftOut = issues.leftOut;
  if (drift.leftOut > 0) cassette.driftLeftOut = drift.leftOut;

  const { parts } = cassette.request;
  if (bytesOf(parts) > PARTS_ROOM) {
    // A character may take up to 6 bytes once JSON-escaped (a u-escape); names are bounded by the multipart reader.
    const chars = Math.floor(PARTS_ROOM / 6 / parts.length);
    cassette.request = {
      ...cassette.request,
      parts: parts.map(({ name, value }) => ({ name, value: cutText(value, chars) })),
      truncated: true,
    };
  }

  text = JSON.stringify(cassette, null, 2);
  if (Buffer.byteLength(text) > MAX_CASSETTE_BYTES) {
    // Cut the body to what fits beside the rest.
    const body = cassette.response.text ?? JSON.stringify(cassette.response.body);
    const rest = bytesOf({
      ...cassette,
      response: { ...cassette.response, body: undefined, text: '', truncated: true },
    });
    const room = Math.max(0, Math.floor((MAX_CASSETTE_BYTES - rest - 64) / 6));
    cassette.response = { ...cassette.response, body: undefined, text: body.slice(0, room), truncated: true };
    text = JSON.stringify(cassette, null, 2);
  }
  if (Buffer.byteLength(text) > MAX_CASSETTE_BYTES)
    throw new Error(`the exchange does not fit a cassette of ${MAX_CASSETTE_BYTES} bytes, even cut`);
  return `${text}\n`;
}

export interface Recorder {
  readonly dir: string;
  /** Writes one exchange; resolves to the file's name, or undefined once the run's limit is reached. */
  record(exchange: RecordedExchange): Promise<string | undefined>;
}

export async function openRecorder(dir: string, maxCassettes: number): Promise<Recorder> {
  await mkdir(dir, { recursive: true });
  const numbers = (await readdir(dir))
    .map((name) => /^(\d+)-/.exec(name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number);
  let next = Math.max(0, ...numbers) + 1;
  let written = 0;
  return {
    dir,
    async record(exchange) {
      if (written >= maxCassettes) return undefined;
      written++;
      const name = `${String(next++).padStart(4, '0')}-${exchange.method.toLowerCase()}-${exchange.status}.json`;
      const file = path.join(dir, name);
      await writeFile(`${file}.partial`, cassetteOf(exchange), { flag: 'wx' });
      await rename(`${file}.partial`, file);
      return name;
    },
  };
}
