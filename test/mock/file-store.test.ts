/**
 * The images of url responses are held for a bounded time and a bounded total size: a file expires after its time
 * to live, and past the byte limit the oldest files are dropped first, so a mock under load never grows past it.
 */
import { describe, expect, it } from 'vitest';
import { FILES_PATH, FileStore } from '../../src/mock/core/images.js';
import { seededRandom } from '../../src/mock/core/types.js';

const bytes = (size: number) => new Uint8Array(size);

describe('the file store behind /files', () => {
  it('serves what it holds with its media type, under /files/ only', () => {
    const store = new FileStore();
    const path = store.put(bytes(10), 'webp');
    expect(path.startsWith(FILES_PATH)).toBe(true);
    expect(path.endsWith('.webp')).toBe(true);
    expect(store.get(path)).toEqual({ bytes: bytes(10), mediaType: 'image/webp' });
    expect(store.get(path.replace(FILES_PATH, '/elsewhere/'))).toBeUndefined();
    expect(store.put(bytes(1), 'jpeg').endsWith('.jpg')).toBe(true);
  });

  it('a file expires after its time to live', () => {
    let now = 1_000;
    const store = new FileStore({ ttlMs: 500, now: () => now });
    const first = store.put(bytes(1), 'png');
    now += 300;
    const second = store.put(bytes(1), 'png');
    now += 250;
    expect(store.get(first)).toBeUndefined();
    expect(store.get(second)).toBeDefined();
    expect(store.size).toBe(1);
  });

  it('past its byte limit the oldest files go first, and it never holds more than the limit', () => {
    const store = new FileStore({ maxBytes: 100 });
    const paths = Array.from({ length: 10 }, () => store.put(bytes(30), 'png'));
    expect(store.size).toBeLessThanOrEqual(100);
    expect(paths.map((path) => store.get(path) !== undefined)).toEqual([
      false,
      false,
      false,
      false,
      false,
      false,
      false,
      true,
      true,
      true,
    ]);
  });

  it('names files from its random source: a seeded one repeats them', () => {
    const names = () => {
      const store = new FileStore({ random: seededRandom('s') });
      return [store.put(bytes(1), 'png'), store.put(bytes(1), 'png')];
    };
    expect(names()).toEqual(names());
    expect(new Set(names()).size).toBe(2);
  });
});
