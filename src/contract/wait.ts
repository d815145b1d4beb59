/**
 * The package's one wait: the client's pause before a retry, the mock's `Prefer: delay` and its drip. `ms`, cut short
 * as soon as `signal` aborts, and the timer cleared; it resolves either way, so each caller says what an abort means
 * to it (the client throws its AbortError or TimeoutError; the mock stops writing to a client that went away).
 */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
