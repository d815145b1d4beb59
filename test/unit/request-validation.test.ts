/**
 * The pre-flight check: every bad request is refused before sending, naming the field and the limit. Valid
 * requests built from the spec's own examples pass. Limits are read from the contract, never copied here.
 */
import { describe, expect, it, vi } from 'vitest';
import { createImageEditClient, RequestValidationError, type RequestIssue } from '../../src/index.js';
import { prepareRequest } from '../../src/client/request.js';
import { imageField } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';
import { requestExamples } from '../support/spec.js';

const png = () => new Blob([makePng(2, 2)]);
const base = () => ({ model: 'openai/gpt-image-1', prompt: 'Add a hat', image: png() });
const { maxItems, maxBytes } = imageField.limits;

async function issuesOf(request: unknown): Promise<RequestIssue[]> {
  try {
    await prepareRequest(request);
  } catch (error) {
    expect(error).toBeInstanceOf(RequestValidationError);
    return [...(error as RequestValidationError).issues];
  }
  throw new Error('expected the request to be refused');
}

describe('valid requests pass', () => {
  it.each(Object.entries(requestExamples))('the spec example %s, with real images', async (_name, example) => {
    const images = example.value.image;
    const request = { ...example.value, image: Array.isArray(images) ? images.map(() => png()) : png() };
    const prepared = await prepareRequest(request);
    expect(prepared.images).toHaveLength(Array.isArray(images) ? images.length : 1);
  });

  it(`exactly ${maxItems} images, and an image of exactly ${maxBytes} bytes`, async () => {
    await expect(prepareRequest({ ...base(), image: Array.from({ length: maxItems }, png) })).resolves.toBeTruthy();
    await expect(
      prepareRequest({ ...base(), image: new Blob([makePng(1, 1, { padTo: maxBytes })]) }),
    ).resolves.toBeTruthy();
  });

  it('null for nullable fields', async () => {
    await expect(prepareRequest({ ...base(), n: null, size: null, quality: null })).resolves.toBeTruthy();
  });
});

// [case, request change, field that must be named, words the message must contain]
const invalid: [string, (r: Record<string, unknown>) => Record<string, unknown>, string, string][] = [
  ['model missing', ({ model, ...r }) => r, 'model', 'required'],
  ['prompt missing', ({ prompt, ...r }) => r, 'prompt', 'required'],
  ['image missing', ({ image, ...r }) => r, 'image', 'required'],
  ['model empty', (r) => ({ ...r, model: '' }), 'model', 'fewer than 1'],
  ['model not a string', (r) => ({ ...r, model: 42 }), 'model', 'must be a string (got the number 42)'],
  ['n below 1', (r) => ({ ...r, n: 0 }), 'n', '>= 1'],
  ['n above 10', (r) => ({ ...r, n: 11 }), 'n', '<= 10'],
  ['n not an integer', (r) => ({ ...r, n: 1.5 }), 'n', 'integer'],
  [
    'n as text',
    (r) => ({ ...r, n: '2' }),
    'n',
    'must be an integer or null (got the string "2"; write 2, without quotes)',
  ],
  ['quality outside its enum', (r) => ({ ...r, quality: 'ultra' }), 'quality', '"auto"'],
  ['response_format outside its enum', (r) => ({ ...r, response_format: 'png' }), 'response_format', '"b64_json"'],
  [
    'response_format null (not nullable)',
    (r) => ({ ...r, response_format: null }),
    'response_format',
    'must be a string (got null)',
  ],
  ['size empty', (r) => ({ ...r, size: '' }), 'size', 'fewer than 1'],
  ['unknown field (camelCase typo)', (r) => ({ ...r, responseFormat: 'url' }), 'responseFormat', 'not a field'],
  [
    'retry not an object',
    (r) => ({ ...r, retry: '{"count":2}' }),
    'retry',
    'must be an object (got the string "{\\"count\\":2}"; give the object itself, not its JSON text)',
  ],
  ['retry.count above 5', (r) => ({ ...r, retry: { count: 6 } }), 'retry.count', '<= 5'],
  ['retry.count below 1', (r) => ({ ...r, retry: { count: 0 } }), 'retry.count', '>= 1'],
  ['retry.on_codes empty', (r) => ({ ...r, retry: { on_codes: [] } }), 'retry.on_codes', 'fewer than 1'],
  ['retry.on_codes not a status', (r) => ({ ...r, retry: { on_codes: [429, 99] } }), 'retry.on_codes[1]', '>= 100'],
  [
    'fallbacks as one bare object',
    (r) => ({ ...r, fallbacks: { model: 'openai/dall-e-2' } }),
    'fallbacks',
    'must be an array (got the object {"model":"openai/dall-e-2"})',
  ],
  ['fallbacks item without model', (r) => ({ ...r, fallbacks: [{}] }), 'fallbacks[0].model', 'required'],
  ['cache without type', (r) => ({ ...r, cache: { ttl: 60 } }), 'cache.type', 'required'],
  ['cache.type outside its enum', (r) => ({ ...r, cache: { type: 'semantic' } }), 'cache.type', '"exact_match"'],
  ['cache.ttl above 3 days', (r) => ({ ...r, cache: { type: 'exact_match', ttl: 259201 } }), 'cache.ttl', '<= 259200'],
  [
    'load_balancer without models',
    (r) => ({ ...r, load_balancer: { type: 'weight_based' } }),
    'load_balancer.models',
    'required',
  ],
  [
    'load_balancer weight 0',
    (r) => ({ ...r, load_balancer: { type: 'weight_based', models: [{ model: 'a/b', weight: 0 }] } }),
    'load_balancer.models[0].weight',
    '>= 0.001',
  ],
  [
    'load_balancer weight above 1',
    (r) => ({ ...r, load_balancer: { type: 'weight_based', models: [{ model: 'a/b', weight: 1.5 }] } }),
    'load_balancer.models[0].weight',
    '<= 1',
  ],
  ['timeout without call_timeout', (r) => ({ ...r, timeout: {} }), 'timeout.call_timeout', 'required'],
  ['timeout.call_timeout 0', (r) => ({ ...r, timeout: { call_timeout: 0 } }), 'timeout.call_timeout', '>= 1'],
  [
    'orq.prompt.version outside its enum',
    (r) => ({ ...r, orq: { prompt: { id: 'p1', version: 'v2' } } }),
    'orq.prompt.version',
    '"latest"',
  ],
  [
    'orq.identity.email not an e-mail',
    (r) => ({ ...r, orq: { identity: { id: 'c1', email: 'not-an-email' } } }),
    'orq.identity.email',
    'format "email"',
  ],
  ['orq.retry.count above 5', (r) => ({ ...r, orq: { retry: { count: 9 } } }), 'orq.retry.count', '<= 5'],
  ['orq with an unknown key', (r) => ({ ...r, orq: { routing: {} } }), 'orq.routing', 'not a field'],
  [
    `${maxItems + 1} images`,
    (r) => ({ ...r, image: Array.from({ length: maxItems + 1 }, png) }),
    'image',
    `limit of ${maxItems}`,
  ],
  ['no images in the array', (r) => ({ ...r, image: [] }), 'image', 'fewer than the minimum'],
  [
    'an image 1 byte over the limit',
    (r) => ({ ...r, image: [png(), new Blob([makePng(1, 1, { padTo: maxBytes + 1 })])] }),
    'image[1]',
    `limit of ${maxBytes}`,
  ],
  [
    'a text file named .png',
    (r) => ({ ...r, image: new File(['hello, I am text'], 'cat.png', { type: 'image/png' }) }),
    'image',
    'image/png',
  ],
  ['an empty file', (r) => ({ ...r, image: new Blob([]) }), 'image', 'empty'],
  ['an image that is not bytes', (r) => ({ ...r, image: 12 }), 'image', 'got number'],
  [
    'a declared type that the bytes contradict',
    (r) => ({ ...r, image: { data: makePng(1, 1), filename: 'a.jpg', contentType: 'image/jpeg' } }),
    'image',
    'bytes are image/png',
  ],
];

describe('invalid requests are refused, naming the field and the limit', () => {
  it.each(invalid)('%s', async (_name, change, field, words) => {
    const issues = await issuesOf(change(base()));
    const issue = issues.find((i) => i.field === field);
    expect(issue, `issues: ${JSON.stringify(issues)}`).toBeDefined();
    expect(issue!.message).toContain(words);
  });

  it('names every offending field at once, in the message too', async () => {
    const issues = await issuesOf({ ...base(), n: 99, quality: 'ultra', retry: { count: 7 } });
    expect(issues.map((i) => i.field).sort()).toEqual(['n', 'quality', 'retry.count']);
    const error = await prepareRequest({ ...base(), n: 99, retry: { count: 7 } }).catch((e: Error) => e);
    expect(String(error)).toMatch(/n: must be <= 10 \(got 99\).*retry\.count: must be <= 5 \(got 7\)/);
  });

  it('a refused request makes no network call', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const client = createImageEditClient({ apiKey: 'sk-test', baseUrl: 'http://127.0.0.1:9', fetch });
    await expect(client.edit({ ...base(), n: 11 })).rejects.toBeInstanceOf(RequestValidationError);
    await expect(client.edit({ ...base(), image: new Blob(['text']) })).rejects.toBeInstanceOf(RequestValidationError);
    expect(fetch).not.toHaveBeenCalled();
  });
});
