/**
 * A call's time, in one place: one AbortSignal for a whole call that fires on either of its two causes (the call's
 * `timeoutMs` or the caller's own signal; which one fired decides the error, TimeoutError or AbortError), and
 * `untilAborted` for what cannot be cancelled itself. Shared by `edit` and `saveImages`,
 * so both keep the same rules.
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

/**
 * `promise`, or the signal's reason as soon as it fires, whichever comes first: how the client stops waiting on
 * something that cannot be cancelled itself (a stalled stream read, a fetch that may not watch its own signal).
 */
export function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
