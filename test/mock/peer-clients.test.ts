/**
 * Real clients, as their users call them, are accepted by the mock: Orq's own Node SDK (JSON fields as plain text
 * parts, filled with its defaults) and openai-node (arrays of images as repeated `image[]` parts).
 */
import { describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { wireContract } from '../../src/contract/spec.js';
import { AUTH, imageOf, minimalParts, mockUrl } from './support.js';

const fields = () =>
  Object.fromEntries(
    minimalParts()
      .filter((part) => part.filename === undefined)
      .map((part) => [part.name, String(part.value)]),
  ) as { model: string; prompt: string };
const apiKey = AUTH.Authorization.replace(/^Bearer /, '');
/** The part of the operation's path that follows openai-node's base URL (it appends /images/edits). */
const openaiBase = () => `${mockUrl()}${wireContract.path.replace(/\/images\/edits$/, '')}`;

describe('peer clients against the mock', () => {
  it("Orq's Node SDK: one image and routing options as JSON text parts", async () => {
    const { Orq } = await import('@orq-ai/node');
    const orq = new Orq({ apiKey, serverURL: mockUrl() });
    const result = await orq.router.images.edits.create({
      ...fields(),
      image: { fileName: 'cat.png', content: new Uint8Array(imageOf('image/png')) },
      retry: { count: 2, onCodes: [429, 503] },
      cache: { type: 'exact_match', ttl: 60 },
      fallbacks: [{ model: 'openai/dall-e-2' }],
    } as never);
    // The SDK hands back its own camelCase model of the 200 body; had the mock refused, it would have thrown.
    expect(result.created).toBeTypeOf('number');
    expect(result.data.length).toBeGreaterThan(0);
  });

  it('openai-node: several images as image[] parts', async () => {
    const { default: OpenAI, toFile } = await import('openai');
    const client = new OpenAI({ apiKey, baseURL: openaiBase(), maxRetries: 0 });
    const images = await Promise.all(
      ['image/png', 'image/jpeg', 'image/webp'].map((type, i) => toFile(imageOf(type, i), `in-${i}`, { type })),
    );
    const result = await client.images.edit({ ...fields(), image: images });
    expect(validateImageEditResponse(result)).toBe(true);
  });
});
