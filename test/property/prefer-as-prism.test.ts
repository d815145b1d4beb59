/**
 * The mock reads `Prefer` (and the `__code`-style query keys) itself, once per request (src/mock/core/prefer.ts), for
 * the node:http server and the MSW handlers alike. Prism's own reader, prism-http-server's getHttpConfigFromRequest,
 * is the reference it follows: for any header or query made of Prism's keys (and keys neither reads), both accept
 * the same requests with the same preferences and refuse the same ones with the same 422 detail.
 */
import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { enginePreferences, readPrefer } from '../../src/mock/core/prefer.js';
import type { RequestHead } from '../../src/mock/core/types.js';

const fromCli = createRequire(createRequire(import.meta.url).resolve('@stoplight/prism-cli/package.json'));
type Either = { _tag: 'Left'; left: { detail: string; status: number } } | { _tag: 'Right'; right: object };
const { getHttpConfigFromRequest } = fromCli('@stoplight/prism-http-server/dist/getHttpConfigFromRequest') as {
  getHttpConfigFromRequest(request: RequestHead): Either;
};

/** What Prism makes of a request: the preferences it gives its engine (code 0 is none), or the 422's detail. */
function prism(head: RequestHead): { ok: true; value: object } | { ok: false; detail: string } {
  const result = getHttpConfigFromRequest(head);
  if (result._tag === 'Left') return { ok: false, detail: result.left.detail };
  const value = Object.fromEntries(
    Object.entries(result.right).filter(([key, v]) => v !== undefined && !(key === 'code' && v === 0)),
  );
  return { ok: true, value };
}

function mock(head: RequestHead): { ok: true; value: object } | { ok: false; detail: string } {
  const read = readPrefer(head);
  if (read.ok) return { ok: true, value: enginePreferences(read.value) };
  expect(read.response.status).toBe(422);
  return { ok: false, detail: (JSON.parse(read.response.body) as { detail: string }).detail };
}

const keys = fc.constantFrom(
  'code',
  'dynamic',
  'seed',
  'example',
  'Code',
  'EXAMPLE',
  'Dynamic',
  'return',
  'respond-async',
);
const values = fc.oneof(
  fc.constantFrom('200', '201', '422', '500', '000', '99', '1000', 'abc', 'true', 'false', 'TRUE', '', 'a b', 'x-y'),
  fc.stringMatching(/^[a-zA-Z0-9 _.-]{0,8}$/),
);
const preference = fc
  .tuple(keys, values, fc.constantFrom('bare', 'plain', 'quoted', 'param'))
  .map(([key, value, form]) =>
    form === 'bare'
      ? key
      : form === 'quoted'
        ? `${key}="${value}"`
        : form === 'param'
          ? `${key}=${value.trim() || '1'}; q=1`
          : `${key}=${value.trim() || '1'}`,
  );
const header = fc
  .tuple(fc.array(preference, { minLength: 1, maxLength: 5 }), fc.constantFrom(',', ', ', ' , '))
  .map(([preferences, separator]) => preferences.join(separator));

const head = (headers: Record<string, string>, query?: RequestHead['url']['query']): RequestHead => ({
  method: 'post',
  url: { path: '/v2/router/images/edits', ...(query ? { query } : {}) },
  headers,
});

describe("the mock reads Prefer as Prism's server does", () => {
  it('a Prefer header of Prism keys: the same preferences, or the same 422 detail', () => {
    fc.assert(
      fc.property(header, (text) => {
        const request = head({ prefer: text });
        expect(mock(request), text).toEqual(prism(request));
      }),
      { numRuns: 2000 },
    );
  });

  it('the __code-style query keys, given once or repeated, when there is no Prefer header', () => {
    const queryValue = fc.oneof(values, fc.array(values, { minLength: 2, maxLength: 3 }));
    const query = fc.dictionary(fc.constantFrom('__code', '__dynamic', '__seed', '__example', '__other'), queryValue, {
      maxKeys: 4,
    });
    fc.assert(
      fc.property(query, (q) => {
        const request = head({}, q);
        expect(mock(request), JSON.stringify(q)).toEqual(prism(request));
      }),
      { numRuns: 2000 },
    );
  });

  it('named cases: a 3-digit code, code=000 (none), a boolean that is not one, a repeated key (the first wins)', () => {
    for (const text of ['code=404', 'code=000', 'dynamic=yes', 'code=200, code=500', 'example="a, b"', 'seed', 'code'])
      expect(mock(head({ prefer: text })), text).toEqual(prism(head({ prefer: text })));
  });
});
