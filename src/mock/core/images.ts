/**
 * How the mock makes an answer's images from the request's first image, on any platform: one interface here, two
 * implementations (sharp on Node: src/mock/sharp-images.ts; the page's own codecs, createImageBitmap and
 * OffscreenCanvas, under MSW: src/mock/canvas-images.ts). The core decides what to make (size, format, the mark
 * that shows an image was "edited"); a maker only decodes, scales, marks and encodes.
 *
 * Every image made is bounded: at most MAX_OUTPUT_SIDE pixels a side and MAX_OUTPUT_PIXELS in all (a larger size
 * asked for is scaled down, aspect kept, and the answer's `size` says what was made), and a source over
 * MAX_SOURCE_PIXELS is not decoded (a plain picture is drawn instead), so no request can make the mock allocate
 * more than a few tens of megabytes of pixels.
 */

/** The formats an answer may report in `output_format` and the mock can encode. */
export const IMAGE_FORMATS = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' } as const;
export type ImageFormat = keyof typeof IMAGE_FORMATS;

export function isImageFormat(value: unknown): value is ImageFormat {
  return typeof value === 'string' && Object.hasOwn(IMAGE_FORMATS, value);
}

/** 2048 × 2048: the largest image models' outputs (1536 × 1024, 1792 × 1024, 2048 × 2048) fit. */
export const MAX_OUTPUT_PIXELS = 2048 * 2048;
export const MAX_OUTPUT_SIDE = 4096;
/** Sources larger than this (about 8K × 5K) are not decoded: a plain picture stands in for them. */
export const MAX_SOURCE_PIXELS = 40_000_000;
/** What is made when the request names no `WxH` size and no source decodes: the common size of image models. */
export const DEFAULT_SIZE = { width: 1024, height: 1024 };

export interface Dimensions {
  width: number;
  height: number;
}

/** The first uploaded image, kept whole for making the answer: bytes, a Blob (a page), or a temporary file (Node). */
export type KeptSource = Uint8Array | Blob | { path: string };

export interface KeptImage {
  readonly source: KeptSource;
  /** Frees what keeping it took (a temporary file, its share of the memory budget); called once the answer is made. */
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

/** A source opened once for the n images of an answer. */
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
  const scale = Math.min(1, Math.sqrt(MAX_OUTPUT_PIXELS / (wanted.width * wanted.height)), MAX_OUTPUT_SIDE / wanted.width, MAX_OUTPUT_SIDE / wanted.height);
  return { width: Math.max(1, Math.floor(wanted.width * scale)), height: Math.max(1, Math.floor(wanted.height * scale)) };
}

/** What to make: the size asked for when it is `WxH`, else the source's, else DEFAULT_SIZE; bounded. */
export function outputSize(asked: unknown, source: Dimensions | undefined): Dimensions {
  return bounded(parseSize(asked) ?? source ?? DEFAULT_SIZE);
}

/** A colour per image of an answer (golden-angle hues), so the n images differ and each differs from the source. */
export function editMark(index: number, size: Dimensions): EditMark {
  const hue = (200 + index * 137.508) % 360;
  const f = (k: number) => {
    const x = (k + hue / 30) % 12;
    return Math.round(255 * (0.55 - 0.45 * Math.max(-1, Math.min(x - 3, 9 - x, 1))));
  };
  return { tint: { r: f(0), g: f(8), b: f(4) }, bandHeight: Math.max(1, Math.round(size.height / 8)) };
}
