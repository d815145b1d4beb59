/**
 * Drift in a live response never costs a paid result: a 200 whose images are usable is the result even when other
 * fields depart from the spec, and each departure is reported as drift (field, what the spec says, what came) on
 * `result.drift` and through `onDrift`. `strictResponses` restores the throwing; a response that departs from the
 * spec with no usable image is still an error. Against a real local server; departures checked by the generated
 * validator, bodies built from the spec's own example.
 */
import { describe, expect, it } from 'vitest';
import {
  ResponseValidationError,
  createImageEditClient,
  describeDrift,
  type Drift,
  type ImageEditClientOptions,
} from '../../src/index.js';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const KEY = 'sk-drift-SECRET-4b7d1e0a9c3f';
const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value as any;
const { input_tokens_details: _dropped, ...partialUsage } = okBody.usage;
/** A shape other providers behind the router may send: usage without input_tokens_details. */
const partialUsageBody = { ...okBody, usage: partialUsage };
const stringCreatedBody = { ...okBody, created: String(okBody.created) };
const request = { model: 'openai/gpt-image-1', prompt: 'Add a hat', image: makePng(8, 8) };

const { serve } = serversClosedAfterEach();
const client = (url: string, options: Partial<ImageEditClientOptions> = {}) =>
  createImageEditClient({ apiKey: KEY, baseUrl: url, maxRetries: 0, ...options });
const fail = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );

describe('a 200 with usable images that departs from the spec', () => {
  it.each([
    [
      'usage without input_tokens_details',
      partialUsageBody,
      { field: 'body.usage.input_tokens_details', expected: 'required', received: 'missing' },
    ],
    [
      'created as a string',
      stringCreatedBody,
      { field: 'body.created', expected: 'type integer', received: JSON.stringify(String(okBody.created)) },
    ],
  ])('%s: the result, exactly as sent, with the departure as drift and onDrift told', async (_name, body, expected) => {
    const server = await serve(() => ({ status: 200, body }));
    const heard: (readonly Drift[])[] = [];
    const result = await client(server.url, { onDrift: (drift) => heard.push(drift) }).edit(request);
    expect(result.drift).toEqual([expected]);
    expect(heard).toEqual([[expected]]);
    // Nothing of the paid result is lost or changed, and drift does not serialise into it.
    expect(JSON.parse(JSON.stringify(result))).toEqual(body);
    expect(result.data[0]!.b64_json).toBe(okBody.data[0].b64_json);
    expect(describeDrift(result.drift[0]!)).toBe(
      `${expected.field}: the spec says ${expected.expected}, received ${expected.received}`,
    );
  });

  it('strictResponses (client or call) throws ResponseValidationError as before; a call can turn it off again', async () => {
    const server = await serve(() => ({ status: 200, body: partialUsageBody }));
    const strict = client(server.url, { strictResponses: true });
    const error = (await fail(strict.edit(request))) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.issues).toEqual([{ field: 'body.usage.input_tokens_details', message: 'is required' }]);
    expect(await fail(client(server.url).edit(request, { strictResponses: true }))).toBeInstanceOf(
      ResponseValidationError,
    );
    expect((await strict.edit(request, { strictResponses: false })).drift).toHaveLength(1);
  });

  it('a conforming response has no drift and onDrift is not called', async () => {
    const server = await serve(() => ({ status: 200, body: okBody }));
    let called = false;
    const result = await client(server.url, { onDrift: () => (called = true), strictResponses: true }).edit(request);
    expect(result.drift).toEqual([]);
    expect(called).toBe(false);
  });

  it('one usable image among broken ones: the result, each broken image named as drift', async () => {
    const body = {
      created: okBody.created,
      data: [{ b64_json: 'not base64!' }, {}, okBody.data[0], { url: 'no scheme' }],
    };
    const server = await serve(() => ({ status: 200, body }));
    const result = await client(server.url).edit(request);
    expect(result.drift).toEqual([
      { field: 'body.data[0].b64_json', expected: 'base64 image data', received: '"not base64!"' },
      { field: 'body.data[1]', expected: 'b64_json or url', received: '{}' },
      { field: 'body.data[3].url', expected: 'an absolute URL', received: '"no scheme"' },
    ]);
  });

  it('what onDrift throws is ignored: the result still arrives', async () => {
    const server = await serve(() => ({ status: 200, body: stringCreatedBody }));
    const result = await client(server.url, {
      onDrift: () => {
        throw new Error('logger down');
      },
    }).edit(request);
    expect(result.drift).toHaveLength(1);
  });

  it('the API key echoed into a drifting field is redacted from the drift (the body stays as sent)', async () => {
    const server = await serve((_i, record) => ({
      status: 200,
      body: { ...okBody, created: record.headers.authorization },
    }));
    const result = await client(server.url).edit(request);
    expect(result.drift).toEqual([
      { field: 'body.created', expected: 'type integer', received: '"Bearer [redacted]"' },
    ]);
  });
});

describe('no usable image: still an error', () => {
  it.each([
    ['b64_json that is not base64', { created: 1, data: [{ b64_json: '%%%' }] }, 'body.data[0].b64_json'],
    ['an item with neither field', { created: 1, data: [{}] }, 'body.data[0]'],
    ['no data and created a string', { created: 'now' }, 'body.data'],
  ])('%s → ResponseValidationError naming the field', async (_name, body, field) => {
    const server = await serve(() => ({ status: 200, body }));
    const error = (await fail(client(server.url).edit(request))) as ResponseValidationError;
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect(error.issues.map((issue) => issue.field)).toContain(field);
  });

  it('a b64_json of 200,000 spaces and then "!" is checked in one pass (a backtracking check took minutes)', {
    timeout: 10_000,
  }, async () => {
    const server = await serve(() => ({
      status: 200,
      body: { created: 1, data: [{ b64_json: `${' '.repeat(200_000)}!` }] },
    }));
    const error = (await fail(client(server.url).edit(request))) as ResponseValidationError;
    expect(error.issues).toEqual([{ field: 'body.data[0].b64_json', message: 'is not base64 image data' }]);
  });
});
