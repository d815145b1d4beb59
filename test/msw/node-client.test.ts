/**
 * The README's msw/node recipe, taken at its word: this package's client, created with no `fetch` option (so it
 * sends through its own node:http transport, not the global fetch), gets its response from the MSW handlers under
 * msw/node's setupServer, at the client's default base URL, with nothing leaving the process: a valid edit gets the
 * handlers' 200, a `Prefer: code=429` the spec's 429 as an ApiError, and once the server is closed the same call is
 * no longer intercepted.
 */
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { defaultBaseUrl } from '../../src/contract/spec.js';
import { ApiError, createImageEditClient, NetworkError } from '../../src/index.js';
import { createImageEditHandlers } from '../../src/mock/msw.js';
import { makePng } from '../support/images.js';

let close: (() => void) | undefined;
afterEach(() => {
  close?.();
  close = undefined;
});

const request = {
  model: 'openai/gpt-image-1',
  prompt: 'Add a red scarf',
  image: new Blob([makePng(8, 8)], { type: 'image/png' }),
  response_format: 'b64_json' as const,
};

describe('msw/node and the client as it is', () => {
  it('a valid edit, with no fetch option, gets its response from the handlers at the default base URL; nothing leaves the process', async () => {
    const unhandled: string[] = [];
    const server = setupServer(...createImageEditHandlers());
    server.listen({ onUnhandledRequest: (request) => void unhandled.push(request.url) });
    close = () => server.close();
    const client = createImageEditClient({ apiKey: 'any-key', maxRetries: 0, timeoutMs: 20_000 });

    const result = await client.edit(request);
    expect(validateImageEditResponse(JSON.parse(JSON.stringify(result)))).toBe(true);
    expect(result.data.length).toBeGreaterThan(0);

    const tooMany = await client.edit(request, { headers: { Prefer: 'code=429' } }).catch((error: unknown) => error);
    expect(tooMany).toBeInstanceOf(ApiError);
    expect((tooMany as ApiError).status).toBe(429);
    expect(unhandled).toEqual([]);
  });

  it('after server.close() the client sends for real again (here: to an address that refuses)', async () => {
    const server = setupServer(...createImageEditHandlers());
    server.listen({ onUnhandledRequest: 'error' });
    const client = createImageEditClient({
      apiKey: 'any-key',
      maxRetries: 0,
      timeoutMs: 20_000,
      baseUrl: 'http://127.0.0.1:9',
    });
    expect((await client.edit(request)).data.length).toBeGreaterThan(0);
    server.close();
    expect(await client.edit(request).catch((error: unknown) => error)).toBeInstanceOf(NetworkError);
    expect(defaultBaseUrl).toMatch(/^https:/);
  });
});
