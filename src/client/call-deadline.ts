/**
 * One AbortSignal for a whole call that fires on either of its two causes: the call's `timeoutMs` or the caller's
 * own signal. Which one fired decides the error the call throws: TimeoutError or AbortError. Shared by `edit` and
 * `saveImages`, so both keep the same rules.
 */
import { AbortError, TimeoutError } from './errors.js';

export interface CallDeadline {
  /** Aborts reading, uploading, downloading and waiting. */
  signal: AbortSignal;
  /** When the timeout fires, in Date.now() milliseconds. */
  deadline: number;
  /** The error for a call that the signal stopped. */
  abortError(): TimeoutError | AbortError;
  /** Stops the timer and lets go of the caller's signal; call once the call is over. */
  dispose(): void;
}

export function startCallDeadline(timeoutMs: number, callerSignal?: AbortSignal): CallDeadline {
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(timeoutMs));
  }, timeoutMs);
  const onCallerAbort = () => controller.abort(callerSignal?.reason);
  if (callerSignal?.aborted) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    deadline: Date.now() + timeoutMs,
    abortError: () => (timedOut ? new TimeoutError(timeoutMs) : new AbortError(callerSignal?.reason)),
    dispose() {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}
