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
import { editMark, isImageFormat, outputSize, parseSize, type Dimensions, type ImageFormat, type ImageMaker, type KeptSource } from './images.js';
import { limiter } from './limiter.js';
import { RenderCache } from './render-cache.js';
import type { CheckedRequest } from './request-check.js';
import { usageOf } from './usage.js';

/** Two requests' images are made at a time; the others wait (memory stays a few images' worth). */
const MAKING_AT_ONCE = 2;

export interface AnswerMaking {
  maker: ImageMaker;
  files: FileStore;
  now?: () => number;
  /** Runs one answer's image making within the mock's limit of MAKING_AT_ONCE. */
  readonly turn?: <T>(task: () => Promise<T>) => Promise<T>;
  /** Images already made from the same small source (render-cache.ts). */
  readonly cache?: RenderCache;
}

export function answerMaking(maker: ImageMaker, files: FileStore, now?: () => number): AnswerMaking {
  return { maker, files, now, turn: limiter(MAKING_AT_ONCE), cache: new RenderCache() };
}

interface Made {
  size: Dimensions;
  source: Dimensions | undefined;
  images: Uint8Array[];
}

const planKey = (size: Dimensions, format: ImageFormat, index: number) => `${size.width}x${size.height}:${format}:${index}`;

/** The n images: from the cache when it has them all, else decoded, scaled, marked and encoded (and remembered). */
async function makeImages(making: AnswerMaking, source: KeptSource | undefined, askedSize: unknown, format: ImageFormat, count: number): Promise<Made> {
  const key = making.cache?.keyFor(source);
  const cached = key === undefined ? undefined : making.cache!.get(key);
  if (cached) {
    const size = outputSize(askedSize, cached.picture);
    const images = Array.from({ length: count }, (_, i) => cached.images.get(planKey(size, format, i)));
    if (images.every((image) => image !== undefined)) return { size, source: cached.picture, images: images as Uint8Array[] };
  }
  const run = making.turn ?? ((task) => task());
  const made = await run(async () => {
    const opened = await making.maker.open(source);
    try {
      const size = outputSize(askedSize, opened.picture);
      const images: Uint8Array[] = [];
      for (let i = 0; i < count; i++) images.push(await opened.render({ ...size, format, mark: editMark(i, size) }));
      return { size, source: opened.picture, images };
    } finally {
      opened.close();
    }
  });
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

export async function madeAnswer(making: AnswerMaking, request: CheckedRequest, origin: string, generated?: Record<string, unknown>): Promise<Record<string, unknown>> {
  const { fields } = request;
  const count = typeof fields.n === 'number' ? fields.n : nDefault;
  const responseFormat = typeof fields.response_format === 'string' ? fields.response_format : FORMAT_WHEN_NONE;
  const format: ImageFormat = isImageFormat(generated?.output_format) ? generated.output_format : 'png';
  const askedQuality = typeof fields.quality === 'string' ? fields.quality : undefined;
  const quality = askedQuality ?? (qualities.includes(generated?.quality as string) ? (generated!.quality as string) : 'auto');
  const askedSize = parseSize(fields.size) ? fields.size : (parseSize(generated?.size) ? generated!.size : undefined);

  const made = await makeImages(making, request.files[0]?.kept?.source, askedSize, format, count);
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
