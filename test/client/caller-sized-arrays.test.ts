/**
 * A caller's array may be as long as memory allows. The pre-flight check must still end in a typed
 * RequestValidationError of bounded size (the first failures, then how many more), never a RangeError from
 * spreading the list into a call, and nothing is sent.
 */
import { describe, expect, it } from 'vitest';
import { RequestValidationError, createImageEditClient } from '../../src/index.js';
import { prepareRequest } from '../../src/client/request.js';
import { MAX_LISTED_ISSUES } from '../../src/contract/issues.js';
import { makePng } from '../support/images.js';

describe('caller-sized arrays in a request', () => {
  it('130,000 invalid fallbacks: a RequestValidationError listing the first failures and counting the rest', async () => {
    const fallbacks = Array.from({ length: 130_000 }, () => ({ modle: 'typo' }));
    const error = await prepareRequest({
      model: 'openai/gpt-image-1',
      prompt: 'p',
      image: makePng(4, 4),
      fallbacks,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    const { issues, message } = error as RequestValidationError;
    expect(issues.length).toBe(MAX_LISTED_ISSUES + 1);
    expect(issues[0]).toEqual({ field: 'fallbacks[0].model', message: 'is required' });
    const last = issues[issues.length - 1]!;
    expect(last.field).toBe('(more)');
    // Two failures per item (a missing model, an unknown key): all but the first MAX_LISTED_ISSUES are counted, not listed.
    expect(last.message).toBe(
      `${2 * fallbacks.length - MAX_LISTED_ISSUES} more failures of the checks above are not listed`,
    );
    expect(message.length).toBeLessThan(5_000);
  });

  it('200,000 images: refused by count before any is opened, and nothing is sent', async () => {
    let sent = 0;
    const client = createImageEditClient({
      apiKey: 'sk-arrays-test-0123456789',
      baseUrl: 'http://127.0.0.1:9',
      fetch: async () => (sent++, new Response('{}')),
    });
    const image = new Array<Uint8Array>(200_000).fill(makePng(2, 2));
    const error = await client.edit({ model: 'openai/gpt-image-1', prompt: 'p', image }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { field: 'image', message: expect.stringContaining('200000 images, more than the limit') },
    ]);
    expect(sent).toBe(0);
  });
});
