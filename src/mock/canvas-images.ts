/**
 * The MSW handlers' image maker in a page (core/images.ts): the browser's own codecs, no library. createImageBitmap
 * decodes the first uploaded image (EXIF orientation applied), an OffscreenCanvas scales it to cover the size to
 * make, lays the edit mark over it, and convertToBlob encodes PNG, JPEG or WebP. Where there is no usable canvas
 * (Node and jsdom have none; happy-dom has an OffscreenCanvas that gives no 2d context), `canvasImageMaker()` is
 * undefined: pass the Node mock's sharp maker instead (README), or the handlers answer with the spec's named examples.
 */
import { IMAGE_FORMATS, MAX_SOURCE_PIXELS, type ImageMaker, type KeptSource, type OpenedImage, type RenderPlan } from './core/images.js';

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
export function canvasImageMaker(): ImageMaker | undefined {
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
