/**
 * The errors of saving a result (saveImages): each says what really failed, a download or a file, so a caller (and
 * the CLI) never reads "the connection to the Orq API failed" for an edit that succeeded and was paid for.
 */
import { OrqImageEditError, networkErrorCode } from './errors.js';

/** How a URL is shown in a message: without its query string and fragment (signed URLs carry credentials there). */
function shownUrl(url: string): string {
  return url.startsWith('data:') ? 'a data: URL' : url.split(/[?#]/)[0]!;
}

/** What went wrong with one download, beside the image it concerns. */
export interface DownloadProblem {
  /** The download's answer had this non-2xx status. */
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
  /** The HTTP status, when the download was answered with a non-2xx one. */
  readonly status: number | undefined;
  /** The network error's code (ECONNRESET, ...), when the connection failed or broke off. */
  readonly code: string | undefined;
  /** The byte limit the image passed, when it was too large. */
  readonly limitBytes: number | undefined;
  constructor(index: number, url: string, problem: DownloadProblem) {
    const shown = shownUrl(url);
    const code = problem.cause === undefined ? undefined : networkErrorCode(problem.cause);
    const cause = problem.cause instanceof Error ? (problem.cause.cause instanceof Error ? problem.cause.cause.message : problem.cause.message) : undefined;
    const what =
      problem.status !== undefined
        ? `answered ${problem.status}`
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
