/**
 * Every key a caller may send a mock in `Prefer` (or, from a page, as `?__<key>=`), in one table: how it is read
 * and checked, the words of the 422 that refuses a bad value, and the rows the CLI's banner and --help and the docs'
 * Try-it console list. Prism's keys (`code`, `dynamic`, `seed`, `example`) choose the response; the mock's own add
 * time and failures the spec cannot show. Not the spec's (the real service ignores `Prefer`), but shared like it:
 * src/mock/core/prefer.ts reads a request with this table, src/mock/core/respond.ts acts on what it read, and
 * test/unit/user-docs.test.ts holds docs/mock.md to it.
 */
import { examplesOf, specFacts } from './spec.js';

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
/** The Try-it console's delay: long enough to watch the spinner and press Cancel, short enough not to bore. */
const DELAY_PRESET_MS = 8000;

/** What a request prefers, read once: which response (Prism's keys), and when and how it is delivered (the mock's). */
export interface Preferences {
  code?: number;
  exampleKey?: string;
  dynamic?: boolean;
  seed?: string;
  /** How long the response waits; undefined leaves it to the server's latency. */
  delayMs?: number;
  fault?: Fault;
}

/** A value to send for a key (the whole preference, `code=401, example=expired_api_key`), and what it does. */
export interface PreferValue {
  value: string;
  what: string;
}

interface PreferKey {
  /** Prism's key (its 422 says `should be string` of a value without text), or the mock's own. */
  prism: boolean;
  /** What the key takes, as the 422 refusing another value says it; undefined: any text. */
  takes?: string;
  /** The preference read from a valid value; undefined: the value is refused. */
  read(text: string): Preferences | undefined;
  /** One row per value the banner and --help show: an example with what it does. */
  listed(): PreferValue[];
  /** The values the Try-it console offers (to a local mock only); none when left out. */
  presets?(): PreferValue[];
}

const faultRows = Object.entries(FAULTS).map(([fault, what]) => ({ value: `fault=${fault}`, what }));
const statuses = () => specFacts.responses.map((response) => response.status);

/** Each key, in Prism's order and then the mock's: the order a 422 names bad keys in. */
export const PREFER_KEYS: Record<string, PreferKey> = {
  code: {
    prism: true,
    takes: 'a number',
    // Code 0 (`code=000`) reads as no code at all, as in Prism.
    read: (text) => (/^\d{3}$/.test(text) ? (Number(text) === 0 ? {} : { code: Number(text) }) : undefined),
    listed: () => [
      {
        value: `code=${specFacts.responses.find((response) => response.headers['Retry-After'])?.status ?? statuses().at(-1)}`,
        what: `that documented status, its example and headers (${statuses().join(' ')})`,
      },
    ],
    // One preset per documented example of every status: the 200s by name, the others by status (then name).
    presets: () =>
      specFacts.responses.flatMap(({ status, examples }) => {
        if (status === '200')
          return examples.map((example) => ({
            value: `example=${example.name}`,
            what: `200, ${example.summary ?? example.name}`,
          }));
        const [first, ...rest] = examples;
        return [
          { value: `code=${status}`, what: first ? `${status} (${first.name})` : status },
          ...rest.map((example) => ({
            value: `code=${status}, example=${example.name}`,
            what: `${status} (${example.name})`,
          })),
        ];
      }),
  },
  dynamic: {
    prism: true,
    takes: 'a boolean',
    read: (text) => (text === 'true' || text === 'false' ? { dynamic: text === 'true' } : undefined),
    listed: () => [
      { value: 'dynamic=true', what: "output_format, size and quality drawn by Prism's generator from the schemas" },
    ],
  },
  seed: {
    prism: true,
    read: (text) => ({ seed: text }),
    listed: () => [{ value: 'seed=42', what: 'repeatable generated values for this request' }],
  },
  example: {
    prism: true,
    read: (text) => ({ exampleKey: text }),
    listed: () => [
      {
        value: `example=${examplesOf(200).at(-1)?.name ?? ''}`,
        what: `that named example, exactly as the spec writes it (${examplesOf(200)
          .map((e) => e.name)
          .join(', ')})`,
      },
    ],
    // No presets of its own: the code key's name every example.
  },
  delay: {
    prism: false,
    takes: `an integer number of milliseconds from 0 to ${MAX_DELAY_MS}`,
    read: (text) => (/^\d{1,9}$/.test(text) && Number(text) <= MAX_DELAY_MS ? { delayMs: Number(text) } : undefined),
    listed: () => [
      { value: 'delay=15000', what: `hold the response back, 0 to ${MAX_DELAY_MS} ms (${REAL_SERVICE_TIME})` },
    ],
    presets: () => [
      {
        value: `delay=${DELAY_PRESET_MS}`,
        what: `the response waits ${DELAY_PRESET_MS / 1000} s (${REAL_SERVICE_TIME}): try Cancel`,
      },
    ],
  },
  fault: {
    prism: false,
    takes: `one of ${Object.keys(FAULTS).join(', ')}`,
    read: (text) => (Object.hasOwn(FAULTS, text) ? { fault: text as Fault } : undefined),
    listed: () => faultRows,
    presets: () => faultRows,
  },
};
