/**
 * Credentials are checked by Prism against the spec's security scheme (HTTP bearer; the word `Bearer` is
 * case-sensitive) and refused with the spec's 401 body; a page on another origin may call the mock.
 */
import { describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../generated/validators.js';
import { responses } from '../support/spec.js';
import { endpoint, minimalParts, multipart, postParts } from './support.js';

const unauthorizedBodies = Object.values(responses['401']!.content['application/json']!.examples).map(
  (example) => example.value,
);

describe('credentials', () => {
  it.each([
    ['no Authorization header', {}],
    ['an empty bearer token', { Authorization: 'Bearer ' }],
    ['lower-case "bearer"', { Authorization: 'bearer key' }],
    ['Basic credentials', { Authorization: 'Basic dXNlcjpwYXNz' }],
    ['a bare token', { Authorization: 'key' }],
  ])('%s → 401 with a body from the spec', async (_name, headers: Record<string, string>) => {
    const response = await postParts(minimalParts(), headers);
    expect(response.status).toBe(401);
    expect(validateErrorResponse(response.body)).toBe(true);
    expect(unauthorizedBodies).toContainEqual(response.body);
  });

  it('is checked before the body is read: a 401 arrives for an upload that never ends', async () => {
    const { body, contentType } = multipart(minimalParts());
    const controller = new AbortController();
    // A stream that sends the first part and then stalls.
    const stalled = new ReadableStream<Uint8Array>({
      start(streamController) {
        streamController.enqueue(body.subarray(0, 100));
      },
    });
    const response = await fetch(endpoint(), {
      method: 'POST',
      body: stalled,
      headers: { 'Content-Type': contentType },
      duplex: 'half',
      signal: controller.signal,
    } as RequestInit);
    expect(response.status).toBe(401);
    controller.abort();
  });

  it('Prefer can pick the other documented 401 bodies', async () => {
    const names = Object.keys(responses['401']!.content['application/json']!.examples);
    for (const name of names) {
      const response = await postParts(minimalParts(), {
        Authorization: 'Bearer key',
        Prefer: `code=401, example=${name}`,
      });
      expect(response.status).toBe(401);
      expect(response.body).toEqual(responses['401']!.content['application/json']!.examples[name]!.value);
    }
  });
});

describe('CORS', () => {
  const origin = 'http://frontend.example:5173';

  it('a preflight from a foreign origin is allowed, with the headers a client sends', async () => {
    const response = await fetch(endpoint(), {
      method: 'OPTIONS',
      headers: {
        Origin: origin,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,content-type,prefer',
      },
    });
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe(origin);
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = response.headers.get('access-control-allow-headers')!.toLowerCase();
    for (const header of ['authorization', 'content-type', 'prefer']) expect(allowed).toContain(header);
  });

  it('the actual request carries the origin and exposes its headers, errors included', async () => {
    for (const prefer of [undefined, 'code=429']) {
      const response = await postParts(minimalParts(), {
        Authorization: 'Bearer key',
        Origin: origin,
        ...(prefer ? { Prefer: prefer } : {}),
      });
      expect(response.headers.get('access-control-allow-origin')).toBe(origin);
      expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain('content-type');
    }
    const refused = await postParts(minimalParts(), { Origin: origin });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(origin);
  });
});
