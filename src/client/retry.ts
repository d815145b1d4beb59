/**
 * When a failed attempt may be sent again, and after how long.
 *
 * An image edit is billable and not idempotent, so by default only outcomes where the server certainly did no
 * work are retried: 429, 503 with a readable Retry-After, and a refused connection. 408, other 5xx and connection resets
 * (where the provider may already have produced and billed the images) are retried only when the caller lists them.
 */
import { DEFAULTS, type AttemptFailure, type RetryableOutcome, type RetryOptions } from './options.js';

const REFUSED = new Set(['ECONNREFUSED', 'UND_ERR_CONNECT_TIMEOUT', 'ENOTFOUND', 'EAI_AGAIN']);
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED']);

const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
/** The HTTP-date forms of RFC 9110 §5.6.7: IMF-fixdate, and the obsolete RFC 850 and asctime forms. */
const IMF_FIXDATE = new RegExp(`^${DAY}, \\d{2} ${MONTH} \\d{4} ${TIME} GMT$`, 'i');
const RFC_850 = new RegExp(`^${LONG_DAY}, \\d{2}-${MONTH}-\\d{2} ${TIME} GMT$`, 'i');
const ASCTIME = new RegExp(`^${DAY} ${MONTH} [ \\d]\\d ${TIME} \\d{4}$`, 'i');

/**
 * Seconds or an HTTP-date, as milliseconds from now; undefined when absent or unreadable. Only the forms HTTP defines
 * are read: `Date.parse` alone turns almost anything ("later 12", "-5") into a date long past, i.e. "retry at once".
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  let date = Number.NaN;
  if (IMF_FIXDATE.test(trimmed) || RFC_850.test(trimmed)) date = Date.parse(trimmed);
  // asctime carries no zone; HTTP-dates are always GMT (Date.parse would read it as local time).
  else if (ASCTIME.test(trimmed)) date = Date.parse(`${trimmed} GMT`);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Whether this failure may be retried at all under the given opt-ins. */
export function isRetryable(failure: AttemptFailure, retryOn: readonly RetryableOutcome[] = DEFAULTS.retryOn): boolean {
  if (failure.kind === 'network') {
    if (failure.code && REFUSED.has(failure.code)) return true;
    // Only a real connection reset is a reset: an error without a reset code (a redirect refused, a file that changed
    // under the upload, a header the platform refused) says nothing about where the server got to.
    return retryOn.includes('reset') && failure.code !== undefined && RESET.has(failure.code);
  }
  if (failure.status === 429) return true;
  // A 503 is safe to send again only when the server says when (a Retry-After it can read): it did no work.
  if (failure.status === 503 && parseRetryAfter(failure.retryAfter) !== undefined) return true;
  return retryOn.includes(failure.status);
}

/**
 * Milliseconds to wait before retry number `retry` (1-based), or undefined when the server asks for longer than
 * `retryMaxDelayMs` (waiting would outlast what the caller allowed; the error is returned instead).
 */
export function retryDelayMs(
  failure: AttemptFailure,
  retry: number,
  options: RetryOptions,
  random = Math.random,
): number | undefined {
  const base = options.retryBaseDelayMs ?? DEFAULTS.retryBaseDelayMs;
  const max = options.retryMaxDelayMs ?? DEFAULTS.retryMaxDelayMs;
  if (failure.kind === 'status') {
    const asked = parseRetryAfter(failure.retryAfter);
    if (asked !== undefined) return asked <= max ? asked : undefined;
  }
  const exponential = Math.min(max, base * 2 ** (retry - 1));
  // "Equal jitter": never less than half the backoff, so retries still spread out but never stampede at once.
  return Math.round(exponential / 2 + (random() * exponential) / 2);
}
