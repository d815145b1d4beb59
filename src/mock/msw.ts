/**
 * orq-image-edits/msw: the mock of POST /v2/router/images/edits as Mock Service Worker (MSW 2) request handlers, for
 * mocking in the page itself (Storybook, Vitest browser mode, Playwright without a server) or in Node (setupServer).
 *
 *   import { setupWorker } from 'msw/browser';
 *   import { createImageEditHandlers } from 'orq-image-edits/msw';
 *   await setupWorker(...createImageEditHandlers()).start();
 *
 * The handlers run the same core as the Node mock (core/: the generated validators, the image rules, the error
 * bodies and statuses, `Prefer: code=` / `example=` / `dynamic=`), with the spec's own examples as the engine where
 * Prism cannot run. MSW is an optional peer dependency; the client never loads this module.
 */
import { http, type HttpHandler } from 'msw';
import { wireContract } from '../contract/wire-contract.js';
import { answerFetchRequest } from './core/fetch-answer.js';
import { createSpecEngine } from './core/spec-engine.js';

export interface ImageEditHandlerOptions {
  /**
   * Answer only requests to this base URL (as given to the client: `https://api.orq.ai`, `http://localhost:4010`).
   * Without it, the handlers answer the operation's path on any origin.
   */
  baseUrl?: string;
  /** Draw among the spec's named examples for every request that does not ask for one (`Prefer: dynamic=true` does it per request). */
  dynamic?: boolean;
  /** Makes dynamic answers repeatable: the same sequence of requests gets the same sequence of answers. */
  seed?: string | number;
}

/** MSW request handlers that judge and answer the edit operation exactly as the Node mock does. */
export function createImageEditHandlers(options: ImageEditHandlerOptions = {}): HttpHandler[] {
  const engine = createSpecEngine({ dynamic: options.dynamic, seed: options.seed });
  const url = options.baseUrl === undefined ? `*${wireContract.path}` : `${options.baseUrl.replace(/\/+$/, '')}${wireContract.path}`;
  return [
    // Every method: another one gets the same 405 as from the Node mock, not a pass-through to the network.
    http.all(url, async ({ request }) => {
      const answer = await answerFetchRequest(engine, request);
      return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
    }),
  ];
}
