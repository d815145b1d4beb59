/**
 * Images made from a small source are remembered, so the same fixture sent again costs no decoding: a source is
 * known by its bytes, large sources and files are never hashed, and the cache stays within its byte limit,
 * dropping the least recently used source first.
 */
import { describe, expect, it } from 'vitest';
import { CACHED_SOURCE_BYTES, RenderCache } from '../../src/mock/core/images.js';

const image = (size: number, fill = 1) => new Uint8Array(size).fill(fill);

describe('the render cache', () => {
  it('knows a source by its bytes, not by the object holding them', () => {
    const cache = new RenderCache();
    expect(cache.keyFor(image(100, 3))).toBe(cache.keyFor(image(100, 3)));
    expect(cache.keyFor(image(100, 3))).not.toBe(cache.keyFor(image(100, 4)));
    expect(cache.keyFor(image(100, 3))).not.toBe(cache.keyFor(image(101, 3)));
  });

  it('takes no file, no Blob and no source over its size limit', () => {
    const cache = new RenderCache();
    expect(cache.keyFor({ path: '/tmp/x' })).toBeUndefined();
    expect(cache.keyFor(new Blob([image(10)]))).toBeUndefined();
    expect(cache.keyFor(image(CACHED_SOURCE_BYTES + 1))).toBeUndefined();
  });

  it('gives back what it remembered, and drops the least recently used source past its byte limit', () => {
    const cache = new RenderCache();
    const picture = { width: 8, height: 8 };
    cache.remember('a', picture, new Map([['8x8:png:0', image(3 * 1024 * 1024)]]));
    cache.remember('b', picture, new Map([['8x8:png:0', image(3 * 1024 * 1024)]]));
    expect(cache.get('a')?.images.get('8x8:png:0')?.byteLength).toBe(3 * 1024 * 1024); // a is now the most recent
    for (const key of ['c', 'd', 'e', 'f'])
      cache.remember(key, picture, new Map([['8x8:png:0', image(3 * 1024 * 1024)]]));
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('f')?.picture).toEqual(picture);
  });
});
