/**
 * The Node mock's image maker (core/images.ts): sharp (libvips) decodes the first uploaded image, scales it to
 * cover the size to make, lays the edit mark over it and encodes PNG, JPEG or WebP. sharp is an optional peer
 * dependency of the mock, like Prism, installed from npm with its prebuilt binary package (no download step).
 *
 * Memory: libvips' cache is off (every answer is a new picture), each image is decoded with a pixel limit
 * (MAX_SOURCE_PIXELS) and sequentially, and the core makes at most two answers at a time in each of its two lanes
 * (core/answer-made.ts), so a burst of requests cannot stack decoded pictures.
 */
import type { Dimensions, EditMark, ImageMaker, KeptSource, OpenedImage, RenderPlan } from './core/images.js';
import { MAX_SOURCE_PIXELS } from './core/images.js';

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
function marked(pipeline: Pipeline, plan: RenderPlan, mark: EditMark): Pipeline {
  const layer = (height: number, alpha: number) => ({ create: { width: plan.width, height, channels: 4 as const, background: { ...mark.tint, alpha } } });
  const layered = pipeline.composite([
    { input: layer(plan.height, 0.35), gravity: 'north' },
    { input: layer(Math.min(plan.height, mark.bandHeight), 1), gravity: 'south' },
  ]);
  if (plan.format === 'jpeg') return layered.flatten({ background: '#ffffff' }).jpeg({ quality: 85 });
  if (plan.format === 'webp') return layered.webp({ quality: 82 });
  return layered.png({ compressionLevel: 6 });
}

/** `load` is called when the first image is made (dependencies.ts: SharpOnDemand says why), `version` names it. */
export function sharpImageMaker(load: () => Sharp, version: string): ImageMaker {
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
          if (oriented.width && oriented.height && oriented.width * oriented.height <= MAX_SOURCE_PIXELS) picture = { width: oriented.width, height: oriented.height };
        } catch {
          // Bytes whose signature is an image's but which do not decode: the plain picture stands in for them.
        }
      }
      const plain = (plan: RenderPlan) => sharp({ create: { width: plan.width, height: plan.height, channels: 3, background: PLAIN } });
      return {
        picture,
        async render(plan) {
          let pipeline: Pipeline = picture && input !== undefined ? sharp(input, options).autoOrient().resize(plan.width, plan.height, { fit: 'cover' }) : plain(plan);
          try {
            return new Uint8Array(await marked(pipeline, plan, plan.mark).toBuffer());
          } catch {
            // Decoding can still fail past the header (a truncated file): draw the plain picture instead.
            pipeline = plain(plan);
            return new Uint8Array(await marked(pipeline, plan, plan.mark).toBuffer());
          }
        },
        close() {},
      };
    },
  };
}
