/**
 * Every error this package throws, in one place: each outcome of a call and of saving its result has its own class,
 * and all extend OrqImageEditError. None of them is ever given the API key or the request's headers, so the key
 * cannot reach a message, `toString()`, `JSON.stringify` or `util.inspect`; `redactSecret` (below) is the second
 * line, for what the network hands back.
 */
import { describeIssues, type RequestIssue } from '../contract/issues.js';
import { mentionsSecret, redactValue } from '../contract/redact.js';

/** Base class: `instanceof OrqImageEditError` catches every error this package throws. */
export class OrqImageEditError extends Error {
  override name = 'OrqImageEditError';
}

/** The request breaks the spec; nothing was sent. `issues` lists every offending field. */
export class RequestValidationError extends OrqImageEditError {
  override name = 'RequestValidationError';
  readonly issues: readonly RequestIssue[];
  constructor(issues: readonly RequestIssue[]) {
    super(`invalid image edit request, nothing was sent: ${describeIssues(issues)}`);
    this.issues = issues;
  }
}

/** The server responded with a non-2xx status. */
export class ApiError extends OrqImageEditError {
  override name = 'ApiError';
  readonly status: number;
  /** The parsed JSON body (usually `{ error: { code, message, doc_url } }`), or the raw text when it is not JSON. */
  readonly body: unknown;
  readonly headers: Record<string, string>;
  /** The server's request id (`x-request-id`, `request-id` or `x-orq-request-id`), when it sends one. */
  readonly requestId: string | undefined;
  /** `error.code` from the body, e.g. `rate_limit_exceeded`, when present. */
  readonly code: string | undefined;
  /**
   * `reason` replaces the summary taken from the body, e.g. when the body broke off. A body that is an HTML page
   * (a proxy's or gateway's error page, not the API's JSON) is summarised by its title, never dumped into the message.
   */
  constructor(status: number, body: unknown, headers: Headers, reason?: string) {
    const details = errorDetails(body);
    const summary = reason ?? details.message ?? summariseText(body, headers.get('content-type'));
    super(`Orq API responded ${status}${details.code ? ` ${details.code}` : ''}: ${summary}`);
    this.status = status;
    this.body = body;
    this.headers = Object.fromEntries(headers.entries());
    this.requestId =
      headers.get('x-request-id') ?? headers.get('request-id') ?? headers.get('x-orq-request-id') ?? undefined;
    this.code = details.code;
  }
}

function summariseText(body: unknown, contentType: string | null): string {
  if (typeof body !== 'string' || body.trim() === '') return 'no error message';
  const text = body.trimStart();
  if (/html/i.test(contentType ?? '') || /^<(!doctype|html|head|body)\b/i.test(text)) {
    // The title is near the top of a page; searching only the start keeps the search linear in a bounded text.
    const title = /<title[^>]*>([^<]*)<\/title>/i
      .exec(text.slice(0, 64 * 1024))?.[1]
      ?.replace(/\s+/g, ' ')
      .trim();
    return `an HTML page${title ? ` titled ${JSON.stringify(title.slice(0, 120))}` : ''} instead of the API's JSON (from a proxy or gateway?)`;
  }
  return shortened(text);
}

/** Longest summary taken from a response's own words: a message is one line, not a dump of what the server sent. */
const SUMMARY_CHARS = 300;

/** Only a bounded start of the text is looked at: a response may be hundreds of megabytes. */
function shortened(text: string): string {
  const line = text
    .trimStart()
    .slice(0, 2 * SUMMARY_CHARS)
    .replace(/\s+/g, ' ')
    .trim();
  return line.length > SUMMARY_CHARS ? `${line.slice(0, SUMMARY_CHARS)}...` : line;
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

/**
 * The API's `{ error: { code, message } }`, or else an RFC 9457 problem+json body's `title` and `detail` (what Prism
 * and many gateways respond with, e.g. Prism's 404 for a `Prefer: code=` the spec does not document).
 */
function errorDetails(body: unknown): { code?: string; message?: string } {
  if (body === null || typeof body !== 'object') return {};
  const { error, title, detail } = body as { error?: unknown; title?: unknown; detail?: unknown };
  let code: string | undefined;
  let message = nonEmpty(error);
  if (error && typeof error === 'object') {
    code = nonEmpty((error as { code?: unknown }).code);
    message = nonEmpty((error as { message?: unknown }).message);
  }
  message ??= [nonEmpty(title), nonEmpty(detail)].filter((part) => part !== undefined).join(': ') || undefined;
  return { code, message: message === undefined ? undefined : shortened(message) };
}

/** A 2xx response whose body is not JSON or breaks the spec's response schema. */
export class ResponseValidationError extends OrqImageEditError {
  override name = 'ResponseValidationError';
  readonly status: number;
  readonly issues: readonly RequestIssue[];
  /** The body as received: parsed JSON, or the text when it did not parse. */
  readonly body: unknown;
  constructor(status: number, issues: readonly RequestIssue[], body: unknown) {
    super(`the ${status} response breaks the spec: ${describeIssues(issues)}`);
    this.status = status;
    this.issues = issues;
    this.body = body;
  }
}

/**
 * A response (of any status) was larger than the client reads: `maxResponseBytes`, counted once decoded (a gzip,
 * deflate or br response is counted as it inflates). Reading stopped at the limit and the connection was closed; the
 * call is never retried (the server responded, and a 2xx means the edit was done).
 */
export class ResponseTooLargeError extends OrqImageEditError {
  override name = 'ResponseTooLargeError';
  readonly status: number;
  /** The limit that was passed, in bytes. */
  readonly limitBytes: number;
  constructor(status: number, limitBytes: number) {
    super(
      `the ${status} response is larger than ${limitBytes} bytes (maxResponseBytes); reading stopped there and the response was dropped` +
        (status >= 200 && status < 300
          ? ' (the edit itself was done: raise maxResponseBytes to receive such responses)'
          : ''),
    );
    this.status = status;
    this.limitBytes = limitBytes;
  }
}

/**
 * An image changed between the pre-flight check and its upload (a file rewritten, grown or shrunk, or a buffer
 * overwritten): what would go out is not what was checked, so the upload was stopped before those bytes were sent.
 * Never retried: the image would still not match.
 */
export class ImageChangedError extends OrqImageEditError {
  override name = 'ImageChangedError';
  /** The image's place in the request, from 0. */
  readonly index: number;
  /** The file it was read from, when it was one. */
  readonly file: string | undefined;
  constructor(index: number, file: string | undefined, what: string) {
    super(
      `image ${index + 1}${file ? ` (${file})` : ''} changed after it was checked: ${what}; the upload was stopped and is not retried`,
    );
    this.index = index;
    this.file = file;
  }
}

/** The call took longer than its `timeoutMs`; the upload was aborted. */
export class TimeoutError extends OrqImageEditError {
  override name = 'TimeoutError';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`the image edit took longer than ${timeoutMs} ms and was aborted`);
    this.timeoutMs = timeoutMs;
  }
}

/** The caller's AbortSignal fired; the upload was aborted. */
export class AbortError extends OrqImageEditError {
  override name = 'AbortError';
  constructor(reason?: unknown) {
    super(`the image edit was aborted${reason instanceof Error && reason.message ? `: ${reason.message}` : ''}`);
  }
}

/** The connection failed (refused, reset, DNS) before a response arrived. */
export class NetworkError extends OrqImageEditError {
  override name = 'NetworkError';
  /** A short code such as ECONNREFUSED or ECONNRESET, when the platform gives one. */
  readonly code: string | undefined;
  constructor(cause: unknown) {
    const code = networkErrorCode(cause);
    super(`the connection to the Orq API failed${code ? ` (${code})` : ''}: ${causeMessage(cause) ?? String(cause)}`);
    this.code = code;
  }
}

/** A failed connection's own words: the message of what fetch wrapped (Node's fetch says only "fetch failed"), else its own. */
function causeMessage(cause: unknown): string | undefined {
  if (!(cause instanceof Error)) return undefined;
  return cause.cause instanceof Error ? cause.cause.message : cause.message;
}

/** Finds the system error code (ECONNREFUSED, ...) that Node's fetch hides in `cause`. */
export function networkErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/**
 * Internal, not exported by the package: thrown while resolving an image source that cannot become an image; the
 * caller turns it into a RequestIssue.
 */
export class SourceIssue extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceIssue';
  }
}

export function systemReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reasons: Record<string, string> = {
    ENOENT: 'no such file',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    EPERM: 'not permitted',
  };
  if (typeof code === 'string') return `${code}${reasons[code] ? `, ${reasons[code]}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

// The errors of saving a result (saveImages): each says what really failed, a download or a file, so a caller (and
// the CLI) never reads "the connection to the Orq API failed" for an edit that succeeded and was paid for.

/** How a URL is shown in a message: without its query string and fragment (signed URLs carry credentials there). */
function shownUrl(url: string): string {
  return url.startsWith('data:') ? 'a data: URL' : url.split(/[?#]/)[0]!;
}

/** What went wrong with one download, beside the image it concerns. */
export interface DownloadProblem {
  /** The download's response had this non-2xx status. */
  status?: number;
  /** The connection failed or broke off (ECONNRESET, ...), with the platform's code when it gives one. */
  cause?: unknown;
  /** The image passed this many bytes (the spec's x-max-image-bytes, or saveImages' maxImageBytes). */
  limitBytes?: number;
  /** The image was empty. */
  empty?: boolean;
}

/** Downloading a result image (`data[i].url`) failed; nothing was saved for it. */
export class DownloadError extends OrqImageEditError {
  override name = 'DownloadError';
  /** The index in `data` of the image that failed. */
  readonly index: number;
  /** The URL without its query string (signed URLs carry their credentials there). */
  readonly url: string;
  /** The HTTP status, when the download got a non-2xx response. */
  readonly status: number | undefined;
  /** The network error's code (ECONNRESET, ...), when the connection failed or broke off. */
  readonly code: string | undefined;
  /** The byte limit the image passed, when it was too large. */
  readonly limitBytes: number | undefined;
  constructor(index: number, url: string, problem: DownloadProblem) {
    const shown = shownUrl(url);
    const code = problem.cause === undefined ? undefined : networkErrorCode(problem.cause);
    const cause = causeMessage(problem.cause);
    const what =
      problem.status !== undefined
        ? `responded ${problem.status}`
        : problem.limitBytes !== undefined
          ? `passed the limit of ${problem.limitBytes} bytes for one image and was stopped`
          : problem.empty
            ? 'was empty'
            : `failed (${[code, cause].filter(Boolean).join(': ') || 'the connection broke off'})`;
    super(`downloading image ${index + 1} (${shown}) ${what}; nothing was saved for it`);
    this.index = index;
    this.url = shown;
    this.status = problem.status;
    this.code = code;
    this.limitBytes = problem.limitBytes;
  }
}

/** A file or directory could not be created or written (EACCES, ENOSPC, EEXIST, ...): the image was not saved there. */
export class FileSystemError extends OrqImageEditError {
  override name = 'FileSystemError';
  /** The system's code: EACCES, ENOSPC, ENOTDIR, ... */
  readonly code: string | undefined;
  /** The operation that failed: mkdir, open, write, link, rename. */
  readonly syscall: string | undefined;
  /** The file or directory it concerned. */
  readonly path: string;
  /** The index in `data` of the image it concerned, when one. */
  readonly index: number | undefined;
  constructor(what: string, path: string, cause: unknown, index?: number) {
    const { code, syscall, message } = (cause ?? {}) as { code?: unknown; syscall?: unknown; message?: unknown };
    super(`cannot ${what} (${typeof message === 'string' ? message : String(cause)})`);
    this.code = typeof code === 'string' ? code : undefined;
    this.syscall = typeof syscall === 'string' ? syscall : undefined;
    this.path = path;
    this.index = index;
  }
}

/** An option given to a function breaks its rules (e.g. a saveImages prefix that is not a file-name prefix). */
export class InvalidOptionError extends OrqImageEditError {
  override name = 'InvalidOptionError';
  /** The option, e.g. `prefix`. */
  readonly option: string;
  constructor(option: string, message: string) {
    super(`${option}: ${message}`);
    this.option = option;
  }
}

function mentions(value: unknown, secret: string): boolean {
  let text: string | undefined;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return true;
  }
  return text !== undefined && mentionsSecret(text, secret);
}

/**
 * Removes `secret` from an error before it leaves the client: its message, stack and own fields (a server or a
 * proxy may echo the Authorization header back in a body or a header, at any depth; a message may shorten text in
 * the middle of the key), and drops a `cause` that mentions it. The classes above never receive the key; this is
 * the second line, for what the network hands back.
 */
export function redactSecret<T>(error: T, secret: string): T {
  if (!secret || !(error instanceof Error)) return error;
  const target = error as Error & Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(target)) {
    if (key === 'cause') continue;
    const value = target[key];
    if (mentions(value, secret)) {
      Object.defineProperty(target, key, {
        value: redactValue(value, secret),
        writable: true,
        configurable: true,
        enumerable: Object.prototype.propertyIsEnumerable.call(target, key),
      });
    }
  }
  if (
    'cause' in target &&
    mentions(target.cause instanceof Error ? `${target.cause.message}${target.cause.stack}` : target.cause, secret)
  ) {
    delete target.cause;
  }
  return error;
}
