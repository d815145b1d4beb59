/**
 * The images of made responses, on any platform: what to make (size, format, the mark that shows an image was
 * "edited"), the maker interface (sharp on Node in index.ts, the page's own codecs in msw.ts; a maker only decodes,
 * scales, marks and encodes), the lanes the work waits in, a cache of images made from small sources, and the store
 * that serves `url` responses' images at /files/.
 *
 * Every image is bounded: at most MAX_OUTPUT_SIDE pixels a side and MAX_OUTPUT_PIXELS in all (a larger size is scaled
 * down, aspect kept, and the response's `size` says what was made), and a source over MAX_SOURCE_PIXELS is not decoded
 * (a plain picture is drawn instead), so no request can make the mock allocate more than tens of megabytes of pixels.
 * The work is bounded too: two responses at a time per lane, at most `queue` waiting (one more is refused with 503),
 * and a response whose client has gone leaves its lane, waiting or between two images.
 */
import { limiter, QueueFullError, type Limiter, type Random } from './types.js';

/** The formats a response may report in `output_format` and the mock can encode. */
export const IMAGE_FORMATS = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;
export type ImageFormat = keyof typeof IMAGE_FORMATS;

export function isImageFormat(value: unknown): value is ImageFormat {
  return typeof value === 'string' && Object.hasOwn(IMAGE_FORMATS, value);
}

/** 2048 × 2048: the largest image models' outputs (1536 × 1024, 1792 × 1024, 2048 × 2048) fit. */
export const MAX_OUTPUT_PIXELS = 2048 * 2048;
const MAX_OUTPUT_SIDE = 4096;
/** Sources larger than this (about 8K × 5K) are not decoded: a plain picture stands in for them. */
export const MAX_SOURCE_PIXELS = 40_000_000;
/** What is made when the request names no `WxH` size and no source decodes: the common size of image models. */
const DEFAULT_SIZE = { width: 1024, height: 1024 };

export interface Dimensions {
  width: number;
  height: number;
}

/** The first uploaded image, kept whole for making the response: bytes, a Blob (a page), or a temporary file (Node). */
export type KeptSource = Uint8Array | Blob | { path: string };

export interface KeptImage {
  readonly source: KeptSource;
  /** Frees what keeping it took (a temporary file, its share of the memory budget); called once the response is made. */
  release(): Promise<void>;
}

/** What shows that an image was "edited": a tint over the whole picture and a band of the same colour at its foot. */
export interface EditMark {
  tint: { r: number; g: number; b: number };
  /** Height of the band, in pixels (at least 1). */
  bandHeight: number;
}

export interface RenderPlan extends Dimensions {
  format: ImageFormat;
  mark: EditMark;
}

/** A source opened once for the n images of a response. */
export interface OpenedImage {
  /** The source's size once oriented; undefined when there is none, or it does not decode, or it is too large. */
  readonly picture: Dimensions | undefined;
  /** One image: the source scaled to cover width × height (centre kept), or a plain picture, marked and encoded. */
  render(plan: RenderPlan): Promise<Uint8Array>;
  close(): void;
}

export interface ImageMaker {
  /** Who makes the images, for banners (`sharp 0.35.5`, `canvas`). */
  readonly name: string;
  open(source: KeptSource | undefined): Promise<OpenedImage>;
}

const WXH = /^\s*(\d{1,6})\s*[x×X]\s*(\d{1,6})\s*$/;

/** `1024x1536` → its dimensions; anything else (`auto`, `large`, absent) → undefined. */
export function parseSize(size: unknown): Dimensions | undefined {
  const match = typeof size === 'string' ? WXH.exec(size) : null;
  if (!match) return undefined;
  const width = Number(match[1]);
  const height = Number(match[2]);
  return width > 0 && height > 0 ? { width, height } : undefined;
}

/** `wanted` scaled down (aspect kept) to the output bounds; never up. */
export function bounded(wanted: Dimensions): Dimensions {
  const scale = Math.min(
    1,
    Math.sqrt(MAX_OUTPUT_PIXELS / (wanted.width * wanted.height)),
    MAX_OUTPUT_SIDE / wanted.width,
    MAX_OUTPUT_SIDE / wanted.height,
  );
  return {
    width: Math.max(1, Math.floor(wanted.width * scale)),
    height: Math.max(1, Math.floor(wanted.height * scale)),
  };
}

/** What to make: the size asked for when it is `WxH`, else the source's, else DEFAULT_SIZE; bounded. */
function outputSize(asked: unknown, source: Dimensions | undefined): Dimensions {
  return bounded(parseSize(asked) ?? source ?? DEFAULT_SIZE);
}

/** A colour per image of a response (golden-angle hues), so the n images differ and each differs from the source. */
function editMark(index: number, size: Dimensions): EditMark {
  const hue = (200 + index * 137.508) % 360;
  const f = (k: number) => {
    const x = (k + hue / 30) % 12;
    return Math.round(255 * (0.55 - 0.45 * Math.max(-1, Math.min(x - 3, 9 - x, 1))));
  };
  return { tint: { r: f(0), g: f(8), b: f(4) }, bandHeight: Math.max(1, Math.round(size.height / 8)) };
}

/*
 * Images made from small sources, remembered: a test suite or a load test sends the same fixture again and again, and
 * decoding, scaling and encoding it costs milliseconds where the rest of a response costs microseconds (about 10×
 * fewer responses a second without it). A source is known by its bytes (two independent 32-bit hashes and its
 * length); only sources up to CACHED_SOURCE_BYTES are hashed, and the cache holds at most CACHE_BYTES of images, the
 * least recently used going first. Making images is deterministic: a cached image is the bytes a fresh one would be.
 */
export const CACHED_SOURCE_BYTES = 256 * 1024;
const CACHE_BYTES = 16 * 1024 * 1024;

export interface CachedSource {
  picture: Dimensions | undefined;
  /** Images by plan (`64x48:png:0`). */
  images: Map<string, Uint8Array>;
}

/** FNV-1a and a multiplicative hash side by side: a collision of both, at the same length, is not a practical worry. */
function keyOf(bytes: Uint8Array): string {
  let a = 0x811c9dc5;
  let b = 0x2545f491;
  for (let i = 0; i < bytes.length; i++) {
    a = Math.imul(a ^ bytes[i]!, 0x01000193);
    b = Math.imul(b + bytes[i]! + 1, 0x9e3779b1) ^ (b >>> 15);
  }
  return `${bytes.length}:${(a >>> 0).toString(36)}:${(b >>> 0).toString(36)}`;
}

export class RenderCache {
  private readonly sources = new Map<string, CachedSource>();
  private bytes = 0;

  /** The cache's key for `source`, or undefined when it is not one the cache takes (a file, a Blob, a large one). */
  keyFor(source: KeptSource | undefined): string | undefined {
    if (source === undefined) return 'none';
    return source instanceof Uint8Array && source.byteLength <= CACHED_SOURCE_BYTES ? keyOf(source) : undefined;
  }

  /** The entry for `key`, made the most recently used. */
  get(key: string): CachedSource | undefined {
    const entry = this.sources.get(key);
    if (entry) {
      this.sources.delete(key);
      this.sources.set(key, entry);
    }
    return entry;
  }

  /** Remembers the picture of a source and the images made from it. */
  remember(key: string, picture: Dimensions | undefined, made: Map<string, Uint8Array>): void {
    const entry = this.get(key) ?? { picture, images: new Map<string, Uint8Array>() };
    this.sources.set(key, entry);
    for (const [plan, image] of made) {
      if (entry.images.has(plan) || image.byteLength > CACHE_BYTES / 4) continue;
      entry.images.set(plan, image);
      this.bytes += image.byteLength;
    }
    for (const [oldest, old] of this.sources) {
      if (this.bytes <= CACHE_BYTES) break;
      for (const image of old.images.values()) this.bytes -= image.byteLength;
      this.sources.delete(oldest);
    }
  }
}

/** Two responses' images are made at a time in each lane; the others wait (memory stays a few images' worth). */
const AT_ONCE = 2;
/** How many responses may wait in each lane unless the mock is told otherwise (startMock's imageQueue, --image-queue). */
export const IMAGE_QUEUE_DEFAULT = 64;
/** The most a mock may be told: ten thousand responses of work is already hours of it. */
const IMAGE_QUEUE_MAX = 10_000;

/** Why `value` cannot be the image queue's bound (`name` is how the caller spelled it), or undefined when it can. */
export function imageQueueIssue(value: unknown, name: string): string | undefined {
  if (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= IMAGE_QUEUE_MAX) return undefined;
  return `${name} must be an integer from 0 to ${IMAGE_QUEUE_MAX} (responses waiting for their images), got ${JSON.stringify(value)}`;
}
/**
 * A response whose images add up to at most this many pixels (one default-size image), made from no source or a small
 * one (up to CACHED_SOURCE_BYTES), is light: it waits in its own lane, so a small request is never behind large ones.
 */
const LIGHT_PIXELS = DEFAULT_SIZE.width * DEFAULT_SIZE.height;

/** What the mock's image work is doing, and has done since it started. */
export interface ImageWork {
  /** Responses whose images are being made now. */
  making: number;
  /** Responses waiting for their turn now. */
  waiting: number;
  /** Images made. */
  imagesMade: number;
  /** Responses whose image work stopped because their client went away (while waiting, or between two images). */
  dropped: number;
  /** Responses refused with 503 because their lane was full. */
  refused: number;
}

export interface ImageRenderer {
  maker: ImageMaker;
  files: FileStore;
  /** Light responses (LIGHT_PIXELS) and the others, each AT_ONCE at a time with a bounded line of its own. */
  readonly lanes: { light: Limiter; heavy: Limiter };
  /** Images already made from the same small source (RenderCache). */
  readonly cache: RenderCache;
  readonly counts: Pick<ImageWork, 'imagesMade' | 'dropped' | 'refused'>;
}

/** `queue`: how many responses may wait in each lane; one more is refused with 503 and Retry-After. */
export function createImageRenderer(maker: ImageMaker, files: FileStore, queue = IMAGE_QUEUE_DEFAULT): ImageRenderer {
  return {
    maker,
    files,
    lanes: { light: limiter(AT_ONCE, queue), heavy: limiter(AT_ONCE, queue) },
    cache: new RenderCache(),
    counts: { imagesMade: 0, dropped: 0, refused: 0 },
  };
}

export function imageWork(renderer: ImageRenderer): ImageWork {
  const { light, heavy } = renderer.lanes;
  return { making: light.running + heavy.running, waiting: light.waiting + heavy.waiting, ...renderer.counts };
}

export interface Rendered {
  size: Dimensions;
  source: Dimensions | undefined;
  images: Uint8Array[];
}

const planKey = (size: Dimensions, format: ImageFormat, index: number) =>
  `${size.width}x${size.height}:${format}:${index}`;

function sourceBytes(source: KeptSource): number {
  return source instanceof Uint8Array ? source.byteLength : source instanceof Blob ? source.size : Infinity;
}

/**
 * Whether a response is light, checked before anything is decoded: the size it will make is known (asked as `WxH`, no
 * source, or a source seen before) and its images add up to LIGHT_PIXELS at most, from a small source.
 */
function isLight(
  source: KeptSource | undefined,
  askedSize: unknown,
  known: Dimensions | undefined,
  count: number,
): boolean {
  if (source !== undefined && sourceBytes(source) > CACHED_SOURCE_BYTES) return false;
  const size = parseSize(askedSize) || source === undefined || known ? outputSize(askedSize, known) : undefined;
  return size !== undefined && count * size.width * size.height <= LIGHT_PIXELS;
}

/**
 * The n images: from the cache when it has them all, else decoded, scaled, marked and encoded (and remembered) in
 * their lane's turn. `signal` is the client's: once it has gone, the response leaves the line, or stops before its next
 * image, with the signal's reason.
 */
export async function renderImages(
  renderer: ImageRenderer,
  source: KeptSource | undefined,
  askedSize: unknown,
  format: ImageFormat,
  count: number,
  signal?: AbortSignal,
): Promise<Rendered> {
  const key = renderer.cache.keyFor(source);
  const cached = key === undefined ? undefined : renderer.cache.get(key);
  if (cached) {
    const size = outputSize(askedSize, cached.picture);
    const images = Array.from({ length: count }, (_, i) => cached.images.get(planKey(size, format, i)));
    if (images.every((image) => image !== undefined))
      return { size, source: cached.picture, images: images as Uint8Array[] };
  }
  const lane = isLight(source, askedSize, cached?.picture, count) ? renderer.lanes.light : renderer.lanes.heavy;
  let made: Rendered;
  try {
    made = await lane.run(async () => {
      signal?.throwIfAborted();
      const opened = await renderer.maker.open(source);
      try {
        const size = outputSize(askedSize, opened.picture);
        const images: Uint8Array[] = [];
        for (let i = 0; i < count; i++) {
          signal?.throwIfAborted();
          images.push(await opened.render({ ...size, format, mark: editMark(i, size) }));
          renderer.counts.imagesMade++;
        }
        return { size, source: opened.picture, images };
      } finally {
        opened.close();
      }
    }, signal);
  } catch (error) {
    if (signal?.aborted) renderer.counts.dropped++;
    else if (error instanceof QueueFullError) renderer.counts.refused++;
    throw error;
  }
  if (key !== undefined)
    renderer.cache.remember(
      key,
      made.source,
      new Map(made.images.map((image, i) => [planKey(made.size, format, i), image])),
    );
  return made;
}

/*
 * The images of `url` responses, held and served at `/files/<name>` on the origin the request reached, so that
 * `<img src>`, saveImages and `orq-images edit --format url` work offline. A file lives FILE_TTL_MS (the real
 * service's URLs expire too), and past FILE_STORE_BYTES in all the oldest go first.
 */
export const FILES_PATH = '/files/';
/** One hour, as long as OpenAI's image URLs last. */
export const FILE_TTL_MS = 60 * 60 * 1000;
/** 128 MiB: dozens of responses of full-size images. */
const FILE_STORE_BYTES = 128 * 1024 * 1024;

export interface StoredFile {
  bytes: Uint8Array;
  mediaType: string;
}

interface Entry extends StoredFile {
  expires: number;
}

export interface FileStoreOptions {
  ttlMs?: number;
  maxBytes?: number;
  /** Names files; a seeded one makes them repeatable. */
  random?: Random;
  now?: () => number;
}

export class FileStore {
  // A Map keeps insertion order: its first entry is always the oldest.
  private readonly files = new Map<string, Entry>();
  private bytes = 0;
  private readonly ttlMs: number;
  private readonly maxBytes: number;
  private readonly random: Random;
  private readonly now: () => number;

  constructor(options: FileStoreOptions = {}) {
    this.ttlMs = options.ttlMs ?? FILE_TTL_MS;
    this.maxBytes = options.maxBytes ?? FILE_STORE_BYTES;
    this.random = options.random ?? Math.random;
    this.now = options.now ?? Date.now;
  }

  /** Holds `bytes` and returns the path it is served at (`/files/edit-3f9c…-1.png`). */
  put(bytes: Uint8Array, format: ImageFormat): string {
    this.expire();
    while (this.files.size > 0 && this.bytes + bytes.byteLength > this.maxBytes)
      this.drop(this.files.keys().next().value!);
    let name: string;
    do {
      const id = Array.from({ length: 4 }, () =>
        Math.floor(this.random() * 0x10000)
          .toString(16)
          .padStart(4, '0'),
      ).join('');
      name = `edit-${id}.${format === 'jpeg' ? 'jpg' : format}`;
    } while (this.files.has(name));
    this.files.set(name, { bytes, mediaType: IMAGE_FORMATS[format], expires: this.now() + this.ttlMs });
    this.bytes += bytes.byteLength;
    return `${FILES_PATH}${name}`;
  }

  /** The file served at `path`, or undefined when there is none (never made, expired or dropped). */
  get(path: string): StoredFile | undefined {
    if (!path.startsWith(FILES_PATH)) return undefined;
    this.expire();
    const entry = this.files.get(path.slice(FILES_PATH.length));
    return entry && { bytes: entry.bytes, mediaType: entry.mediaType };
  }

  /** Bytes held now. */
  get size(): number {
    return this.bytes;
  }

  private expire(): void {
    const now = this.now();
    for (const [name, entry] of this.files) {
      if (entry.expires > now) break; // oldest first, all with the same time to live
      this.drop(name);
    }
  }

  private drop(name: string): void {
    const entry = this.files.get(name);
    if (!entry) return;
    this.bytes -= entry.bytes.byteLength;
    this.files.delete(name);
  }
}
