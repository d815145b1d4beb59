/**
 * The images made from small sources, remembered: a test suite or a load test sends the same fixture again and
 * again, and decoding, scaling and encoding it each time costs milliseconds where the rest of an answer costs
 * microseconds (measured: about 10× fewer answers a second without it). A source is known by its bytes (two
 * independent 32-bit hashes and its length); only sources up to CACHED_SOURCE_BYTES are hashed (a large one costs
 * more to hash than a cache could save), and the cache holds at most CACHE_BYTES of images, the least recently used
 * going first. The images are the same bytes a fresh render gives: making them is deterministic.
 */
import type { Dimensions, KeptSource } from './images.js';

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
