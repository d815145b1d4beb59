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
import { canvasImageMaker } from './canvas-images.js';
import { createAnswering } from './core/answering.js';
import { checkCassette } from './core/cassette.js';
import { parseLatency } from './core/delivery.js';
import { answerFetchRequest } from './core/fetch-answer.js';
import { fileResponse, responseOf } from './core/fetch-delivery.js';
import { FILES_PATH } from './core/file-store.js';
import type { ImageMaker } from './core/images.js';
import { createReplayer } from './core/replay.js';
import { createSpecEngine } from './core/spec-engine.js';

export { CassetteError, type Cassette } from './core/cassette.js';

export type { ImageMaker };

export interface ImageEditHandlerOptions {
  /**
   * Answer only requests to this base URL (as given to the client: `https://api.orq.ai`, `http://localhost:4010`).
   * Without it, the handlers answer the operation's path on any origin.
   */
  baseUrl?: string;
  /** Draw among the spec's named examples for every request that does not ask for one (`Prefer: dynamic=true` does it per request). */
  dynamic?: boolean;
  /** Makes every generated value repeatable (dynamic picks, file names, latency jitter) for the same requests in the same order. */
  seed?: string | number;
  /** Every answer waits this long: milliseconds, or `'500-3000'` (jittered, seeded). `Prefer: delay=` overrides it per request. */
  latency?: number | string;
  /**
   * Makes the answers' images from the request's first image. Default: the page's own codecs (createImageBitmap and
   * OffscreenCanvas); where there are none (Node, jsdom), pass `await createSharpImageMaker()` from
   * `orq-image-edits/mock`, or the handlers answer with the spec's named examples.
   */
  images?: ImageMaker;
  /**
   * Recorded exchanges to replay (cassettes written by `orq-images proxy --record DIR`, parsed from their JSON): a
   * valid request that matches one, and asks for nothing with `Prefer`, gets the recorded answer. A cassette of
   * the wrong shape (an interim 1xx status, a header HTTP cannot carry, nesting past 64 levels included) throws a
   * CassetteError naming it (by its index) and the field. Hop-by-hop and framing headers, Set-Cookie and Location
   * are not replayed (core/cassette.ts says why).
   */
  cassettes?: readonly unknown[];
}

/** MSW request handlers that judge and answer the edit operation exactly as the Node mock does. */
export function createImageEditHandlers(options: ImageEditHandlerOptions = {}): HttpHandler[] {
  const engine = createSpecEngine({ dynamic: options.dynamic, seed: options.seed });
  const answering = createAnswering({
    images: options.images ?? canvasImageMaker(),
    latency: options.latency === undefined ? undefined : parseLatency(String(options.latency)),
    seed: options.seed,
    replayer: options.cassettes && createReplayer(options.cassettes.map((cassette, index) => checkCassette(cassette, `cassettes[${index}]`))),
  });
  const base = options.baseUrl === undefined ? '*' : options.baseUrl.replace(/\/+$/, '');
  return [
    // Every method: another one gets the same 405 as from the Node mock, not a pass-through to the network.
    http.all(`${base}${wireContract.path}`, async ({ request }) => {
      try {
        return responseOf(await answerFetchRequest(engine, request, answering), request.signal);
      } catch (error) {
        // The request was aborted while its images waited or were made: the work is dropped, nobody reads an answer.
        if (request.signal.aborted) return Response.error();
        throw error;
      }
    }),
    // The images of url answers; any other path under /files passes through to whatever serves it.
    http.get(`${base}${FILES_PATH}*`, ({ request }) => fileResponse(answering, request)),
  ];
}
