/**
 * A success the mock picks without a named example is made from the request: `n` images, each as `response_format`
 * asks, made from the first uploaded image at the size asked for, in the format `output_format` reports, marked as
 * edited; `url` images served by the mock itself with CORS; `created` now, `size`/`quality` echoed, `usage`
 * consistent. Checked by decoding every image (sharp, the library the mock uses, reading what came over the wire).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { examplesOf } from '../../src/contract/spec.js';
import { MAX_OUTPUT_PIXELS } from '../../src/mock/core/images.js';
import { makePng } from '../support/images.js';
import { AUTH, minimalParts, mockUrl, postParts, type Part } from './support.js';

const ORIGIN = 'http://frontend.example:5173';
/** The spec's smallest request without its image, with `fields` set (replacing any it has). */
const textParts = (fields: Record<string, string> = {}): Part[] => [
  ...minimalParts().filter((part) => part.filename === undefined && !(part.name in fields)),
  ...Object.entries(fields).map(([name, value]) => ({ name, value })),
];

/** A picture whose left half is red and right half blue, so a made image can be traced back to it. */
async function redBlue(width: number, height: number, format: 'png' | 'jpeg' | 'webp' = 'png'): Promise<Buffer> {
  const half = Math.floor(width / 2);
  return sharp({ create: { width, height, channels: 3, background: '#0000ff' } })
    .composite([{ input: { create: { width: half, height, channels: 3, background: '#ff0000' } }, left: 0, top: 0 }])
    .toFormat(format)
    .toBuffer();
}

function imagePart(bytes: Buffer, format = 'png'): Part {
  return {
    name: 'image',
    value: bytes,
    filename: `source.${format === 'jpeg' ? 'jpg' : format}`,
    contentType: `image/${format}`,
  };
}

/** The mean colour of a region of a decoded image (x, y, width, height as fractions of its size). */
async function meanColour(bytes: Buffer, region: [number, number, number, number]) {
  const { data, info } = await sharp(bytes).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [x0, y0, x1, y1] = [
    region[0] * info.width,
    region[1] * info.height,
    (region[0] + region[2]) * info.width,
    (region[1] + region[3]) * info.height,
  ].map(Math.floor) as [number, number, number, number];
  const sum = [0, 0, 0];
  let count = 0;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      for (let c = 0; c < 3; c++) sum[c]! += data[(y * info.width + x) * 3 + c]!;
      count++;
    }
  }
  const [r, g, b] = sum.map((value) => value / count) as [number, number, number];
  return { r, g, b };
}

async function edit(fields: Record<string, string>, source: Part, headers: Record<string, string> = AUTH) {
  const response = await postParts([...textParts(fields), source], headers);
  expect(response.status, response.text.slice(0, 300)).toBe(200);
  expect(validateImageEditResponse(response.body), JSON.stringify(validateImageEditResponse.errors)).toBe(true);
  return response;
}

/** The images of a response as bytes: b64_json decoded, url fetched from the mock (as a page on another origin). */
async function imagesOf(body: { data: { url?: string; b64_json?: string }[] }) {
  return Promise.all(
    body.data.map(async (item) => {
      expect(Object.keys(item)).toHaveLength(1);
      if (item.b64_json !== undefined) return { bytes: Buffer.from(item.b64_json, 'base64'), contentType: undefined };
      const response = await fetch(item.url!, { headers: { Origin: ORIGIN } });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
      return { bytes: Buffer.from(await response.arrayBuffer()), contentType: response.headers.get('content-type') };
    }),
  );
}

describe('responses made from the request', () => {
  it('n=3, size=64x48, response_format=url: three URLs on the mock itself, served with CORS, each a 64×48 PNG of the source, marked', async () => {
    const response = await edit({ n: '3', size: '64x48', response_format: 'url' }, imagePart(await redBlue(300, 200)), {
      ...AUTH,
      Origin: ORIGIN,
    });
    expect(response.body.data).toHaveLength(3);
    for (const item of response.body.data) expect(item.url.startsWith(`${mockUrl()}/files/`), item.url).toBe(true);
    const images = await imagesOf(response.body);
    const marks = [];
    for (const { bytes, contentType } of images) {
      expect(contentType).toBe('image/png');
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
      // The source shows through: red on the left, blue on the right (above the band).
      const left = await meanColour(bytes, [0.05, 0.1, 0.3, 0.5]);
      const right = await meanColour(bytes, [0.65, 0.1, 0.3, 0.5]);
      expect(left.r).toBeGreaterThan(left.b);
      expect(right.b).toBeGreaterThan(right.r);
      // Marked as edited: the band at the foot is one colour across the whole width.
      const bandLeft = await meanColour(bytes, [0, 0.92, 0.2, 0.08]);
      const bandRight = await meanColour(bytes, [0.8, 0.92, 0.2, 0.08]);
      for (const c of ['r', 'g', 'b'] as const) expect(Math.abs(bandLeft[c] - bandRight[c])).toBeLessThan(8);
      marks.push(bandLeft);
    }
    // Each of the n images is marked in its own colour.
    expect(
      new Set(marks.map((m) => `${Math.round(m.r / 16)},${Math.round(m.g / 16)},${Math.round(m.b / 16)}`)).size,
    ).toBe(3);
    expect(response.body).toMatchObject({ size: '64x48', output_format: 'png' });
  });

  it('response_format=b64_json: the same images inline, and no url', async () => {
    const response = await edit(
      { n: '3', size: '64x48', response_format: 'b64_json' },
      imagePart(await redBlue(300, 200)),
    );
    expect(response.body.data).toHaveLength(3);
    for (const { bytes } of await imagesOf(response.body)) {
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    }
  });

  it('a JPEG source: decoded, scaled and returned as PNG (what output_format says)', async () => {
    const response = await edit(
      { n: '2', size: '64x48', response_format: 'url' },
      imagePart(await redBlue(120, 90, 'jpeg'), 'jpeg'),
    );
    for (const { bytes, contentType } of await imagesOf(response.body)) {
      expect(contentType).toBe(`image/${response.body.output_format}`);
      const meta = await sharp(bytes).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
      expect((await meanColour(bytes, [0.05, 0.1, 0.3, 0.5])).r).toBeGreaterThan(100);
    }
  });

  it("without a WxH size, the source's own size; a size past the bounds is scaled down, and `size` says what was made", async () => {
    for (const size of [undefined, 'auto']) {
      const response = await edit(
        { response_format: 'b64_json', ...(size ? { size } : {}) },
        imagePart(await redBlue(90, 30, 'webp'), 'webp'),
      );
      expect(response.body.size).toBe('90x30');
      expect(response.body.data).toHaveLength(1); // n's default
      const meta = await sharp((await imagesOf(response.body))[0]!.bytes).metadata();
      expect([meta.width, meta.height]).toEqual([90, 30]);
    }
    const huge = await edit({ size: '8000x4000', response_format: 'b64_json' }, imagePart(makePng(4, 4)));
    const [width, height] = huge.body.size.split('x').map(Number);
    expect(width * height).toBeLessThanOrEqual(MAX_OUTPUT_PIXELS);
    expect(width / height).toBeCloseTo(2, 1);
    const meta = await sharp((await imagesOf(huge.body))[0]!.bytes).metadata();
    expect(`${meta.width}x${meta.height}`).toBe(huge.body.size);
  });

  it('an image whose signature is right but which does not decode still gets its edit: a plain picture at the size asked', async () => {
    const broken = Buffer.concat([makePng(4, 4).subarray(0, 8), Buffer.alloc(200, 7)]);
    const response = await edit({ size: '32x16', response_format: 'b64_json' }, imagePart(broken));
    const meta = await sharp((await imagesOf(response.body))[0]!.bytes).metadata();
    expect([meta.width, meta.height]).toEqual([32, 16]);
  });

  it('created is now; quality echoes the request; usage adds up and grows with the prompt and the images', async () => {
    const source = imagePart(await redBlue(64, 64));
    const before = Math.floor(Date.now() / 1000);
    const one = await edit({ quality: 'high', size: '64x64', response_format: 'b64_json', prompt: 'short' }, source);
    expect(one.body.created).toBeGreaterThanOrEqual(before - 1);
    expect(one.body.created).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 1);
    expect(one.body.quality).toBe('high');
    const longPrompt = await edit(
      { quality: 'high', size: '64x64', response_format: 'b64_json', prompt: 'a much longer prompt '.repeat(20) },
      source,
    );
    const threeImages = await postParts([
      ...textParts({ prompt: 'short', quality: 'high', size: '64x64', response_format: 'b64_json' }),
      source,
      source,
      source,
    ]);
    for (const body of [one.body, longPrompt.body, threeImages.body]) {
      const { usage } = body;
      expect(usage.total_tokens).toBe(usage.input_tokens + usage.output_tokens);
      expect(usage.input_tokens).toBe(usage.input_tokens_details.text_tokens + usage.input_tokens_details.image_tokens);
    }
    expect(longPrompt.body.usage.input_tokens_details.text_tokens).toBeGreaterThan(
      one.body.usage.input_tokens_details.text_tokens,
    );
    expect(threeImages.body.usage.input_tokens_details.image_tokens).toBeGreaterThan(
      one.body.usage.input_tokens_details.image_tokens,
    );
    const twoOut = await edit(
      { n: '2', quality: 'high', size: '64x64', response_format: 'b64_json', prompt: 'short' },
      source,
    );
    expect(twoOut.body.usage.output_tokens).toBe(2 * one.body.usage.output_tokens);
  });

  it('a named example still comes back exactly as the spec writes it', async () => {
    for (const example of examplesOf(200)) {
      const response = await edit({ n: '3', size: '64x48' }, imagePart(makePng(4, 4)), {
        ...AUTH,
        Prefer: `example=${example.name}`,
      });
      expect(response.body).toEqual(example.value);
    }
  });

  it('an image the mock does not hold is a 404; /files takes only GET and HEAD', async () => {
    const missing = await fetch(`${mockUrl()}/files/edit-0000000000000000.png`);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain('no such image');
    const response = await edit({ response_format: 'url', size: '8x8' }, imagePart(makePng(4, 4)));
    const url: string = response.body.data[0].url;
    expect((await fetch(url, { method: 'HEAD' })).headers.get('content-length')).toBe(
      String((await imagesOf(response.body))[0]!.bytes.length),
    );
    expect((await fetch(url, { method: 'DELETE' })).status).toBe(405);
  });
});
