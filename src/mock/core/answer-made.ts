/**
 * A 200 made from the request (the mock's default answer, and the frame of its dynamic ones): `data` holds exactly
 * `n` images, each as `response_format` asks (`url` or `b64_json`, never both), made from the first uploaded image
 * at the size asked for and marked as edited; `created` is now; `size`, `quality` and `output_format` say what was
 * asked or made; `usage` is consistent (usage.ts). Only keys the schema names are written.
 *
 * A dynamic answer (`generated`, from the engine's schema-driven generator) fills only what the request leaves
 * open: `output_format`, `size` when none was asked, `quality` when none was asked; each is taken only when it is
 * one the mock can honour (a format it can encode, a `WxH` size, a value of the request's quality enum).
 */
import { enumOf, specFacts } from '../../contract/spec-facts.js';
import type { FileStore } from './file-store.js';
import { DEFAULT_SIZE, editMark, isImageFormat, outputSize, parseSize, type Dimensions, type ImageFormat, type ImageMaker, type KeptSource } from './images.js';
import { limiter, QueueFullError, type Limiter } from './limiter.js';
import { CACHED_SOURCE_BYTES, RenderCache } from './render-cache.js';
import type { CheckedRequest } from './request-check.js';
import { usageOf } from './usage.js';

/** Two answers' images are made at a time in each lane; the others wait (memory stays a few images' worth). */
const MAKING_AT_ONCE = 2;
/** How many answers may wait in each lane unless the mock is told otherwise (startMock's imageQueue, --image-queue). */
export const IMAGE_QUEUE_DEFAULT = 64;
/** The most a mock may be told: ten thousand answers of work is already hours of it. */
export const IMAGE_QUEUE_MAX = 10_000;

/** Why `value` cannot be the image queue's bound (`name` is how the caller spelled it), or undefined when it can. */
export function imageQueueIssue(value: unknown, name: string): string | undefined {
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= IMAGE_QUEUE_MAX) return undefined;
  return `${name} must be an integer from 0 to ${IMAGE_QUEUE_MAX} (answers waiting for their images), got ${JSON.stringify(value)}`;
}
/**
 * An answer whose images add up to at most this many pixels (one default-size image), made from no source or a small
 * one (up to CACHED_SOURCE_BYTES), is light: it waits in its own lane, so a small request is never behind large ones.
 */
const LIGHT_PIXELS = DEFAULT_SIZE.width * DEFAULT_SIZE.height;

/** What the mock's image making is doing, and has done since it started. */
export interface ImageWork {
  /** Answers whose images are being made now. */
  making: number;
  /** Answers waiting for their turn now. */
  waiting: number;
  /** Images made. */
  imagesMade: number;
  /** Answers whose image work stopped because their client went away (while waiting, or between two images). */
  dropped: number;
  /** Answers refused with 503 because their lane was full. */
  refused: number;
}

export interface AnswerMaking {
  maker: ImageMaker;
  files: FileStore;
  now?: () => number;
  /** Light answers (LIGHT_PIXELS) and the others, each MAKING_AT_ONCE at a time with a bounded line of its own. */
  readonly lanes: { light: Limiter; heavy: Limiter };
  /** Images already made from the same small source (render-cache.ts). */
  readonly cache?: RenderCache;
  readonly counts: Pick<ImageWork, 'imagesMade' | 'dropped' | 'refused'>;
}

/** `queue`: how many answers may wait in each lane; one more is answered 503 (answering.ts). */
export function answerMaking(maker: ImageMaker, files: FileStore, now?: () => number, queue = IMAGE_QUEUE_DEFAULT): AnswerMaking {
  return {
    maker,
    files,
    now,
    lanes: { light: limiter(MAKING_AT_ONCE, queue), heavy: limiter(MAKING_AT_ONCE, queue) },
    cache: new RenderCache(),
    counts: { imagesMade: 0, dropped: 0, refused: 0 },
  };
}

export function imageWork(making: AnswerMaking): ImageWork {
  const { light, heavy } = making.lanes;
  return { making: light.running + heavy.running, waiting: light.waiting + heavy.waiting, ...making.counts };
}

interface Made {
  size: Dimensions;
  source: Dimensions | undefined;
  images: Uint8Array[];
}

const planKey = (size: Dimensions, format: ImageFormat, index: number) => `${size.width}x${size.height}:${format}:${index}`;

function sourceBytes(source: KeptSource): number {
  return source instanceof Uint8Array ? source.byteLength : source instanceof Blob ? source.size : Infinity;
}

/**
 * Whether an answer is light, judged before anything is decoded: the size it will make is known (asked as `WxH`, no
 * source, or a source seen before) and its images add up to LIGHT_PIXELS at most, from a small source.
 */
function isLight(source: KeptSource | undefined, askedSize: unknown, known: Dimensions | undefined, count: number): boolean {
  if (source !== undefined && sourceBytes(source) > CACHED_SOURCE_BYTES) return false;
  const size = parseSize(askedSize) || source === undefined || known ? outputSize(askedSize, known) : undefined;
  return size !== undefined && count * size.width * size.height <= LIGHT_PIXELS;
}

/**
 * The n images: from the cache when it has them all, else decoded, scaled, marked and encoded (and remembered) in
 * their lane's turn. `signal` is the client's: once it has gone, the answer leaves the line, or stops before its next
 * image, with the signal's reason.
 */
async function makeImages(making: AnswerMaking, source: KeptSource | undefined, askedSize: unknown, format: ImageFormat, count: number, signal?: AbortSignal): Promise<Made> {
  const key = making.cache?.keyFor(source);
  const cached = key === undefined ? undefined : making.cache!.get(key);
  if (cached) {
    const size = outputSize(askedSize, cached.picture);
    const images = Array.from({ length: count }, (_, i) => cached.images.get(planKey(size, format, i)));
    if (images.every((image) => image !== undefined)) return { size, source: cached.picture, images: images as Uint8Array[] };
  }
  const lane = isLight(source, askedSize, cached?.picture, count) ? making.lanes.light : making.lanes.heavy;
  let made: Made;
  try {
    made = await lane.run(async () => {
      signal?.throwIfAborted();
      const opened = await making.maker.open(source);
      try {
        const size = outputSize(askedSize, opened.picture);
        const images: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          signal?.throwIfAborted();
          images.push(await opened.render({ ...size, format, mark: editMark(i, size) }));
          making.counts.imagesMade++;
        }
        return { size, source: opened.picture, images };
      } finally {
        opened.close();
      }
    }, signal);
  } catch (error) {
    if (signal?.aborted) making.counts.dropped++;
    else if (error instanceof QueueFullError) making.counts.refused++;
    throw error;
  }
  if (key !== undefined) making.cache!.remember(key, made.source, new Map(made.images.map((image, i) => [planKey(made.size, format, i), image])));
  return made;
}

const nDefault = (specFacts.requestSchema.properties?.n?.default as number | undefined) ?? 1;
/** With no response_format the mock answers base64, as it always has: a picture a page shows with no second fetch. */
const FORMAT_WHEN_NONE = 'b64_json';
const qualities: readonly string[] = enumOf('quality');

/** Base64 of `bytes` with the platform's btoa, in slices (String.fromCharCode takes a bounded argument list). */
export function toBase64(bytes: Uint8Array): string {
  const slices: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) slices.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  return btoa(slices.join(''));
}

/** Rejects with QueueFullError when the answer's lane is full, and with `signal`'s reason once it aborts (makeImages). */
export async function madeAnswer(making: AnswerMaking, request: CheckedRequest, origin: string, generated?: Record<string, unknown>, signal?: AbortSignal): Promise<Record<string, unknown>> {
  const { fields } = request;
  const count = typeof fields.n === 'number' ? fields.n : nDefault;
  const responseFormat = typeof fields.response_format === 'string' ? fields.response_format : FORMAT_WHEN_NONE;
  const format: ImageFormat = isImageFormat(generated?.output_format) ? generated.output_format : 'png';
  const askedQuality = typeof fields.quality === 'string' ? fields.quality : undefined;
  const quality = askedQuality ?? (qualities.includes(generated?.quality as string) ? (generated!.quality as string) : 'auto');
  const askedSize = parseSize(fields.size) ? fields.size : (parseSize(generated?.size) ? generated!.size : undefined);

  const made = await makeImages(making, request.files[0]?.kept?.source, askedSize, format, count, signal);
  const { images } = made;

  const data = images.map((bytes) => (responseFormat === 'url' ? { url: `${origin}${making.files.put(bytes, format)}` } : { b64_json: toBase64(bytes) }));
  return {
    created: Math.floor((making.now ?? Date.now)() / 1000),
    data,
    output_format: format,
    size: `${made.size.width}x${made.size.height}`,
    quality,
    usage: usageOf({
      prompt: typeof fields.prompt === 'string' ? fields.prompt : '',
      sources: request.files.map((_, i) => (i === 0 ? made.source : undefined)),
      made: made.size,
      count,
      quality,
    }),
  };
}
