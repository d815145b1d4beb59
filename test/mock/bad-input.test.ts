/**
 * Every invalid request is refused with the status the spec documents for it (400, or 413 for size) and a body
 * that passes validateErrorResponse and names the offending field, in the message and in details. Bad values are
 * derived from the spec's own limits and enums, so the table follows the spec when it changes.
 */
import { describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../generated/validators.js';
import { imageField, maxRequestBodyBytes, wireContract } from '../../src/contract/spec.js';
import { makeJpegHead } from '../support/images.js';
import { responses } from '../support/spec.js';
import { AUTH, imageOf, minimalParts, post, postParts, requestSchema, type Part } from './support.js';

const image = imageField.name;
const { maxItems, mediaTypes } = imageField.limits;
const png = () => imageOf('image/png');
const pngPart = (name: string = image): Part => ({ name, value: png(), filename: 'a.png', contentType: 'image/png' });

/** The minimal valid request with `field` replaced by `parts` (or removed when none). */
function replacing(field: string, ...parts: Part[]): Part[] {
  const kept = minimalParts().filter((part) => part.name !== field);
  return [...kept, ...parts];
}
const text = (name: string, value: string, contentType?: string): Part => ({
  name,
  value,
  ...(contentType ? { contentType } : {}),
});
const json = (name: string, value: unknown): Part => ({
  name,
  value: JSON.stringify(value),
  contentType: wireContract.fields[name]!.part === 'json' ? 'application/json' : undefined,
});

const n = requestSchema('n');
const count = requestSchema('retry.count');
const onCode = requestSchema('retry.on_codes');
const ttl = requestSchema('cache.ttl');
const weight = requestSchema('load_balancer.models.weight');
const callTimeout = requestSchema('timeout.call_timeout');
/** The room the spec's whole-body limit leaves beside the files. */
const maxTextBytes = maxRequestBodyBytes - maxItems * imageField.limits.maxBytes;
const validCache = { type: requestSchema('cache.type').enum[0] };
const validBalancer = { type: requestSchema('load_balancer.type').enum[0] };
const aTextField = Object.keys(wireContract.fields).find(
  (name) =>
    wireContract.fields[name]!.part === 'text' &&
    !wireContract.required.includes(name) &&
    requestSchema(name).enum === undefined &&
    !requestSchema(name).type.includes?.('integer'),
)!;

interface Case {
  name: string;
  parts: Part[];
  status: number;
  field: string;
}

const cases: Case[] = [
  { name: 'model missing', parts: replacing('model'), status: 400, field: 'model' },
  { name: 'prompt missing', parts: replacing('prompt'), status: 400, field: 'prompt' },
  { name: 'model empty', parts: replacing('model', text('model', '')), status: 400, field: 'model' },
  { name: 'prompt empty', parts: replacing('prompt', text('prompt', '')), status: 400, field: 'prompt' },
  { name: 'model sent twice', parts: [...minimalParts(), text('model', 'x/y')], status: 400, field: 'model' },
  {
    name: 'model sent as a file',
    parts: replacing('model', { name: 'model', value: 'x/y', filename: 'model.txt', contentType: 'text/plain' }),
    status: 400,
    field: 'model',
  },
  { name: 'image missing', parts: replacing(image), status: 400, field: image },
  { name: 'image sent as a text part', parts: replacing(image, text(image, 'cat.png')), status: 400, field: image },
  {
    name: `${maxItems + 1} images`,
    parts: replacing(image, ...Array.from({ length: maxItems + 1 }, () => pngPart())),
    status: 400,
    field: image,
  },
  {
    name: `${maxItems + 1} images as image[]`,
    parts: replacing(image, ...Array.from({ length: maxItems + 1 }, () => pngPart(`${image}[]`))),
    status: 400,
    field: image,
  },
  {
    name: 'image is text bytes',
    parts: replacing(image, { name: image, value: 'hello', filename: 'cat.png', contentType: 'image/png' }),
    status: 400,
    field: `${image}[0]`,
  },
  {
    name: 'image is empty',
    parts: replacing(image, { name: image, value: '', filename: 'cat.png', contentType: 'image/png' }),
    status: 400,
    field: `${image}[0]`,
  },
  {
    name: 'image is a GIF',
    parts: replacing(image, {
      name: image,
      value: 'GIF89a\x01\x00\x01\x00',
      filename: 'cat.gif',
      contentType: 'image/gif',
    }),
    status: 400,
    field: `${image}[0]`,
  },
  {
    name: 'second image is not an image',
    parts: replacing(image, pngPart(), { name: image, value: '%PDF-1.7', filename: 'b.png', contentType: 'image/png' }),
    status: 400,
    field: `${image}[1]`,
  },
  {
    name: 'image declared application/pdf',
    parts: replacing(image, { name: image, value: png(), filename: 'cat.png', contentType: 'application/pdf' }),
    status: 400,
    field: `${image}[0]`,
  },
  {
    name: 'image[] with bad bytes',
    parts: replacing(image, { name: `${image}[]`, value: 'nope', filename: 'x.jpg', contentType: mediaTypes[1]! }),
    status: 400,
    field: `${image}[0]`,
  },
  {
    name: 'n below its minimum',
    parts: [...minimalParts(), text('n', String(n.minimum - 1))],
    status: 400,
    field: 'n',
  },
  {
    name: 'n above its maximum',
    parts: [...minimalParts(), text('n', String(n.maximum + 1))],
    status: 400,
    field: 'n',
  },
  { name: 'n not an integer', parts: [...minimalParts(), text('n', '1.5')], status: 400, field: 'n' },
  { name: 'n not a number', parts: [...minimalParts(), text('n', 'two')], status: 400, field: 'n' },
  {
    name: 'quality outside its enum',
    parts: [...minimalParts(), text('quality', 'ultra')],
    status: 400,
    field: 'quality',
  },
  {
    name: 'response_format outside its enum',
    parts: [...minimalParts(), text('response_format', 'png')],
    status: 400,
    field: 'response_format',
  },
  { name: 'size empty', parts: [...minimalParts(), text('size', '')], status: 400, field: 'size' },
  {
    name: 'a field the spec does not have',
    parts: [...minimalParts(), text('style', 'vivid')],
    status: 400,
    field: 'style',
  },
  {
    name: 'a file field the spec does not have',
    parts: [...minimalParts(), { name: 'mask', value: png(), filename: 'mask.png', contentType: 'image/png' }],
    status: 400,
    field: 'mask',
  },
  {
    name: 'retry is not JSON',
    parts: [...minimalParts(), text('retry', '{count: 2}', 'application/json')],
    status: 400,
    field: 'retry',
  },
  {
    name: 'retry is not JSON (no Content-Type)',
    parts: [...minimalParts(), text('retry', '{"count":')],
    status: 400,
    field: 'retry',
  },
  {
    name: 'retry is an array',
    parts: [...minimalParts(), json('retry', [count.minimum])],
    status: 400,
    field: 'retry',
  },
  {
    name: 'retry.count below its minimum',
    parts: [...minimalParts(), json('retry', { count: count.minimum - 1 })],
    status: 400,
    field: 'retry.count',
  },
  {
    name: 'retry.count above its maximum',
    parts: [...minimalParts(), json('retry', { count: count.maximum + 1 })],
    status: 400,
    field: 'retry.count',
  },
  {
    name: 'retry.on_codes empty',
    parts: [...minimalParts(), json('retry', { on_codes: [] })],
    status: 400,
    field: 'retry.on_codes',
  },
  {
    name: 'retry.on_codes[0] below its minimum',
    parts: [...minimalParts(), json('retry', { on_codes: [onCode.items.minimum - 1] })],
    status: 400,
    field: 'retry.on_codes[0]',
  },
  {
    name: 'retry has an unknown key',
    parts: [...minimalParts(), json('retry', { backoff: 2 })],
    status: 400,
    field: 'retry.backoff',
  },
  {
    name: 'cache.type missing',
    parts: [...minimalParts(), json('cache', { ttl: ttl.minimum })],
    status: 400,
    field: 'cache.type',
  },
  {
    name: 'cache.type outside its enum',
    parts: [...minimalParts(), json('cache', { type: 'fuzzy' })],
    status: 400,
    field: 'cache.type',
  },
  {
    name: 'cache.ttl above its maximum',
    parts: [...minimalParts(), json('cache', { ...validCache, ttl: ttl.maximum + 1 })],
    status: 400,
    field: 'cache.ttl',
  },
  {
    name: 'fallbacks is one object, not an array',
    parts: [...minimalParts(), json('fallbacks', { model: 'openai/dall-e-2' })],
    status: 400,
    field: 'fallbacks',
  },
  {
    name: 'fallbacks[0].model missing',
    parts: [...minimalParts(), json('fallbacks', [{}])],
    status: 400,
    field: 'fallbacks[0].model',
  },
  {
    name: 'load_balancer.models missing',
    parts: [...minimalParts(), json('load_balancer', validBalancer)],
    status: 400,
    field: 'load_balancer.models',
  },
  {
    name: 'load_balancer weight above its maximum',
    parts: [
      ...minimalParts(),
      json('load_balancer', { ...validBalancer, models: [{ model: 'a/b', weight: weight.maximum + 1 }] }),
    ],
    status: 400,
    field: 'load_balancer.models[0].weight',
  },
  {
    name: 'timeout.call_timeout missing',
    parts: [...minimalParts(), json('timeout', {})],
    status: 400,
    field: 'timeout.call_timeout',
  },
  {
    name: 'timeout.call_timeout below its minimum',
    parts: [...minimalParts(), json('timeout', { call_timeout: callTimeout.minimum - 1 })],
    status: 400,
    field: 'timeout.call_timeout',
  },
  {
    name: 'orq.prompt.version missing',
    parts: [...minimalParts(), json('orq', { prompt: { id: 'p' } })],
    status: 400,
    field: 'orq.prompt.version',
  },
  {
    name: 'orq.identity.email not an e-mail',
    parts: [...minimalParts(), json('orq', { identity: { id: 'u', email: 'not-an-email' } })],
    status: 400,
    field: 'orq.identity.email',
  },
  {
    name: 'orq has an unknown key',
    parts: [...minimalParts(), json('orq', { routing: true })],
    status: 400,
    field: 'orq.routing',
  },
  {
    name: `${aTextField} over the text-part limit`,
    parts: [...minimalParts(), text(aTextField, 'x'.repeat(maxTextBytes + 1))],
    status: 413,
    field: aTextField,
  },
  {
    name: 'text parts over their limit together',
    parts: [
      ...minimalParts(),
      text(aTextField, 'x'.repeat(maxTextBytes / 2)),
      text('user', 'y'.repeat(maxTextBytes / 2)),
    ],
    status: 413,
    field: 'user',
  },
];

describe('bad input', () => {
  it('has at least 30 cases, each with a documented status and a field of the spec (or a named extra)', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    for (const c of cases) expect(Object.keys(responses), c.name).toContain(String(c.status));
  });

  it.each(cases)('$name → $status naming $field', async ({ parts, status, field }) => {
    const response = await postParts(parts);
    expect(response.status, response.text).toBe(status);
    expect(validateErrorResponse(response.body), JSON.stringify(validateErrorResponse.errors)).toBe(true);
    expect(response.body.error.code).toBe(
      (Object.values(responses[String(status)]!.content['application/json']!.examples)[0]!.value as any).error.code,
    );
    expect(response.body.error.message).toContain(`${field}:`);
    expect(response.body.error.details.issues.map((issue: { field: string }) => issue.field)).toContain(field);
  });

  it('names every offending field at once, each with its limit', async () => {
    const response = await postParts([
      ...replacing('prompt'),
      text('n', String(n.maximum + 1)),
      json('retry', { count: count.maximum + 1 }),
      { name: image, value: makeJpegHead().subarray(0, 2), filename: 'b.jpg', contentType: 'image/jpeg' },
    ]);
    expect(response.status).toBe(400);
    const fields = response.body.error.details.issues.map((issue: { field: string }) => issue.field);
    expect(fields).toEqual(expect.arrayContaining(['prompt', 'n', 'retry.count', `${image}[1]`]));
    expect(response.body.error.message).toContain(`<= ${n.maximum}`);
    expect(response.body.error.message).toContain(`<= ${count.maximum}`);
  });

  it('a body that is not multipart/form-data → 400 naming the body', async () => {
    const response = await post(JSON.stringify({ model: 'a/b', prompt: 'p' }), {
      ...AUTH,
      'Content-Type': 'application/json',
    });
    expect(response.status).toBe(400);
    expect(validateErrorResponse(response.body)).toBe(true);
    expect(response.body.error.message).toContain(wireContract.mediaType);
  });

  it('valid JSON parts are accepted with and without their own Content-Type, and PNG/JPEG/WebP all pass', async () => {
    const every = [
      json('retry', { count: count.maximum, on_codes: [onCode.items.minimum, onCode.items.maximum] }),
      text('cache', JSON.stringify({ ...validCache, ttl: ttl.maximum })),
      ...mediaTypes.map((type, i) => ({
        name: image,
        value: imageOf(type, i),
        filename: `f${i}`,
        contentType: i === 0 ? 'application/octet-stream' : type,
      })),
    ];
    const response = await postParts([...replacing(image), ...every]);
    expect(response.status, response.text).toBe(200);
  });
});
