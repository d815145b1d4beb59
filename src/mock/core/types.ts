/**
 * What the mock's core works in, whatever carried the request (the Node server's socket, MSW's fetch interception):
 * a request's head (no socket, no stream), the body as a door read it, the engine that routes and picks responses,
 * and the response. Also the small pieces every part shares (the proxy too): Prism-shaped problem responses, what
 * HTTP lets a header be, a bounded line of work, and a seeded random.
 */
import type { RequestIssue } from '../../contract/issues.js';
import type { Preferences } from '../../contract/mock-prefer.js';
import type { KeptImage } from './images.js';

/** A request before its body: lower-case method and header names, the path and query apart (Prism's form). */
export interface RequestHead {
  method: string;
  url: { path: string; query?: Record<string, string | string[]> };
  headers: Record<string, string>;
  /** Scheme, host and port the request reached (`http://127.0.0.1:4010`): URLs in responses point back there. */
  origin?: string;
}

/** The head as both doors build it: method lower-cased; a query key given once is a string, a repeated one a list. */
export function requestHead(method: string, url: URL, headers: Record<string, string>, origin: string): RequestHead {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  return { method: method.toLowerCase(), url: { path: url.pathname, query }, headers, origin };
}

/** A response ready to send: status, headers, serialised body. */
export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a request asks of the engine through `Prefer` (or `__code`-style query keys): Prism's keys. */
export type MockPreferences = Pick<Preferences, 'code' | 'exampleKey' | 'dynamic' | 'seed'>;

export type Decided<T> = { ok: true; value: T } | { ok: false; response: MockResponse };

/**
 * Routes a request, checks its credentials and picks the response the spec gives. Two exist: Prism in process (the
 * Node mock) and the spec's own examples (the MSW handlers, wherever Prism cannot run); the core asks them the same
 * questions in the same order, and test/msw holds them to the same responses.
 */
export interface MockEngine {
  /** Who responds, for banners and logs (`Prism 5.14.2`, `spec examples`). */
  readonly name: string;
  /** Whether responses are generated rather than the spec's named examples when a request does not say. */
  readonly dynamic: boolean;
  /** Undefined when the request reaches the operation; else the response (404 for another path, 405 for another method). */
  misrouted(head: RequestHead): MockResponse | undefined;
  /** Whether the request's credentials satisfy the operation's security requirements. */
  authorized(head: RequestHead): boolean;
  /**
   * The spec's response with these preferences. `unauthorized` asks for the credentials error (401; a named example
   * of it only when the request asked for code 401). The core has already checked that the code and example exist.
   */
  respond(head: RequestHead, preferences: MockPreferences, options?: { unauthorized?: boolean }): Promise<MockResponse>;
}

/** Bounds on reading one body, from the spec's limits. */
export interface BodyLimits {
  /** Largest file part, in bytes. */
  maxFileBytes: number;
  /** Largest whole body, in bytes (Content-Length, or counted as it arrives). */
  maxBodyBytes: number;
  /** Largest total of all text parts, in bytes (so text held in memory stays small whatever the part count). */
  maxTextBytes: number;
  /** Most parts a body may have. */
  maxParts: number;
}

/** A text part as received. */
export interface ReceivedText {
  name: string;
  value: string;
}

/** A file part as received: counted and sniffed, never held whole. */
export interface ReceivedFile {
  /** The part's name as sent (`image`, `image[]`, or anything else). */
  name: string;
  /** How issues name this part: `image[3]` for the fourth file of a file field, else the part's name. */
  field: string;
  filename: string;
  /** The media type the sender declared; undefined when it declared none (or none a parser can tell from none). */
  declaredType: string | undefined;
  size: number;
  /** The first bytes, for sniffing the media type. */
  head: Uint8Array;
  /** The SHA-256 of all its bytes, in hex, when the reader was asked for it (replay matches images by it). */
  sha256?: string;
  /** The whole image, kept for making the response from it (the first image only; each reader bounds it). */
  kept?: KeptImage;
}

/** What reading a multipart body gave: its parts, or the first violation that stopped the reading. */
export type ReceivedBody =
  | { outcome: 'complete'; textParts: ReceivedText[]; files: ReceivedFile[] }
  | { outcome: 'too-large'; issue: RequestIssue }
  | { outcome: 'malformed'; issue: RequestIssue }
  | { outcome: 'aborted' };

/**
 * The one multipart reader signature, one reader per door: busboy over a node:http request (node-http.ts), the
 * platform's FormData over a Fetch Request (form-read.ts). `sha256` hashes every file part (replay knows images by it);
 * a door may take more (the Node door holds the first image within memory budgets).
 */
export type ReadMultipart<R, Options = object> = (
  request: R,
  limits: BodyLimits,
  options?: { sha256?: boolean } & Options,
) => Promise<ReceivedBody>;

const PRISM_ERRORS = 'https://stoplight.io/prism/errors#';

/** Prism's templates for the refusals the mock gives itself where Prism does not run (prism-http's router and mocker errors). */
const PROBLEMS = {
  NO_PATH_MATCHED_ERROR: { status: 404, title: 'Route not resolved, no path matched' },
  NO_METHOD_MATCHED_ERROR: { status: 405, title: 'Route resolved, but no method matched' },
  UNPROCESSABLE_ENTITY: { status: 422, title: 'Invalid request' },
  NOT_FOUND: { status: 404, title: 'The server cannot find the requested content' },
} as const;

/** A refusal in Prism's application/problem+json shape, so a client sees one mock whichever engine responds. */
export function problemResponse(type: keyof typeof PROBLEMS, detail: string): MockResponse {
  const { status, title } = PROBLEMS[type];
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: JSON.stringify({ type: `${PRISM_ERRORS}${type}`, title, status, detail }),
  };
}

/** Headers that belong to one connection and are never passed on (each side frames its own message): RFC 9110 §7.6.1. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'host',
]);

/** `headers` without the hop-by-hop ones (and those the Connection header names), and without `drop` (lower-case). */
export function endToEnd<V>(
  headers: Readonly<Record<string, V | undefined>>,
  drop: readonly string[] = [],
): Record<string, V> {
  const named = Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === 'connection')
    .flatMap(([, value]) => String(value ?? '').split(','))
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, V> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.includes(lower) || drop.includes(lower)) continue;
    out[name] = value;
  }
  return out;
}

/** A field name: RFC 9110's token (no space, no colon, no control character). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible characters, spaces, tabs and obs-text bytes; never CR, LF or NUL (RFC 9110 §5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why this header cannot be sent as it is (undefined when it can): what node:http and fetch's Headers would throw at. */
export function unsendableHeader(name: string, value: string): string | undefined {
  if (!TOKEN.test(name))
    return `has a name HTTP cannot carry (${JSON.stringify(name)}: only letters, digits and !#$%&'*+-.^_\`|~)`;
  if (!FIELD_VALUE.test(value))
    return `has a value HTTP cannot carry (${JSON.stringify(value.slice(0, 80))}: no CR, LF, NUL or other control character)`;
  return undefined;
}

/** A limiter's line is full: nothing was done; a place is likely free in about `retryAfterSeconds`. */
export class QueueFullError extends Error {
  constructor(
    readonly maxWaiting: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`${maxWaiting} responses already wait for their turn (the limit)`);
    this.name = 'QueueFullError';
  }
}

/**
 * At most `max` tasks at once; the rest wait their turn in order, at most `maxWaiting` of them (one more is refused at
 * once). A task whose signal aborts while it waits leaves the line without running: the work would be for nobody.
 */
export interface Limiter {
  /** Runs `task` in its turn; rejects with QueueFullError when the line is full, with `signal.reason` on abort. */
  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly running: number;
  /** Tasks waiting for their turn now. */
  readonly waiting: number;
}

/** How much each finished task moves the average a Retry-After is estimated from. */
const SMOOTHING = 0.3;

export function limiter(max: number, maxWaiting = Infinity): Limiter {
  let running = 0;
  const line: (() => void)[] = [];
  // Before any task has finished, a second is as good a guess as any.
  let averageMs = 1000;

  const turn = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      const start = () => {
        signal?.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        const at = line.indexOf(start);
        if (at >= 0) line.splice(at, 1);
        reject(signal!.reason);
      };
      line.push(start);
      signal?.addEventListener('abort', leave, { once: true });
    });

  return {
    async run(task, signal) {
      signal?.throwIfAborted();
      if (running >= max) {
        if (line.length >= maxWaiting) {
          // The line drains `max` tasks at a time, each taking about averageMs.
          throw new QueueFullError(maxWaiting, Math.max(1, Math.ceil(((line.length + 1) / max) * (averageMs / 1000))));
        }
        await turn(signal); // the finishing task handed its place over: `running` already counts this one
      } else {
        running++;
      }
      const started = Date.now();
      try {
        return await task();
      } finally {
        averageMs += SMOOTHING * (Date.now() - started - averageMs);
        const next = line.shift();
        if (next) next();
        else running--;
      }
    },
    get running() {
      return running;
    },
    get waiting() {
      return line.length;
    },
  };
}

/** Everything the mock makes up (dynamic picks, file names, latency jitter) draws from one of these. */
export type Random = () => number;

/** mulberry32 over a string hash: the same seed gives the same sequence, on Node and in a page alike. */
export function seededRandom(seed: string): Random {
  let state = 0x811c9dc5;
  for (let i = 0; i < seed.length; i++) state = Math.imul(state ^ seed.charCodeAt(i), 0x01000193);
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `seed` made repeatable when given, else the platform's own randomness. */
export function randomFor(seed: string | number | undefined): Random {
  return seed === undefined ? Math.random : seededRandom(String(seed));
}
