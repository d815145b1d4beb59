/**
 * At most `max` tasks at once; the rest wait their turn in order, and at most `maxWaiting` of them wait: past that a
 * task is refused at once (QueueFullError, with how long a place is likely to take), so the work a burst can queue
 * is bounded. A task whose signal aborts while it waits leaves the line without running (its client has gone: the
 * work would be for nobody). Keeps the pixels being made at one time, and the work waiting, bounded.
 */

/** The line is full: nothing was done; a place is likely free in about `retryAfterSeconds`. */
export class QueueFullError extends Error {
  constructor(
    readonly maxWaiting: number,
    readonly retryAfterSeconds: number,
  ) {
    super(`${maxWaiting} answers already wait for their turn (the limit)`);
    this.name = 'QueueFullError';
  }
}

export interface Limiter {
  /** Runs `task` when its turn comes; rejects with QueueFullError when the line is full, with `signal.reason` when it aborts first. */
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
