/**
 * orq-image-edits/mock: a local mock of POST /v2/router/images/edits for frontend teams and test suites.
 *
 *   const mock = await startMock({ port: 0 });   // a free port on 127.0.0.1
 *   ... createImageEditClient({ apiKey: 'any', baseUrl: mock.url }) ...
 *   await mock.close();
 *
 * Stoplight Prism (in process, prism/) routes and picks or generates the responses from the spec; the node:http door
 * (server.ts) streams the multipart body, and the mock's one handler (core/respond.ts, shared with the MSW handlers
 * of orq-image-edits/msw) checks it with the client's own generated validators. The client never imports this module.
 */
import { wireContract } from '../contract/spec.js';
import {
  IMAGE_QUEUE_DEFAULT,
  imageQueueIssue,
  imageWork,
  MAX_SOURCE_PIXELS,
  type Dimensions,
  type ImageMaker,
  type ImageWork,
  type KeptSource,
  type OpenedImage,
  type RenderPlan,
} from './core/images.js';
import { parseLatency } from './core/prefer.js';
import type { CassetteError } from './core/replay.js';
import { createMockContext } from './core/respond.js';
import { loadMockDependencies, loadSharp, prepareMockDependencies } from './dependencies.js';
import { savePrismCodeCache } from './prism/bundle.js';
import { listenOn, UploadedImages } from './node-http.js';
import { createPrismEngine, loadPrismDocument } from './prism/engine.js';
import type { ProxyOptions, ProxyServer } from './proxy/index.js';
import { replayDirectory } from './replay-dir.js';
import { checkDocsDir, createMockServer, DOCS_PATH } from './server.js';

export { MockDependencyError } from './dependency-error.js';
export { CassetteError, type Cassette } from './core/replay.js';
export type { ProxyOptions, ProxyServer } from './proxy/index.js';
export type { ExchangeReport, ProxySummary } from './proxy/report.js';
export type { ImageMaker, ImageWork };

/**
 * The Node mock's image maker (sharp), for the MSW handlers where a page's canvas is missing (msw/node, jsdom):
 * `createImageEditHandlers({ images: createSharpImageMaker() })`. Loads sharp only.
 */
export function createSharpImageMaker(): ImageMaker {
  const sharp = loadSharp();
  return sharpImageMaker(() => sharp, sharp.versions.sharp ?? '');
}

export interface MockOptions {
  /** Port to listen on; 0 (the default) picks a free one. The CLI defaults to 4010. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (only this machine can reach it). */
  host?: string;
  /** Let Prism's generator fill what a request leaves open (output_format, size, quality) with values from the schemas. */
  dynamic?: boolean;
  /** Makes every generated value repeatable (dynamic values, file names, latency jitter) for the same requests in the same order. */
  seed?: string | number;
  /** Every response waits this long: milliseconds, or `'500-3000'` (jittered, seeded). `Prefer: delay=` overrides it per request. */
  latency?: number | string;
  /** A directory with the built API reference (index.html), served at /docs. */
  docsDir?: string;
  /** Called with one line per request. */
  log?: (line: string) => void;
  /**
   * A directory of cassettes (`orq-images proxy --record DIR`) to replay: a valid request that matches a recorded
   * one (same fields once decoded, same images by SHA-256) and asks for nothing with `Prefer` gets the recorded
   * response. Read once at start, bounded (1 MiB a cassette, 10,000 cassettes, 64 MiB in all: past these startMock
   * rejects with a CassetteError). A file that is not a cassette (not a regular file, over 1 MiB, not the shape,
   * an interim 1xx status, a header HTTP cannot carry) or one the recorder cut (`truncated`) is skipped and listed
   * in `replaySkipped`.
   */
  replayDir?: string;
  /** Reject with the CassetteError of the first file of replayDir that is not a cassette, instead of skipping it. */
  replayStrict?: boolean;
  /**
   * How many responses may wait for their images, in each of two lanes (small responses, up to one 1024×1024 image from a
   * source up to 256 KiB, and the others; two of each are made at a time). One more is refused with 503 and Retry-After.
   * Default 64; 0 to 10,000. Work for a client that has gone is dropped, waiting or between two images.
   */
  imageQueue?: number;
}

export interface MockServer {
  /** Base URL, e.g. http://127.0.0.1:4010: pass it as the client's baseUrl. */
  url: string;
  /** The full URL of the mocked operation. */
  endpoint: string;
  /** The API reference's URL, when docsDir was given. */
  docsUrl?: string;
  /** The Prism release responding. */
  prismVersion: string;
  /** What makes the responses' images (`sharp 0.35.5`). */
  imageMaker: string;
  /** How many cassettes of replayDir can be replayed (those of valid requests with whole responses). */
  replayable?: number;
  /** The files of replayDir skipped as not cassettes, each error naming the file, the field and why. */
  replaySkipped?: CassetteError[];
  /** What the image making is doing now (responses being made, waiting) and has done (images made, responses dropped, refused). */
  imageWork(): ImageWork;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

/**
 * Starts the validating proxy (proxy/index.ts). Its modules load when it is first started, not with the mock's
 * (a suite that starts only the mock pays nothing for them).
 */
export async function startProxy(options: ProxyOptions): Promise<ProxyServer> {
  return (await import('./proxy/index.js')).startProxy(options);
}

/** Starts the mock; resolves once it listens. */
export async function startMock(options: MockOptions = {}): Promise<MockServer> {
  const imageQueue = options.imageQueue ?? IMAGE_QUEUE_DEFAULT;
  const queueIssue = imageQueueIssue(imageQueue, 'imageQueue');
  if (queueIssue) throw new RangeError(queueIssue);
  // Cassettes first: a wrong directory is reported before Prism takes seconds to load.
  const replay =
    options.replayDir === undefined
      ? undefined
      : await replayDirectory(options.replayDir, { strict: options.replayStrict });
  await prepareMockDependencies();
  const { prism, sharp } = loadMockDependencies();
  const dynamic = options.dynamic ?? false;
  const latency = options.latency === undefined ? undefined : parseLatency(String(options.latency));
  const docsDir = options.docsDir === undefined ? undefined : checkDocsDir(options.docsDir);
  const engine = await createPrismEngine(prism, loadPrismDocument(), { dynamic });
  savePrismCodeCache();
  const images = sharpImageMaker(sharp.load, sharp.version);
  const context = createMockContext({
    engine,
    images,
    latency,
    seed: options.seed,
    replayer: replay?.replayer,
    imageQueue,
  });
  const uploads = new UploadedImages();
  const server = createMockServer(context, { images: uploads, docsDir, log: options.log });

  const url = await listenOn(server, options.port ?? 0, options.host ?? '127.0.0.1');

  let closing: Promise<void> | undefined;
  return {
    url,
    endpoint: `${url}${wireContract.path}`,
    ...(docsDir ? { docsUrl: `${url}${DOCS_PATH}` } : {}),
    prismVersion: engine.prismVersion,
    imageMaker: images.name,
    ...(replay ? { replayable: replay.replayer.size, replaySkipped: replay.skipped } : {}),
    imageWork: () => imageWork(context.renderer!),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }).finally(() => uploads.close());
      return closing;
    },
  };
}

/*
 * The Node mock's image maker: sharp (libvips; an optional peer dependency with a prebuilt binary) decodes the first
 * uploaded image, scales it to cover the size to make, lays the edit mark over it and encodes it. Memory: libvips'
 * cache is off (every response is a new picture), each image is decoded with a pixel limit (MAX_SOURCE_PIXELS) and
 * sequentially, and the core makes at most two responses at a time in each of its two lanes.
 */
type Sharp = typeof import('sharp').default;
type Pipeline = import('sharp').Sharp;

/** A neutral grey: what is drawn when there is no picture to start from. */
const PLAIN = { r: 154, g: 160, b: 166 };

/** What sharp reads: the bytes as they are, a file by its path, a Blob (the MSW handlers in Node) read out whole. */
async function inputOf(source: KeptSource): Promise<Buffer | string> {
  if (source instanceof Uint8Array) return Buffer.from(source.buffer, source.byteOffset, source.byteLength);
  if (source instanceof Blob) return Buffer.from(await source.arrayBuffer());
  return source.path;
}

/**
 * The edit mark as two layers composited in one pass: the tint colour over the whole picture (a third opaque) and
 * a solid band of it at the foot. (sharp's own tint() recolours in a perceptual colour space and costs several times more
 * per image; a translucent layer shows the change as plainly.)
 */
function marked(pipeline: Pipeline, plan: RenderPlan): Pipeline {
  const layer = (height: number, alpha: number) => ({
    create: { width: plan.width, height, channels: 4 as const, background: { ...plan.mark.tint, alpha } },
  });
  const layered = pipeline.composite([
    { input: layer(plan.height, 0.35), gravity: 'north' },
    { input: layer(Math.min(plan.height, plan.mark.bandHeight), 1), gravity: 'south' },
  ]);
  if (plan.format === 'jpeg') return layered.flatten({ background: '#ffffff' }).jpeg({ quality: 85 });
  if (plan.format === 'webp') return layered.webp({ quality: 82 });
  return layered.png({ compressionLevel: 6 });
}

/** `load` is called when the first image is made (dependencies.ts: SharpOnDemand says why), `version` names it. */
function sharpImageMaker(load: () => Sharp, version: string): ImageMaker {
  let loaded: Sharp | undefined;
  const sharp: Sharp = ((...args: Parameters<Sharp>) => {
    if (!loaded) {
      loaded = load();
      loaded.cache(false);
    }
    return loaded(...args);
  }) as Sharp;
  const options = { limitInputPixels: MAX_SOURCE_PIXELS, sequentialRead: true, failOn: 'error' as const };

  return {
    name: `sharp ${version}`.trim(),
    async open(source): Promise<OpenedImage> {
      let input: Buffer | string | undefined;
      let picture: Dimensions | undefined;
      if (source !== undefined) {
        try {
          input = await inputOf(source);
          const meta = await sharp(input, options).metadata();
          const oriented = meta.autoOrient ?? meta;
          if (oriented.width && oriented.height && oriented.width * oriented.height <= MAX_SOURCE_PIXELS)
            picture = { width: oriented.width, height: oriented.height };
        } catch {
          // Bytes whose signature is an image's but which do not decode: the plain picture stands in for them.
        }
      }
      const plain = (plan: RenderPlan) =>
        sharp({ create: { width: plan.width, height: plan.height, channels: 3, background: PLAIN } });
      return {
        picture,
        async render(plan) {
          const encoded = async (pipeline: Pipeline) => new Uint8Array(await marked(pipeline, plan).toBuffer());
          const pipeline =
            picture && input !== undefined
              ? sharp(input, options).autoOrient().resize(plan.width, plan.height, { fit: 'cover' })
              : plain(plan);
          try {
            return await encoded(pipeline);
          } catch {
            // Decoding can still fail past the header (a truncated file): draw the plain picture instead.
            return encoded(plain(plan));
          }
        },
        close() {},
      };
    },
  };
}
