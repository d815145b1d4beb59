/**
 * createImageEditHandlers' options, in Node (msw/node): without `baseUrl` the operation's path gets a response on any
 * origin and nothing else is touched; with one, only there (a trailing slash or not); `dynamic` draws among the
 * spec's named examples for every request, and `seed` makes the draws repeatable; `latency` holds every response
 * back (Prefer: delay= overrides it) and a bad one is refused when the handlers are made.
 */
import { http } from 'msw';
import { setupServer } from 'msw/node';
import { afterEach, describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { wireContract, specFacts } from '../../src/contract/spec.js';
import { createImageEditHandlers, type ImageEditHandlerOptions } from '../../src/mock/msw.js';
import { AUTH, minimalParts, multipart } from '../mock/support.js';

let stop: (() => void) | undefined;
afterEach(() => {
  stop?.();
  stop = undefined;
});

/** Starts the handlers; a request they leave alone is recorded by a last catch-all and fails here, never sent anywhere. */
function listen(options: ImageEditHandlerOptions): string[] {
  const unhandled: string[] = [];
  const server = setupServer(
    ...createImageEditHandlers(options),
    http.all('*', ({ request }) => {
      unhandled.push(request.url);
      return Response.error();
    }),
  );
  server.listen({ onUnhandledRequest: 'error' });
  stop = () => server.close();
  return unhandled;
}

async function edit(url: string, headers: Record<string, string> = AUTH): Promise<{ status: number; body: any }> {
  const { body, contentType } = multipart(minimalParts());
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...headers, 'Content-Type': contentType },
    body,
    signal: AbortSignal.timeout(10_000),
  }).catch(() => undefined);
  if (!response) return { status: 0, body: undefined };
  return { status: response.status, body: await response.json().catch(() => undefined) };
}

const okExamples = specFacts.responses
  .find((response) => response.status === '200')!
  .examples.map((example) => JSON.stringify(example.value));

describe('createImageEditHandlers', () => {
  it('without baseUrl: the operation on any origin, and no other path', async () => {
    const unhandled = listen({});
    for (const origin of ['https://api.orq.ai', 'http://localhost:6006', 'https://staging.example.test:8443']) {
      const response = await edit(`${origin}${wireContract.path}?x=1`);
      expect(response.status, origin).toBe(200);
      expect(validateImageEditResponse(response.body)).toBe(true);
    }
    await edit('https://api.orq.ai/v2/router/chat/completions');
    expect(unhandled).toEqual(['https://api.orq.ai/v2/router/chat/completions']);
  });

  it('with baseUrl: only there, with or without a trailing slash', async () => {
    for (const baseUrl of ['https://mock.example.test', 'https://mock.example.test/']) {
      const unhandled = listen({ baseUrl });
      expect((await edit(`https://mock.example.test${wireContract.path}`)).status).toBe(200);
      await edit(`https://api.orq.ai${wireContract.path}`);
      expect(unhandled).toEqual([`https://api.orq.ai${wireContract.path}`]);
      stop?.();
      stop = undefined;
    }
  });

  it('dynamic: every request draws among the named examples; seed: the same draws each time', async () => {
    const draws = async (seed: number) => {
      listen({ baseUrl: 'https://mock.example.test', dynamic: true, seed });
      const bodies: string[] = [];
      for (let i = 0; i < 12; i++)
        bodies.push(JSON.stringify((await edit(`https://mock.example.test${wireContract.path}`)).body));
      stop?.();
      stop = undefined;
      return bodies;
    };
    const first = await draws(7);
    expect(await draws(7)).toEqual(first);
    for (const body of first) expect(okExamples).toContain(body);
    // With more than one example to draw from, twelve draws are not all the same one (seed 7 is fixed: no flake).
    if (okExamples.length > 1) expect(new Set(first).size).toBeGreaterThan(1);
  });

  it('latency: every response waits at least that long; Prefer: delay=0 overrides it; a bad latency is refused at once', async () => {
    listen({ baseUrl: 'https://mock.example.test', latency: 300 });
    const started = performance.now();
    expect((await edit(`https://mock.example.test${wireContract.path}`)).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(290); // a lower bound only: what the option promises
    stop?.();
    // A minute of latency, overridden: a response within edit()'s 10 s bound, or the status would be 0.
    listen({ baseUrl: 'https://mock.example.test', latency: 60_000 });
    expect((await edit(`https://mock.example.test${wireContract.path}`, { ...AUTH, Prefer: 'delay=0' })).status).toBe(
      200,
    );
    stop?.();
    stop = undefined;
    expect(() => createImageEditHandlers({ latency: '9-1' })).toThrow(/latency/);
  });

  it('a credentials error is returned before the body is checked, as by the Node mock', async () => {
    listen({});
    const response = await edit(`https://api.orq.ai${wireContract.path}`, {});
    expect(response.status).toBe(401);
  });
});
