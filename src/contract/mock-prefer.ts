/**
 * What a caller may ask a mock for with `Prefer`, beyond Prism's own keys (`code=`, `example=`, `dynamic=`): time
 * and failures. Not the spec's (the real service ignores `Prefer`), but shared like it: the Node mock and the MSW
 * handlers carry these out (src/mock/core/respond.ts and each door), the CLI's banner and --help list them, and the
 * docs' Try-it console offers them as presets, all from this one list.
 */
export const FAULTS = {
  reset: 'the connection drops before any response (a proxy or load balancer cutting it)',
  truncate: 'the response arrives complete at the HTTP level but its JSON body is cut off halfway',
  drip: 'the response trickles in, 64 bytes every 250 ms (a stalled upstream: for timeout paths)',
  html: "a proxy's HTML error page instead of JSON: 502 Bad Gateway, or the status `code=` names",
} as const;
export type Fault = keyof typeof FAULTS;

/** Two minutes: past the real service's slowest edits, short enough that a forgotten delay does not hang a suite. */
export const MAX_DELAY_MS = 120_000;
export const DRIP = { bytes: 64, everyMs: 250 };
/** What the real service takes, for banners and docs. */
export const REAL_SERVICE_TIME = 'a real edit takes seconds to a minute';
