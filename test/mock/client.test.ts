/**
 * The project's own client against the mock: one image and the spec's maximum of images complete an edit and
 * come back as a typed body; the mock's refusals reach the caller as typed errors. The client and the mock share
 * the generated validators, so what one accepts the other accepts.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ApiError, createImageEditClient, type ImageEditResult } from '../../src/index.js';
import { imageField } from '../../src/contract/spec.js';
import { responses } from '../support/spec.js';
import { imageOf, mockUrl } from './support.js';

const { maxItems, mediaTypes } = imageField.limits;
const client = () => createImageEditClient({ apiKey: 'mock-key', baseUrl: mockUrl(), maxRetries: 0 });
const request = { model: 'openai/gpt-image-1', prompt: 'Add a red scarf to the cat' };

describe('the client pointed at the mock', () => {
  it('completes an edit with one image and returns a typed body', async () => {
    const result = await client().edit({
      ...request,
      image: new Blob([imageOf('image/png')]),
      response_format: 'b64_json',
    });
    expectTypeOf(result).toEqualTypeOf<ImageEditResult>();
    expect(result.drift).toEqual([]);
    expect(result.data.length).toBeGreaterThan(0);
    expect(typeof result.data[0]!.b64_json).toBe('string');
    expect(result.usage?.total_tokens).toBeTypeOf('number');
  });

  it(`completes an edit with ${maxItems} images of every allowed type, and every routing option`, async () => {
    const images = Array.from(
      { length: maxItems },
      (_, i) => new Blob([imageOf(mediaTypes[i % mediaTypes.length]!, i)]),
    );
    const result = await client().edit({
      ...request,
      image: images,
      n: 2,
      response_format: 'url',
      retry: { count: 2, on_codes: [429] },
      cache: { type: 'exact_match', ttl: 60 },
      fallbacks: [{ model: 'openai/dall-e-2' }],
      timeout: { call_timeout: 1000 },
    });
    expect(result.data.every((item) => typeof item.url === 'string')).toBe(true);
  });

  it('a documented error chosen with Prefer reaches the caller as an ApiError with its code', async () => {
    const status = Object.keys(responses).find((s) => responses[s]!.headers?.['Retry-After'])!;
    const preferring = createImageEditClient({
      apiKey: 'mock-key',
      baseUrl: mockUrl(),
      maxRetries: 0,
      headers: { Prefer: `code=${status}` },
    });
    const error = await preferring
      .edit({ ...request, image: new Blob([imageOf('image/png')]) })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(Number(status));
    expect((error as ApiError).code).toBe(
      (Object.values(responses[status]!.content['application/json']!.examples)[0]!.value as any).error.code,
    );
  });
});
