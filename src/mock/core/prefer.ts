/**
 * The `Prefer` header (RFC 7240), or the `__code`-style query keys a page uses instead, read the way Prism reads
 * them (prism-http-server's getHttpConfigFromRequest over parse-prefer-header), for the engine that runs where
 * Prism cannot. Prism's own reader serves the Node mock; test/msw holds the two to the same results, 422 details
 * included. Hand-written because those two packages are Node-only CommonJS with lodash and io-ts behind them.
 */
import { problemAnswer } from './problems.js';
import type { Decided, MockPreferences, RequestHead } from './types.js';
import { headerOf } from '../../contract/headers.js';

/** `retry-after` → `retryAfter`, as lodash's camelCase turns the ASCII tokens a Prefer header carries. */
function camelCase(token: string): string {
  const words = token.toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);
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
 * of a repeated preference wins. (Delays and faults will read their own keys from here.)
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

type Raw = string | string[] | true | undefined;

/** Each key Prism decodes, in its order, with the check and the words of its complaint. */
const DECODERS: [key: 'code' | 'dynamic' | 'seed' | 'example', expected: string | undefined, valid: (text: string) => boolean][] = [
  ['code', 'a number', (text) => /^\d{3}$/.test(text)],
  ['dynamic', 'a boolean', (text) => text === 'true' || text === 'false'],
  ['seed', undefined, () => true],
  ['example', undefined, () => true],
];

/** The request's mock preferences, or Prism's 422 naming each one that cannot be read. */
export function readPreferences(head: RequestHead): Decided<MockPreferences> {
  const prefer = headerOf(head.headers, 'prefer');
  const query = head.url.query ?? {};
  const raw: Record<string, Raw> = prefer
    ? parsePrefer(prefer)
    : { code: query.__code, dynamic: query.__dynamic, seed: query.__seed, example: query.__example };
  const problems: string[] = [];
  const text: Partial<Record<(typeof DECODERS)[number][0], string>> = {};
  for (const [key, expected, valid] of DECODERS) {
    const value = Object.hasOwn(raw, key) ? raw[key] : undefined;
    if (value === undefined) continue;
    if (typeof value !== 'string') problems.push(`optional property "${key}"\n└─ cannot decode ${JSON.stringify(value)}, should be string`);
    else if (!valid(value)) problems.push(`optional property "${key}"\n└─ cannot decode ${JSON.stringify(value)}, should be ${expected}`);
    else text[key] = value;
  }
  if (problems.length > 0) return { ok: false, answer: problemAnswer('UNPROCESSABLE_ENTITY', problems.join('\n')) };
  const value: MockPreferences = {};
  // Code 0 (`code=000`) reads as no code at all, as in Prism.
  if (text.code !== undefined && Number(text.code) !== 0) value.code = Number(text.code);
  if (text.example !== undefined) value.exampleKey = text.example;
  if (text.dynamic !== undefined) value.dynamic = text.dynamic === 'true';
  if (text.seed !== undefined) value.seed = text.seed;
  return { ok: true, value };
}
