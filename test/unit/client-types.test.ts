/**
 * The types carry the contract to the caller: `npm run typecheck` compiles this file, so every
 * `@ts-expect-error` below fails the build if the generated types stop rejecting that mistake.
 */
import { describe, expect, it } from 'vitest';
import type { ImageEditRequest, ImageEditResponse } from '../../src/index.js';

const image = new Blob([new Uint8Array([0x89, 0x50, 0x4e, 0x47])]);

export const typed: ImageEditRequest[] = [
  { model: 'openai/gpt-image-1', prompt: 'p', image },
  {
    model: 'openai/gpt-image-1',
    prompt: 'p',
    image: [image, image],
    n: 2,
    quality: 'high',
    response_format: 'b64_json',
    retry: { count: 2, on_codes: [429] },
  },
  {
    model: 'm',
    prompt: 'p',
    image,
    quality: null,
    n: null,
    size: null,
    orq: { identity: { id: 'c1' }, prompt: { id: 'x', version: 'latest' } },
  },
  // @ts-expect-error quality outside the spec's enum
  { model: 'm', prompt: 'p', image, quality: 'ultra' },
  // @ts-expect-error response_format is not nullable
  { model: 'm', prompt: 'p', image, response_format: null },
  // @ts-expect-error the prompt is required
  { model: 'm', image },
  // @ts-expect-error cache.type is required
  { model: 'm', prompt: 'p', image, cache: { ttl: 60 } },
  // @ts-expect-error fields are snake_case, as on the wire
  { model: 'm', prompt: 'p', image, responseFormat: 'url' },
];

export function usage(result: ImageEditResponse): number | undefined {
  // usage is optional; inside it, every count is a required number.
  return result.usage?.input_tokens_details.image_tokens;
}

describe('request and response types', () => {
  it('is checked by tsc (npm run typecheck); here only that the valid samples exist', () => {
    expect(typed.length).toBeGreaterThan(3);
  });
});
