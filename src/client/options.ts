/**
 * Every option of a call, its type and its default, and the public event types: apart from the code, so that every
 * module (saveImages included) can name them without importing the client itself. A change of default is one line
 * of DEFAULTS (the client, saveImages, the retry policy and the CLI's help read it).
 */
import type { components } from '../../generated/schema.js';
import { wireContract } from '../contract/spec.js';
import type { Drift } from '../contract/issues.js';
import type { OrqImageEditError } from './errors.js';

/** The 200 body: the edited images and token usage. */
export type ImageEditResponse = components['schemas']['ImageEditResponse'];

/** Told before each retry: which retry this is, why, how long the client waits first, and the error it retries. */
export interface RetryEvent {
  /** 1 for the first retry. */
  retry: number;
  delayMs: number;
  failure: AttemptFailure;
  /** The typed error this attempt ended with (what the call would throw if it were not retried). */
  error: OrqImageEditError;
}

/** Bytes of the body handed to the connection so far, for one attempt (a retry starts again from 0). */
export interface UploadProgress {
  loaded: number;
  total: number;
  /** 0 for the first attempt, 1 for the first retry, ... */
  attempt: number;
}

/**
 * What a call does, set for every call on the client or for one call in `edit(request, options)` (the call's own
 * value wins).
 */
export interface CallSettings extends RetryOptions {
  /** Whole-call limit in ms, reading stream inputs, retries and waits included; default 600 000 (edits can take minutes). */
  timeoutMs?: number;
  /**
   * Largest response read, in bytes once decoded (gzip, deflate and br are counted as they inflate), for any status;
   * default the spec's `x-max-response-bytes` (268 435 456: 256 MiB). A larger response stops being read at the limit
   * and the call throws ResponseTooLargeError.
   */
  maxResponseBytes?: number;
  /** Called before every retry. */
  onRetry?: (event: RetryEvent) => void;
  /**
   * Called as the body is sent. On Node, with every chunk handed to the connection; in browsers (whose fetch cannot
   * report upload progress) once at 0 and once at the total when the response arrives.
   */
  onUploadProgress?: (progress: UploadProgress) => void;
  /**
   * Extra headers (a call's over the client's), e.g. `{ Prefer: 'code=429' }` to ask the mock for one response without
   * a second client. Authorization (from apiKey) and the body's framing headers (Content-Type, Content-Length, ...)
   * belong to the client: a copy of them here, in any letter case, is ignored.
   */
  headers?: Record<string, string>;
  /**
   * Throw ResponseValidationError for a 2xx response that departs from the spec in any way, as before drift was
   * reported. Default false: a response with usable images is the result, and its departures are its `drift`.
   */
  strictResponses?: boolean;
  /** Told of a result's drift (every way its 2xx response departs from the spec) before edit() resolves. */
  onDrift?: (drift: readonly Drift[]) => void;
}

export interface ImageEditClientOptions extends CallSettings {
  /** An Orq API key. Sent only as `Authorization: Bearer ...`; never part of an error or a log line. */
  apiKey: string;
  /** Defaults to the spec's first server, https://api.orq.ai. */
  baseUrl?: string;
  /**
   * A fetch to send with (tests, proxies, instrumentation) instead of the client's own transport (node:http on Node,
   * the platform's fetch in browsers). The call's timeout, signal and response-size limit apply to it all the same.
   */
  fetch?: typeof globalThis.fetch;
}

export interface EditOptions extends CallSettings {
  /** Aborts the call (AbortError), in every phase. */
  signal?: AbortSignal;
}

export const DEFAULTS = {
  /** Largest response read, in bytes once decoded, any status: the spec's x-max-response-bytes. */
  maxResponseBytes: wireContract.maxResponseBytes,
  /** Whole call, reading stream inputs, retries and waits included: edits can take minutes. */
  timeoutMs: 600_000,
  /** Retries after the first attempt. */
  maxRetries: 2,
  /** Outcomes retried beyond the safe ones (429, 503 with Retry-After, a refused connection): none. */
  retryOn: [] as readonly (number | 'reset')[],
  /** First backoff delay, doubled each retry, with jitter. */
  retryBaseDelayMs: 500,
  /** Longest wait before a retry, for backoff and Retry-After alike. */
  retryMaxDelayMs: 30_000,
} as const;

/** An outcome the caller may opt in to retrying: an HTTP status, or `'reset'` for a connection cut mid-call. */
export type RetryableOutcome = number | 'reset';

export interface RetryOptions {
  /** Retries after the first attempt; default 2. 0 turns retrying off. */
  maxRetries?: number;
  /** Outcomes retried in addition to the safe defaults (429, 503 with Retry-After, refused connection); default none. */
  retryOn?: readonly RetryableOutcome[];
  /** First backoff delay in ms, doubled each retry, with jitter; default 500. */
  retryBaseDelayMs?: number;
  /** Longest wait before a retry, for backoff and Retry-After alike; default 30 000. A longer Retry-After is not waited for. */
  retryMaxDelayMs?: number;
}

/** The retry settings of one call, every default filled in (DEFAULTS). */
export type RetrySettings = Required<RetryOptions>;

/** What failed, as the policy sees it. */
export type AttemptFailure =
  | { kind: 'status'; status: number; retryAfter: string | null }
  | { kind: 'network'; code: string | undefined };
