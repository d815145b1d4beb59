/**
 * orq-image-edits/msw: the mock of POST /v2/router/images/edits as Mock Service Worker (MSW 2) request handlers, for
 * mocking in the page itself (Storybook, Vitest browser mode, Playwright without a server) or in Node (setupServer).
 *
 *   import { setupWorker } from 'msw/browser';
 *   import { createImageEditHandlers } from 'orq-image-edits/msw';
 *   await setupWorker(...createImageEditHandlers()).start();
 *
 * The handlers run the same handler as the Node mock (core/respond.ts: the generated validators, the image rules, the
 * error bodies and statuses, every `Prefer`), with the spec's own examples as the engine where Prism cannot run; this
 * door turns a Fetch Request into the core's head and the core's outcome into a Response. MSW is an optional peer
 * dependency; the client never loads this module.
 */
import { http, type HttpHandler } from 'msw';
import { wireContract } from '../contract/spec.js';
import { DRIP } from '../contract/mock-prefer.js';
import { wait } from '../contract/wait.js';
import { bodyLimits } from './core/check-request.js';
import { readFormBody } from './core/form-read.js';
import {
  FILE_TTL_MS,
  FILES_PATH,
  IMAGE_FORMATS,
  MAX_SOURCE_PIXELS,
  type ImageMaker,
  type KeptSource,
  type OpenedImage,
  type RenderPlan,
} from './core/images.js';
import { parseLatency } from './core/prefer.js';
import { checkCassette, createReplayer, replayableCassette } from './core/replay.js';
import { createMockContext, handle, type MockContext, type Outcome } from './core/respond.js';
import { createSpecEngine } from './core/spec-engine.js';
import { requestHead, type MockResponse, type RequestHead } from './core/types.js';

export { CassetteError, type Cassette } from './core/replay.js';

export type { ImageMaker };

export interface ImageEditHandlerOptions {
  /**
   * Respond only to requests to this base URL (as given to the client: `https://api.orq.ai`, `http://localhost:4010`).
   * Without it, the handlers respond to the operation's path on any origin.
   */
  baseUrl?: string;
  /** Draw among the spec's named examples for every request that does not ask for one (`Prefer: dynamic=true` does it per request). */
  dynamic?: boolean;
  /** Makes every generated value repeatable (dynamic picks, file names, latency jitter) for the same requests in the same order. */
  seed?: string | number;
  /** Every response waits this long: milliseconds, or `'500-3000'` (jittered, seeded). `Prefer: delay=` overrides it per request. */
  latency?: number | string;
  /**
   * Makes the responses' images from the request's first image. Default: the page's own codecs (createImageBitmap and
   * OffscreenCanvas); where there are none (Node, jsdom), pass `await createSharpImageMaker()` from
   * `orq-image-edits/mock`, or the handlers respond with the spec's named examples.
   */
  images?: ImageMaker;
  /**
   * Recorded exchanges to replay (cassettes written by `orq-images proxy --record DIR`, parsed from their JSON): a
   * valid request that matches one, and asks for nothing with `Prefer`, gets the recorded response. A cassette of
   * the wrong shape (an interim 1xx status, a header HTTP cannot carry, nesting past 64 levels included) or one the
   * recorder cut (`truncated`) throws a CassetteError naming it (by its index) and the field. Hop-by-hop and framing
   * headers, Set-Cookie and Location are not replayed (core/replay.ts says why).
   */
  cassettes?: readonly unknown[];
}

/** MSW request handlers that check and respond to the edit operation exactly as the Node mock does. */
export function createImageEditHandlers(options: ImageEditHandlerOptions = {}): HttpHandler[] {
  const context = createMockContext({
    engine: createSpecEngine({ dynamic: options.dynamic, seed: options.seed }),
    images: options.images ?? canvasImageMaker(),
    latency: options.latency === undefined ? undefined : parseLatency(String(options.latency)),
    seed: options.seed,
    replayer:
      options.cassettes &&
      createReplayer(
        options.cassettes.map((cassette, index) =>
          replayableCassette(checkCassette(cassette, `cassettes[${index}]`), `cassettes[${index}]`),
        ),
      ),
  });
  const base = options.baseUrl === undefined ? '*' : options.baseUrl.replace(/\/+$/, '');
  return [
    // Every method: another one gets the same 405 as from the Node mock, not a pass-through to the network.
    http.all(`${base}${wireContract.path}`, async ({ request }) => {
      const outcome = await handle(
        context,
        headOf(request),
        (read) => readFormBody(request, bodyLimits, read),
        request.signal,
      );
      // Undefined: the request was aborted while its images waited or were made; the work is dropped, nobody reads a response.
      return outcome ? responseOf(outcome, request.signal) : Response.error();
    }),
    // The images of url responses; any other path under /files passes through to whatever serves it.
    http.get(`${base}${FILES_PATH}*`, ({ request }) => fileResponse(context, request)),
  ];
}

/**
 * The request's head in the core's form. Header names are lower-cased although the Fetch standard's Headers gives
 * them so: happy-dom's keeps the case they were set in, and Prism reads `authorization` and `prefer` by those names.
 */
function headOf(request: Request): RequestHead {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return requestHead(request.method, url, headers, url.origin);
}

function plain(response: MockResponse, body: BodyInit | null = response.body === '' ? null : response.body): Response {
  return new Response(body, { status: response.status, headers: response.headers });
}

/**
 * The outcome as a Response: the delay awaited (cut short when the request is aborted), `reset` a network error
 * (Response.error(), which MSW turns into a failed fetch, as a dropped connection is), `drip` a stream that yields
 * DRIP.bytes every DRIP.everyMs.
 */
async function responseOf({ response, delayMs = 0, fault }: Outcome, signal: AbortSignal): Promise<Response> {
  await wait(delayMs, signal);
  if (fault === 'reset') return Response.error();
  if (fault !== 'drip') return plain(response);
  const bytes = new TextEncoder().encode(response.body);
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset > 0) await wait(DRIP.everyMs, signal);
      if (signal.aborted) return controller.error(signal.reason);
      controller.enqueue(bytes.slice(offset, offset + DRIP.bytes));
      offset += DRIP.bytes;
      if (offset >= bytes.length) controller.close();
    },
  });
  return plain(response, body);
}

/** The image held at `request`'s path, as the Node mock serves it, or undefined when the store has none (the request is someone else's). */
function fileResponse(context: MockContext, request: Request): Response | undefined {
  const file =
    request.method === 'GET' || request.method === 'HEAD'
      ? context.files.get(new URL(request.url).pathname)
      : undefined;
  if (!file) return undefined;
  const headers = {
    'Content-Type': file.mediaType,
    'Cache-Control': `private, max-age=${FILE_TTL_MS / 1000}`,
    'Access-Control-Allow-Origin': '*',
  };
  return new Response(request.method === 'HEAD' ? null : (file.bytes as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers,
  });
}

/*
 * The handlers' image maker in a page: the browser's own codecs. createImageBitmap decodes the first uploaded image
 * (EXIF orientation applied), an OffscreenCanvas scales it to cover the size to make and lays the edit mark over it,
 * convertToBlob encodes PNG, JPEG or WebP. Where no canvas draws (Node, jsdom, happy-dom), the handlers fall back to
 * the spec's named examples unless given the Node mock's sharp maker.
 */
const PLAIN = 'rgb(154, 160, 166)';

async function decode(source: KeptSource | undefined): Promise<ImageBitmap | undefined> {
  const blob =
    source instanceof Blob
      ? source
      : source instanceof Uint8Array
        ? new Blob([source as Uint8Array<ArrayBuffer>])
        : undefined;
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
    context.drawImage(
      bitmap,
      (bitmap.width - cropWidth) / 2,
      (bitmap.height - cropHeight) / 2,
      cropWidth,
      cropHeight,
      0,
      0,
      plan.width,
      plan.height,
    );
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
 * process, since a test suite creates handlers in many files and the responses it sees change with it.
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
      'orq-image-edits/msw: this environment has an OffscreenCanvas that cannot draw (no 2d context, as in happy-dom), so the handlers respond with ' +
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
