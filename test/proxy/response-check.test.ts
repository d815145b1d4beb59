/**
 * The one response check of the proxy, the server check and the cassettes (src/contract/response-check.ts): every
 * documented example passes it untouched, and each way a live response can depart from the spec is named as drift
 * (field, what the spec says, what came), checked against the generated validators and spec facts.
 */
import { describe, expect, it } from 'vitest';
import { checkResponse, type ReceivedResponse } from '../../src/contract/response-check.js';
import { responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const urlBody = responses['200']!.content['application/json']!.examples['url']!.value;
const json = { 'content-type': 'application/json' };
const received = (status: number, body: unknown, headers: ReceivedResponse['headers'] = json): ReceivedResponse => ({
  status,
  headers,
  text: typeof body === 'string' ? body : JSON.stringify(body),
});

describe('checkResponse', () => {
  it('passes every named example of every documented status, with its declared headers', () => {
    for (const [status, response] of Object.entries(responses)) {
      const headers: Record<string, string> = { ...json };
      for (const name of Object.keys(response.headers)) headers[name.toLowerCase()] = '2';
      for (const [name, example] of Object.entries(response.content['application/json']?.examples ?? {})) {
        expect(checkResponse(received(Number(status), example.value, headers)).drift, `${status} ${name}`).toEqual([]);
      }
    }
  });

  it.each([
    [
      'an undocumented status',
      received(418, { error: { message: 'teapot' } }),
      [{ field: 'status', expected: expect.stringMatching(/^one of 200, 400, .*504$/), received: '418' }],
    ],
    [
      'a missing required field',
      received(200, { data: okBody.data }),
      [{ field: 'body.created', expected: 'required', received: 'missing' }],
    ],
    [
      'a type change',
      received(200, { ...okBody, created: String(okBody.created) }),
      [{ field: 'body.created', expected: 'type integer', received: JSON.stringify(String(okBody.created)) }],
    ],
    [
      'an image with both url and b64_json',
      received(200, { ...okBody, data: [{ ...okBody.data[0], url: urlBody.data[0].url }] }),
      [{ field: 'body.data[0]', expected: 'b64_json or url, not both', received: expect.stringContaining('"url":') }],
    ],
    [
      'a 413 with an HTML body',
      received(413, '<html><title>413 Request Entity Too Large</title></html>', { 'content-type': 'text/html' }),
      [
        { field: 'headers.content-type', expected: 'application/json', received: '"text/html"' },
        { field: 'body', expected: 'JSON (application/json)', received: expect.stringContaining('<html><title>413') },
      ],
    ],
    [
      'a Retry-After that is neither seconds nor a date',
      received(429, responses['429']!.content['application/json']!.examples['rate_limit_exceeded']!.value, {
        ...json,
        'retry-after': 'soon',
      }),
      [{ field: 'headers.retry-after', expected: expect.stringMatching(/^pattern /), received: '"soon"' }],
    ],
  ])('%s is named as drift', (_name, received, expected) => {
    expect(checkResponse(received).drift).toEqual(expected);
  });

  it('an image not in the form response_format asked for is drift; with no response_format either form is fine', () => {
    expect(checkResponse(received(200, urlBody), { responseFormat: 'b64_json' }).drift).toEqual([
      { field: 'body.data[0].b64_json', expected: 'required (response_format b64_json)', received: 'missing' },
      { field: 'body.data[1].b64_json', expected: 'required (response_format b64_json)', received: 'missing' },
    ]);
    expect(checkResponse(received(200, urlBody)).drift).toEqual([]);
  });

  it('reads headers whatever the case of their names (a recorded response, a hand-written record)', () => {
    const tooMany = responses['429']!;
    const [example] = Object.values(tooMany.content['application/json']!.examples);
    const headers: Record<string, string> = { 'Content-Type': 'application/json' };
    for (const name of Object.keys(tooMany.headers)) headers[name.toUpperCase()] = '2';
    expect(checkResponse(received(429, example!.value, headers)).drift).toEqual([]);
    expect(checkResponse(received(200, okBody, { 'CONTENT-TYPE': ['application/json'] })).drift).toEqual([]);
  });
});
