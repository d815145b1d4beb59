/**
 * What a request asks of the mock, read once per request into one object: the `Prefer` header (RFC 7240), or the
 * `__code`-style query keys a page uses instead, read the way Prism's server reads them (prism-http-server's
 * getHttpConfigFromRequest over parse-prefer-header, 422 details included: test/property/prefer-as-prism.test.ts
 * holds it to Prism's reader, test/msw the Node mock and the MSW handlers to the same responses). The keys, what
 * each takes and what it reads into are one table, PREFER_KEYS in src/contract/mock-prefer.ts.
 */
import { headerOf } from '../../contract/headers.js';
import { MAX_DELAY_MS, PREFER_KEYS, type Preferences } from '../../contract/mock-prefer.js';
import { problemResponse, type Decided, type MockPreferences, type Random, type RequestHead } from './types.js';

/** Every response waits between these (`--latency 500-3000`, jittered, seeded) unless `delay=` says otherwise. */
export interface Latency {
  minMs: number;
  maxMs: number;
}

/** A delay drawn from `latency` (seeded by `random`), for a request that asks for none. */
export function latencyDelay(latency: Latency | undefined, random: Random): number {
  return latency ? latency.minMs + Math.floor(random() * (latency.maxMs - latency.minMs + 1)) : 0;
}

/** `800` or `500-3000` (the CLI's --latency); throws with the words to show the user otherwise. */
export function parseLatency(text: string): Latency {
  const match = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(text.trim());
  const minMs = Number(match?.[1]);
  const maxMs = Number(match?.[2] ?? match?.[1]);
  if (!match || maxMs > MAX_DELAY_MS || minMs > maxMs) {
    throw new Error(
      `latency takes <ms> or <min>-<max>: integers from 0 to ${MAX_DELAY_MS}, min not above max (got ${JSON.stringify(text)})`,
    );
  }
  return { minMs, maxMs };
}

/** `retry-after` → `retryAfter`, as lodash's camelCase turns the ASCII tokens a Prefer header carries. */
function camelCase(token: string): string {
  const words = token
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return words.map((word, i) => (i === 0 ? word : word[0]!.toUpperCase() + word.slice(1))).join('');
}

/** Splits at `separator` outside double quotes. */
function splitOutsideQuotes(text: string, separator: string): string[] {
  const pieces: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i <= text.length; i++) {
    const char = i < text.length ? text[i] : separator;
    if (char === '"') quoted = !quoted;
    else if (char === separator && !quoted) {
      pieces.push(text.slice(start, i));
      start = i + 1;
    }
  }
  return pieces;
}

/**
 * Every preference of a `Prefer` header by camel-cased name: `code=429, example="a b"` → `{ code: '429', example:
 * 'a b' }`. A preference without a value is `true`; parameters after `;` are `<preference>-<parameter>`; the first
 * of a repeated preference wins.
 */
function parsePrefer(header: string): Record<string, string | true> {
  const result: Record<string, string | true> = {};
  for (const preference of splitOutsideQuotes(header, ',')) {
    let base: string | undefined;
    for (const segment of splitOutsideQuotes(preference, ';')) {
      const equals = segment.indexOf('=');
      let token = (equals < 0 ? segment : segment.slice(0, equals)).trim().toLowerCase();
      let value = equals < 0 ? '' : segment.slice(equals + 1).trim();
      if (value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
      if (base === undefined) base = token;
      else token = `${base}-${token}`;
      const key = camelCase(token);
      if (!Object.hasOwn(result, key)) result[key] = value.length > 0 ? value : true;
    }
  }
  return result;
}

/** The request's preferences, or a 422 naming each key that cannot be read. */
export function readPrefer(head: RequestHead): Decided<Preferences> {
  const prefer = headerOf(head.headers, 'prefer');
  const query = head.url.query ?? {};
  const raw: Record<string, string | string[] | true | undefined> = prefer
    ? parsePrefer(prefer)
    : Object.fromEntries(Object.keys(PREFER_KEYS).map((key) => [key, query[`__${key}`]]));
  const problems: string[] = [];
  const value: Preferences = {};
  for (const [key, { prism, takes, read }] of Object.entries(PREFER_KEYS)) {
    const text = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (text === undefined) continue;
    // Prism's keys say `should be string` of a value that is not text; the mock's own name what they take.
    const preferred = typeof text === 'string' ? read(text) : undefined;
    if (preferred) Object.assign(value, preferred);
    else
      problems.push(
        `optional property "${key}"\n└─ cannot decode ${JSON.stringify(text)}, should be ${typeof text !== 'string' && prism ? 'string' : takes}`,
      );
  }
  if (problems.length > 0) return { ok: false, response: problemResponse('UNPROCESSABLE_ENTITY', problems.join('\n')) };
  return { ok: true, value };
}

/** The keys Prism's engine reads (the mock's own keys are not its to see). */
export function enginePreferences({ code, exampleKey, dynamic, seed }: MockPreferences): MockPreferences {
  return {
    ...(code !== undefined ? { code } : {}),
    ...(exampleKey !== undefined ? { exampleKey } : {}),
    ...(dynamic !== undefined ? { dynamic } : {}),
    ...(seed !== undefined ? { seed } : {}),
  };
}
