/**
 * Small real images made by the tests themselves: PNGs that decode (zlib + CRC, no dependency), and the smallest
 * JPEG and WebP byte sequences whose signatures are right. `padTo` grows a PNG with an ancillary chunk that
 * decoders skip, for size-limit tests without megabytes of pixels.
 */
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (const byte of bytes) c = CRC_TABLE[(c ^ byte) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typed));
  return Buffer.concat([length, typed, crc]);
}

/** An RGB PNG of `width`×`height` with a gradient, optionally padded to exactly `padTo` bytes. */
export function makePng(width = 4, height = 4, options: { padTo?: number; seed?: number } = {}): Buffer<ArrayBuffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // colour type RGB
  const seed = options.seed ?? 0;
  const raw = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const offset = y * (width * 3 + 1) + 1 + x * 3;
      raw[offset] = (x * 40 + seed) & 0xff;
      raw[offset + 1] = (y * 40 + seed * 7) & 0xff;
      raw[offset + 2] = 160;
    }
  }
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const parts = [signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw))];
  const end = chunk('IEND', Buffer.alloc(0));
  const size = parts.reduce((sum, p) => sum + p.length, 0) + end.length;
  if (options.padTo !== undefined) {
    const padding = options.padTo - size - 12; // a chunk costs 12 bytes besides its data
    if (padding < 0) throw new Error(`makePng: cannot pad to ${options.padTo} bytes, the image alone is ${size}`);
    parts.push(chunk('prVt', Buffer.alloc(padding)));
  }
  return Buffer.concat([...parts, end]) as Buffer<ArrayBuffer>;
}

/** The first bytes of a JFIF JPEG (SOI + APP0): enough for a signature check. */
export function makeJpegHead(): Buffer<ArrayBuffer> {
  return Buffer.from([
    0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00, 0xff, 0xd9,
  ]);
}

/** A RIFF/WEBP container header: enough for a signature check. */
export function makeWebpHead(): Buffer<ArrayBuffer> {
  const body = Buffer.from('WEBPVP8L\x05\x00\x00\x00\x2f\x00\x00\x00\x00', 'latin1');
  const size = Buffer.alloc(4);
  size.writeUInt32LE(body.length);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, body]) as Buffer<ArrayBuffer>;
}
