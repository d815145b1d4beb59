/**
 * The MSW handlers and the Node mock give the same responses: the same request, sent to each, gets the same status,
 * the same headers of its own (Content-Type, Retry-After) and the same body, for every documented status and named
 * example, `Prefer` and `__code`-style choices, bad credentials, bad preferences, undocumented statuses and
 * examples, requests that are not the operation, and refused bodies. Prism responds on one side, the spec's own
 * examples on the other (src/mock/core/spec-engine.ts); this test is what keeps them one mock.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, wireContract, specFacts } from '../../src/contract/spec.js';
import { AUTH, imageOf, minimalParts, multipart, type Part } from '../mock/support.js';
import { listenMsw, MSW_BASE, send, type Seen } from './support.js';
import type { SetupServer } from 'msw/node';
import { createSharpImageMaker } from '../../src/mock/index.js';

let msw: SetupServer;
beforeAll(() => {
  // In Node there is no canvas: the handlers make their images with the Node mock's maker, so both make the same.
  msw = listenMsw({ images: createSharpImageMaker() });
});

/**
 * What two responses must share: everything, but for the moment each was made (`created`, which must be now) and the
 * address of each url image (each mock serves its own, under /files/ on the origin the request reached).
 */
function comparable(seen: Seen, base: string): unknown {
  const body = seen.body as { created?: number; data?: { url?: string }[] } | undefined;
  if (seen.status !== 200 || !Array.isArray(body?.data)) return seen.body ?? seen.text;
  return {
    ...body,
    created: Math.abs(body.created! - Date.now() / 1000) < 300 ? 'now' : body.created,
    data: body.data.map((item) =>
      item.url?.startsWith(`${new URL(base).origin}/files/`) ? { url: 'served by the mock that responded' } : item,
    ),
  };
}
afterAll(() => msw.close());

interface Case {
  name: string;
  method?: string;
  path?: string;
  search?: string;
  headers?: Record<string, string>;
  parts?: Part[] | null;
}

const statuses = specFacts.responses.map((response) => response.status);
const withParts = (parts: Part[], headers: Record<string, string> = AUTH) => {
  const { body, contentType } = multipart(parts);
  return { body, headers: { ...headers, 'Content-Type': contentType } };
};
const image = imageField.name;
const minimalWith = (...extra: Part[]) => [...minimalParts(), ...extra];
const withoutImages = () => minimalParts().filter((part) => part.filename === undefined);

const cases: Case[] = [
  { name: 'a valid request' },
  ...(specFacts.enums.response_format ?? []).map((format) => ({
    name: `response_format=${format}`,
    parts: minimalWith({ name: 'response_format', value: format }),
  })),
  ...specFacts.responses.flatMap((response) => [
    { name: `Prefer: code=${response.status}`, headers: { ...AUTH, Prefer: `code=${response.status}` } },
    ...response.examples.map((example) => ({
      name: `Prefer: code=${response.status}, example=${example.name}`,
      headers: { ...AUTH, Prefer: `code=${response.status}, example=${example.name}` },
    })),
  ]),
  ...specFacts.responses[0]!.examples.map((example) => ({
    name: `Prefer: example=${example.name}`,
    headers: { ...AUTH, Prefer: `example=${example.name}` },
  })),
  { name: '?__code=', search: `?__code=${statuses.at(-1)}` },
  { name: '?__example=', search: `?__example=${specFacts.responses[0]!.examples.at(-1)!.name}` },
  { name: '?__code= repeated', search: `?__code=${statuses[0]}&__code=${statuses[1]}` },
  { name: 'no credentials', headers: {} },
  { name: 'a lower-case bearer', headers: { Authorization: 'bearer k' } },
  { name: 'an empty bearer token', headers: { Authorization: 'Bearer ' } },
  { name: 'basic credentials', headers: { Authorization: 'Basic a2V5' } },
  {
    name: 'no credentials, Prefer: code=401 with a named example',
    headers: {
      Prefer: `code=401, example=${specFacts.responses.find((r) => r.status === '401')!.examples.at(-1)!.name}`,
    },
  },
  { name: 'no credentials, Prefer: code=429', headers: { Prefer: 'code=429' } },
  { name: 'no credentials, Prefer: example=nosuch', headers: { Prefer: 'example=nosuchexample' } },
  { name: 'Prefer: code=abc', headers: { ...AUTH, Prefer: 'code=abc' } },
  { name: 'Prefer: dynamic (no value)', headers: { ...AUTH, Prefer: 'dynamic' } },
  { name: 'Prefer: code=2000, dynamic=yes, example', headers: { ...AUTH, Prefer: 'code=2000, dynamic=yes, example' } },
  { name: 'Prefer: code=000', headers: { ...AUTH, Prefer: 'code=000' } },
  { name: 'Prefer: code="429"; x=y', headers: { ...AUTH, Prefer: 'code="429"; x=y' } },
  { name: 'Prefer: code=418', headers: { ...AUTH, Prefer: 'code=418' } },
  { name: 'Prefer: example=nosuchexample', headers: { ...AUTH, Prefer: 'example=nosuchexample' } },
  { name: 'Prefer: code=200, example=nosuchexample', headers: { ...AUTH, Prefer: 'code=200, example=nosuchexample' } },
  { name: 'Accept: text/html with Prefer: code=429', headers: { ...AUTH, Accept: 'text/html', Prefer: 'code=429' } },
  { name: 'GET', method: 'GET', parts: null },
  { name: 'DELETE', method: 'DELETE', parts: null },
  { name: 'a trailing slash', path: `${wireContract.path}/` },
  { name: 'not multipart', parts: null, headers: { ...AUTH, 'Content-Type': 'application/json' } },
  { name: 'n=11', parts: minimalWith({ name: 'n', value: '11' }) },
  { name: 'no image', parts: withoutImages() },
  { name: 'an image as a text part', parts: [...withoutImages(), { name: image, value: 'cat.png' }] },
  {
    name: 'an image that is text',
    parts: [...withoutImages(), { name: image, value: 'hello', filename: 'a.png', contentType: 'image/png' }],
  },
  {
    name: 'an image with no Content-Type of its own',
    parts: [...withoutImages(), { name: image, value: imageOf('image/png'), filename: 'a.png' }],
  },
  {
    name: 'retry is not JSON',
    parts: minimalWith({ name: 'retry', value: '{count:', contentType: 'application/json' }),
  },
  {
    name: 'a field twice, an unknown field, a bad enum',
    parts: minimalWith(
      { name: 'model', value: 'again' },
      { name: 'style', value: 'x' },
      { name: 'quality', value: 'ultra' },
    ),
  },
  {
    name: 'a file under an unknown name',
    parts: minimalWith({ name: 'mask', value: imageOf('image/png'), filename: 'm.png', contentType: 'image/png' }),
  },
  {
    name: '2,000 invalid fallbacks',
    parts: minimalWith({
      name: 'fallbacks',
      value: JSON.stringify(Array(2_000).fill({})),
      contentType: 'application/json',
    }),
  },
  {
    name: '130,000 fallbacks',
    parts: minimalWith({
      name: 'fallbacks',
      value: `[${Array(130_000).fill('1').join(',')}]`,
      contentType: 'application/json',
    }),
  },
];

function request(c: Case) {
  const parts = c.parts === undefined ? minimalParts() : c.parts;
  const base = parts === null ? { body: null, headers: c.headers ?? AUTH } : withParts(parts, c.headers ?? AUTH);
  if (parts === null && c.headers) base.headers = c.headers;
  return { method: c.method, path: c.path, search: c.search, ...base };
}

describe('the MSW handlers respond as the Node mock does', () => {
  it('has a case for every documented status and named example', () => {
    for (const response of specFacts.responses)
      for (const example of response.examples)
        expect(cases.map((c) => c.name)).toContain(`Prefer: code=${response.status}, example=${example.name}`);
  });

  it.each(cases)('$name', async (c) => {
    const [node, msw] = [await send(inject('mockUrl'), request(c)), await send(MSW_BASE, request(c))];
    expect(msw.status, msw.text.slice(0, 300)).toBe(node.status);
    expect(msw.headers).toEqual(node.headers);
    expect(comparable(msw, MSW_BASE)).toEqual(comparable(node, inject('mockUrl')));
  });

  it('Prefer: dynamic=true: both respond 200 with bodies the schema accepts', async () => {
    const responses: Seen[] = [];
    for (let i = 0; i < 3; i++)
      for (const base of [inject('mockUrl'), MSW_BASE])
        responses.push(await send(base, request({ name: 'dynamic', headers: { ...AUTH, Prefer: 'dynamic=true' } })));
    for (const response of responses) {
      expect(response.status).toBe(200);
      expect(validateImageEditResponse(response.body), response.text.slice(0, 300)).toBe(true);
    }
  });

  it('Prefer: code=<status>, dynamic=true: both respond with that status and a body the schema accepts', async () => {
    for (const status of statuses.filter((s) => s !== '200')) {
      for (const base of [inject('mockUrl'), MSW_BASE]) {
        const response = await send(
          base,
          request({ name: 'dynamic', headers: { ...AUTH, Prefer: `code=${status}, dynamic=true` } }),
        );
        expect(response.status).toBe(Number(status));
        expect(validateErrorResponse(response.body)).toBe(true);
      }
    }
  });
});
