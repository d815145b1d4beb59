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
import { createAnswering } from './core/answering.js';
import { checkCassette } from './core/cassette.js';
import { parseLatency } from './core/delivery.js';
import { answerFetchRequest } from './core/fetch-answer.js';
import { fileResponse, responseOf } from './core/fetch-delivery.js';
import { FILES_PATH } from './core/file-store.js';
import { IMAGE_FORMATS, MAX_SOURCE_PIXELS, type ImageMaker, type KeptSource, type OpenedImage, type RenderPlan } from './core/images.js';
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

/*
 * The handlers' image maker in a page: the browser's own codecs. createImageBitmap decodes the first uploaded image
 * (EXIF orientation applied), an OffscreenCanvas scales it to cover the size to make and lays the edit mark over it,
 * convertToBlob encodes PNG, JPEG or WebP. Where no canvas draws (Node, jsdom, happy-dom), the handlers fall back to
 * the spec's named examples unless given the Node mock's sharp maker.
 */
const PLAIN = 'rgb(154, 160, 166)';

async function decode(source: KeptSource | undefined): Promise<ImageBitmap | undefined> {
  const blob = source instanceof Blob ? source : source instanceof Uint8Array ? new Blob([source as Uint8Array<ArrayBuffer>]) : undefined;
  if (!blob) return undefined;
  try {
    const bitmap = await createImageBitmap(blob, { imageOrientation: 'from-image' });
    if (bitmap.width * bitmap.height <= MAX_SOURCE_PIXELS) return bitmap;
    bitmap.close();
  } catch {
    // Bytes whose signature is an image's but which do not decode: the plain picture stands in for them.
  }
  return undefined;
}

function draw(bitmap: ImageBitmap | undefined, plan: RenderPlan): OffscreenCanvas {
  const canvas = new OffscreenCanvas(plan.width, plan.height);
  const context = canvas.getContext('2d');
  if (!context) throw new Error('no 2d context on an OffscreenCanvas');
  // JPEG has no transparency: start from white, as the Node maker flattens onto white.
  context.fillStyle = bitmap ? '#ffffff' : PLAIN;
  context.fillRect(0, 0, plan.width, plan.height);
  if (bitmap) {
    // Cover: the largest centred crop of the source with the aspect of the size to make.
    const scale = Math.max(plan.width / bitmap.width, plan.height / bitmap.height);
    const cropWidth = plan.width / scale;
    const cropHeight = plan.height / scale;
    context.drawImage(bitmap, (bitmap.width - cropWidth) / 2, (bitmap.height - cropHeight) / 2, cropWidth, cropHeight, 0, 0, plan.width, plan.height);
  }
  const { r, g, b } = plan.mark.tint;
  context.fillStyle = `rgba(${r}, ${g}, ${b}, 0.35)`;
  context.fillRect(0, 0, plan.width, plan.height);
  context.fillStyle = `rgb(${r}, ${g}, ${b})`;
  const band = Math.min(plan.height, plan.mark.bandHeight);
  context.fillRect(0, plan.height - band, plan.width, band);
  return canvas;
}

let warned = false;

/**
 * Whether the page's canvas can make images. A DOM emulation may define OffscreenCanvas without drawing (happy-dom:
 * getContext('2d') is null): that falls back to the spec's examples like a missing canvas, and says so once per
 * process, since a test suite creates handlers in many files and the answers it sees change with it.
 */
function canvasUsable(): boolean {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function') return false;
  let usable = false;
  try {
    const canvas = new OffscreenCanvas(1, 1);
    usable = canvas.getContext('2d') !== null && typeof canvas.convertToBlob === 'function';
  } catch {
    usable = false;
  }
  if (!usable && !warned) {
    warned = true;
    console.warn(
      'orq-image-edits/msw: this environment has an OffscreenCanvas that cannot draw (no 2d context, as in happy-dom), so the handlers answer with ' +
        "the spec's example images instead of ones made from the request; pass images: createSharpImageMaker() from orq-image-edits/mock to make them in Node",
    );
  }
  return usable;
}

/** The page's codecs as an image maker, or undefined where there is no createImageBitmap and OffscreenCanvas that draws. */
function canvasImageMaker(): ImageMaker | undefined {
  if (!canvasUsable()) return undefined;
  return {
    name: 'canvas',
    async open(source): Promise<OpenedImage> {
      const bitmap = await decode(source);
      return {
        picture: bitmap && { width: bitmap.width, height: bitmap.height },
        async render(plan) {
          const blob = await draw(bitmap, plan).convertToBlob({ type: IMAGE_FORMATS[plan.format], quality: 0.85 });
          return new Uint8Array(await blob.arrayBuffer());
        },
        close() {
          bitmap?.close();
        },
      };
    },
  };
}
