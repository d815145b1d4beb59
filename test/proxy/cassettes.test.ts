/**
 * The committed cassettes (test/proxy/cassettes/, recorded through the validating proxy: see record-cassettes.ts)
 * against the current spec: every recorded response still fits it, and every request a server responded to with a 2xx
 * is one the mock's check still accepts. A spec change that recorded traffic contradicts fails here, naming the
 * cassette and the field. The same cassettes replay in the MSW handlers, and hold no trace of the recording's key.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { setupServer } from 'msw/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeDrift } from '../../src/contract/issues.js';
import { parseCassette, recheckCassette, type Cassette } from '../../src/mock/core/replay.js';
import { createImageEditClient } from '../../src/index.js';
import { createImageEditHandlers } from '../../src/mock/msw.js';
import { MSW_BASE } from '../msw/support.js';
import { CASSETTES_DIR, RECORDED, RECORDING_KEY } from './record-cassettes.js';

const files = readdirSync(CASSETTES_DIR)
  .filter((name) => name.endsWith('.json'))
  .sort();
const cassettes: [string, Cassette][] = files.map((name) => [
  name,
  parseCassette(readFileSync(path.join(CASSETTES_DIR, name), 'utf8'), name),
]);

describe('the committed cassettes, checked by the current spec', () => {
  it('there are some, of each kind recorded: a rate limit, base64 and URL responses, a refusal', () => {
    expect(cassettes.map(([, cassette]) => cassette.response.status)).toEqual([429, 200, 200, 400]);
  });

  it.each(cassettes)(
    '%s: the response fits the spec, and a request that got a 2xx is one the spec accepts',
    (_name, cassette) => {
      const { requestIssues, drift } = recheckCassette(cassette);
      expect(drift.map(describeDrift)).toEqual([]);
      if (cassette.response.status < 300) expect(requestIssues).toEqual([]);
    },
  );

  it.each(files)('%s holds no trace of the key it was recorded with', (name) => {
    const text = readFileSync(path.join(CASSETTES_DIR, name), 'utf8').toLowerCase();
    expect(text).not.toContain(RECORDING_KEY.slice(0, 12).toLowerCase());
    expect(text).not.toContain('authorization');
  });

  it('the check names what a spec change would contradict (a cassette edited as a changed spec would see it)', () => {
    const [, ok] = cassettes.find(([, cassette]) => cassette.response.status === 200)!;
    const edited = structuredClone(ok);
    (edited.response.body as { created: unknown }).created = 'yesterday';
    expect(recheckCassette(edited).drift.map(describeDrift)).toEqual([
      'body.created: the spec says type integer, received "yesterday"',
    ]);
    const request = structuredClone(ok);
    request.request.parts.push({ name: 'n', value: '99' });
    expect(recheckCassette(request).requestIssues).toEqual([{ field: 'n', message: 'must be <= 10 (got 99)' }]);
  });
});

describe('replay in the MSW handlers (cassettes: the parsed files)', () => {
  const server = setupServer(
    ...createImageEditHandlers({ baseUrl: MSW_BASE, cassettes: cassettes.map(([, cassette]) => cassette) }),
  );
  beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
  afterAll(() => server.close());
  // The platform's fetch, which MSW intercepts in Node (the client's own Node transport is node:http).
  const client = createImageEditClient({
    apiKey: 'any-key',
    baseUrl: MSW_BASE,
    maxRetries: 0,
    fetch: (input, init) => fetch(input, init),
  });

  it('a recorded request gets the recorded responses in order (429, then the 200); another gets the spec example', async () => {
    const first = await client.edit(RECORDED.b64).then(
      () => 'responded',
      (error: { status?: number }) => error.status,
    );
    expect(first).toBe(429);
    const recorded200 = cassettes.find(
      ([, cassette]) =>
        cassette.response.status === 200 &&
        (cassette.response.body as { data: { b64_json?: string }[] }).data[0]!.b64_json,
    )![1];
    expect(JSON.parse(JSON.stringify(await client.edit(RECORDED.b64)))).toEqual(recorded200.response.body);
    const url = await client.edit(RECORDED.url);
    expect(url.data.map((image) => image.url)).toEqual(
      (cassettes[2]![1].response.body as { data: { url: string }[] }).data.map((image) => image.url),
    );
  });

  it('a cassette of the wrong shape is refused naming it and the field', () => {
    expect(() =>
      createImageEditHandlers({
        cassettes: [{ format: 'orq-image-edits/cassette@1', operation: 'createImageEdit', request: {} }],
      }),
    ).toThrow('cassettes[0]: request needs a method and a path');
  });
});
