/**
 * What a request asks of the mock, read once per request into one object: the `Prefer` header (RFC 7240), or the
 * `__code`-style query keys a page uses instead, read the way Prism's server reads them (prism-http-server's
 * getHttpConfigFromRequest over parse-prefer-header, 422 details included: test/property/prefer-as-prism.test.ts
 * holds it to Prism's reader, test/msw the Node mock and the MSW handlers to the same responses). Prism's keys choose the response; the mock's own keys (src/contract/mock-prefer.ts,
 * shared with the CLI and the docs' console) add time and failures the spec cannot show:
 *
 *   code=<status>  example=<name>  dynamic=true|false  seed=<text>     which response (the engine)
 *   delay=<ms>                      it waits that long (0 to MAX_DELAY_MS); overrides the server's --latency
 *   fault=<kind>                    one of FAULTS
 *
 * A new key is added here (and in DECODERS' order) plus its test.
 */
import { headerOf } from '../../contract/headers.js';
import { FAULTS, MAX_DELAY_MS, type Fault } from '../../contract/mock-prefer.js';
import { problemResponse, type Decided, type MockPreferences, type Random, type RequestHead } from './types.js';

export { DRIP, FAULTS, MAX_DELAY_MS, REAL_SERVICE_TIME, type Fault } from '../../contract/mock-prefer.js';

/** Everything a request prefers: the engine's keys, and when and how its response is delivered. */
export interface Preferences extends MockPreferences {
  /** How long the response waits; undefined leaves it to the server's latency (latencyDelay). */
  delayMs?: number;
  fault?: Fault;
}

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
export function parsePrefer(header: string): Record<string, string | true> {
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

const delayValid = (text: string) => /^\d{1,9}$/.test(text) && Number(text) <= MAX_DELAY_MS;

/** Each key, in Prism's order and then the mock's, with the check and the words of its complaint. */
const DECODERS = [
  ['code', 'a number', (text: string) => /^\d{3}$/.test(text)],
  ['dynamic', 'a boolean', (text: string) => text === 'true' || text === 'false'],
  ['seed', undefined, () => true],
  ['example', undefined, () => true],
  ['delay', `an integer number of milliseconds from 0 to ${MAX_DELAY_MS}`, delayValid],
  ['fault', `one of ${Object.keys(FAULTS).join(', ')}`, (text: string) => Object.hasOwn(FAULTS, text)],
] as const;

type Key = (typeof DECODERS)[number][0];

/** The request's preferences, or a 422 naming each key that cannot be read. */
export function readPrefer(head: RequestHead): Decided<Preferences> {
  const prefer = headerOf(head.headers, 'prefer');
  const query = head.url.query ?? {};
  const raw: Record<string, string | string[] | true | undefined> = prefer
    ? parsePrefer(prefer)
    : Object.fromEntries(DECODERS.map(([key]) => [key, query[`__${key}`]]));
  const problems: string[] = [];
  const text: Partial<Record<Key, string>> = {};
  for (const [key, expected, valid] of DECODERS) {
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (value === undefined) continue;
    // Prism's keys say `should be string` for a value that is not one; the mock's own name what they take.
    if (typeof value !== 'string')
      problems.push(
        `optional property "${key}"\n└─ cannot decode ${JSON.stringify(value)}, should be ${key === 'delay' || key === 'fault' ? expected : 'string'}`,
      );
    else if (!valid(value))
      problems.push(`optional property "${key}"\n└─ cannot decode ${JSON.stringify(value)}, should be ${expected}`);
    else text[key] = value;
  }
  if (problems.length > 0) return { ok: false, response: problemResponse('UNPROCESSABLE_ENTITY', problems.join('\n')) };
  const value: Preferences = {};
  if (text.delay !== undefined) value.delayMs = Number(text.delay);
  // Code 0 (`code=000`) reads as no code at all, as in Prism.
  if (text.code !== undefined && Number(text.code) !== 0) value.code = Number(text.code);
  if (text.example !== undefined) value.exampleKey = text.example;
  if (text.dynamic !== undefined) value.dynamic = text.dynamic === 'true';
  if (text.seed !== undefined) value.seed = text.seed;
  if (text.fault !== undefined) value.fault = text.fault as Fault;
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
