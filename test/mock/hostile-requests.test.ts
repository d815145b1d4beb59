/**
 * Hostile requests get small, typed 4xx responses, never a 5xx the request did not ask for, a stall or a crash:
 * a JSON part of a hundred thousand items (the issues reported and the work done are capped), an example or status
 * the spec does not have, a request line that names no URL, and any head at all (fuzzed). And a file part with no
 * Content-Type of its own (what Python's requests sends) is checked by its bytes.
 */
import net from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../generated/validators.js';
import { imageField, wireContract, specFacts } from '../../src/contract/spec.js';
import { AUTH, endpoint, imageOf, minimalParts, mockUrl, multipart, postParts } from './support.js';

const image = imageField.name;
const jsonField = Object.keys(wireContract.fields).find(
  (name) => wireContract.fields[name]!.part === 'json' && wireContract.fields[name]!.types.includes('array'),
)!;

describe('a JSON part of a hundred thousand items', () => {
  it(`130,000 invalid ${jsonField} items → a small 400 naming ${jsonField}, not a 500`, async () => {
    const response = await postParts([
      ...minimalParts(),
      { name: jsonField, value: `[${Array(130_000).fill('1').join(',')}]`, contentType: 'application/json' },
    ]);
    expect(response.status, response.text.slice(0, 300)).toBe(400);
    expect(response.text.length).toBeLessThan(16_000);
    expect(validateErrorResponse(response.body)).toBe(true);
    expect(response.body.error.details.issues.map((issue: { field: string }) => issue.field)).toContain(jsonField);
  });

  it('2,000 invalid items (within the work budget) → the first issues named, the rest counted', async () => {
    const response = await postParts([
      ...minimalParts(),
      { name: jsonField, value: JSON.stringify(Array(2_000).fill({})), contentType: 'application/json' },
    ]);
    expect(response.status).toBe(400);
    const { issues, omitted_issues: omitted } = response.body.error.details;
    expect(issues.length).toBeGreaterThan(0);
    expect(issues.length).toBeLessThanOrEqual(20);
    expect(issues.length + omitted).toBe(2_000);
    expect(response.body.error.message).toMatch(new RegExp(`; and ${omitted} more issues$`));
    expect(response.text.length).toBeLessThan(16_000);
  });

  it('ten at once are all refused, and the mock goes on responding', { timeout: 60_000 }, async () => {
    const huge = {
      name: jsonField,
      value: `[${Array(100_000).fill('{"x":1}').join(',')}]`,
      contentType: 'application/json',
    };
    const responses = await Promise.all(Array.from({ length: 10 }, () => postParts([...minimalParts(), huge])));
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(400));
    expect((await postParts(minimalParts())).status).toBe(200);
  });
});

describe('no request gets a 5xx unless it asks for one', () => {
  it('Prefer: code=200, example=nosuchexample → 404 naming the example (as the README says)', async () => {
    for (const prefer of [
      'code=200, example=nosuchexample',
      'example=nosuchexample',
      'code=429, example=nosuchexample',
    ]) {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: prefer });
      expect(response.status, `${prefer}: ${response.text}`).toBe(404);
      expect(response.body.detail).toContain('nosuchexample');
    }
  });

  it('Accept: text/html with a forced code still gets that code (the service responds with JSON whatever Accept says)', async () => {
    const response = await postParts(minimalParts(), { ...AUTH, Accept: 'text/html', Prefer: 'code=429' });
    expect(response.status).toBe(429);
    expect(validateErrorResponse(response.body)).toBe(true);
  });

  it('a request line that names no URL (GET http://[::) → 400', async () => {
    const { hostname, port } = new URL(mockUrl());
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), hostname, () =>
        socket.write('GET http://[:: HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'),
      );
      let text = '';
      socket.setTimeout(10_000, () => socket.destroy(new Error('no response in 10 s')));
      socket.on('data', (chunk) => {
        text += chunk.toString('latin1');
        if (text.length > 64 * 1024) socket.destroy();
      });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(validateErrorResponse(JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)))).toBe(true);
  });

  it('fuzz: any method, path, Prefer, query keys, Accept, Authorization and Content-Type → < 500 unless that code was asked for', {
    timeout: 120_000,
  }, async () => {
    const statuses = specFacts.responses.map((response) => response.status);
    const examples = specFacts.responses.flatMap((response) => response.examples.map((example) => example.name));
    const junk = fc.oneof(fc.constantFrom('', '"', '000', '99', 'nosuch', 'true'), fc.string({ maxLength: 8 }));
    // Each preference Prism reads, absent, well-formed or not, plus one it does not read, in any order.
    const prefer = fc
      .record({
        code: fc.option(fc.oneof(fc.constantFrom(...statuses), junk)),
        example: fc.option(fc.oneof(fc.constantFrom(...examples), junk)),
        dynamic: fc.option(fc.oneof(fc.constantFrom('true', 'false'), junk)),
        other: fc.option(fc.constantFrom('respond-async', 'wait=5', 'x', 'CODE=200', 'seed')),
        separator: fc.constantFrom(', ', ',', '; '),
      })
      .chain(({ separator, other, ...keys }) => {
        const list = Object.entries(keys).flatMap(([key, value]) =>
          value === null ? [] : [value === '' ? key : `${key}=${value}`],
        );
        return fc
          .shuffledSubarray(other === null ? list : [...list, other], { minLength: list.length })
          .map((shuffled) => shuffled.join(separator));
      });
    const token = fc.oneof(fc.constantFrom(...statuses, ...examples), junk);
    // Mostly requests that reach the response (POST, the operation's path, a bearer token, a valid body), so the Prefer
    // combinations are what varies.
    const usually = <T>(common: T, ...others: T[]) =>
      fc.oneof({ arbitrary: fc.constant(common), weight: 4 }, fc.constantFrom(common, ...others));
    const head = fc.record({
      method: usually('POST', 'GET', 'PUT', 'DELETE', 'PATCH', 'HEAD'),
      path: usually(wireContract.path, `${wireContract.path}/`, '/', '/v2/other', `${wireContract.path}%20`),
      prefer: fc.option(prefer, { freq: 4 }),
      query: fc.option(
        fc.array(fc.tuple(fc.constantFrom('__code', '__example', '__dynamic', '__seed'), token), { maxLength: 3 }),
      ),
      accept: fc.option(
        fc.constantFrom('text/html', 'image/png', '*/*', 'application/json', 'application/xml;q=0.9', ''),
      ),
      authorization: usually<string | null>('Bearer k', 'bearer k', 'Bearer ', 'Basic a2V5', 'Bearer\tk', '', null),
      body: usually('valid', 'json', 'none'),
    });
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(head, async (h) => {
        runs++;
        const url = new URL(h.path, mockUrl());
        for (const [key, value] of h.query ?? []) url.searchParams.append(key, value);
        const headers: Record<string, string> = {};
        if (h.prefer !== null) headers.Prefer = h.prefer;
        if (h.accept !== null) headers.Accept = h.accept;
        if (h.authorization !== null) headers.Authorization = h.authorization;
        let body: BodyInit | undefined;
        if (h.method !== 'GET' && h.method !== 'HEAD' && h.body !== 'none') {
          const form =
            h.body === 'valid' ? multipart(minimalParts()) : { body: '{"model":"m"}', contentType: 'application/json' };
          body = form.body;
          headers['Content-Type'] = form.contentType;
        }
        const response = await fetch(url, {
          method: h.method,
          headers,
          body: h.method === 'GET' || h.method === 'HEAD' ? null : (body ?? null),
          redirect: 'error',
        });
        const received = { status: response.status, text: await response.text() };
        const asked = `${h.prefer ?? ''} ${url.search}`;
        if (received.status >= 500)
          expect(asked, `${received.status} ${received.text.slice(0, 200)}`).toContain(String(received.status));
      }),
      { numRuns: 200 },
    );
    expect(runs).toBe(200);
  });
});

describe('a file part with no Content-Type of its own (Python requests, files=) is checked by its bytes', () => {
  it('a PNG → 200', async () => {
    const parts = minimalParts().map((part) =>
      part.filename === undefined ? part : { name: part.name, value: imageOf('image/png'), filename: 'cat.png' },
    );
    const response = await postParts(parts);
    expect(response.status, response.text).toBe(200);
  });

  it('text bytes → 400 naming the image, for its bytes', async () => {
    const parts = minimalParts().map((part) =>
      part.filename === undefined ? part : { name: part.name, value: 'hello, not a picture', filename: 'cat.png' },
    );
    const response = await postParts(parts);
    expect(response.status).toBe(400);
    expect(response.body.error.details.issues).toEqual([
      expect.objectContaining({ field: `${image}[0]`, message: expect.stringContaining('signature') }),
    ]);
  });
});

it('the endpoint under test is the mock of the suite', () => {
  expect(endpoint()).toBe(`${mockUrl()}${wireContract.path}`);
});
