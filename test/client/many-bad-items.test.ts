/**
 * A 200 whose `data` holds tens of thousands of items that break the schema is checked in time linear in its size:
 * the call ends promptly in its typed error and the event loop stays free meanwhile (a timer keeps ticking), against
 * a real server on 127.0.0.1. Before the generated validators appended failures in place, 40,000 such items blocked
 * the loop for over 30 s, so `timeoutMs` could not fire.
 */
import { describe, expect, it } from 'vitest';
import { ResponseValidationError, createImageEditClient } from '../../src/index.js';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';

const { serve } = serversClosedAfterEach();
const BAD_ITEMS = 40_000;

describe('a response with many items that break the schema', () => {
  it(`${BAD_ITEMS} bad data items with timeoutMs 5000: a ResponseValidationError within the deadline, the event loop free`, {
    timeout: 60_000,
  }, async () => {
    const server = await serve(() => ({
      status: 200,
      body: { created: 1_700_000_000, data: Array.from({ length: BAD_ITEMS }, () => 1) },
    }));
    const client = createImageEditClient({
      apiKey: 'sk-many-bad-items-0123456789',
      baseUrl: server.url,
      timeoutMs: 5_000,
    });
    let last = performance.now();
    let longestGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const started = performance.now();
    const error = await client
      .edit({ model: 'openai/gpt-image-1', prompt: 'p', image: makePng(4, 4) })
      .catch((e: unknown) => e);
    const elapsed = performance.now() - started;
    clearInterval(ticker);
    expect(error).toBeInstanceOf(ResponseValidationError);
    expect((error as ResponseValidationError).issues[0]).toMatchObject({ field: 'body.data[0]' });
    // Generous for a loaded machine: the quadratic check took over 30 s and held the loop the whole time.
    expect(elapsed).toBeLessThan(15_000);
    expect(longestGap).toBeLessThan(5_000);
  });
});
