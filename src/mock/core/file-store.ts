/**
 * The images of `url` answers, held by the mock and served at `/files/<name>` on the origin the request reached,
 * so that `<img src>`, saveImages and `orq-images edit --format url` work offline. Bounded in time and in bytes:
 * a file lives FILE_TTL_MS (the real service's URLs expire too), and past FILE_STORE_BYTES in all the oldest files
 * are dropped first. Platform-free: the Node server and the MSW handlers each serve from it.
 */
import { IMAGE_FORMATS, type ImageFormat } from './images.js';
import type { Random } from './random.js';

export const FILES_PATH = '/files/';
/** One hour, as long as OpenAI's image URLs last. */
export const FILE_TTL_MS = 60 * 60 * 1000;
/** 128 MiB: dozens of answers of full-size images. */
export const FILE_STORE_BYTES = 128 * 1024 * 1024;

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
    while (this.files.size > 0 && this.bytes + bytes.byteLength > this.maxBytes) this.drop(this.files.keys().next().value!);
    let name: string;
    do {
      const id = Array.from({ length: 4 }, () => Math.floor(this.random() * 0x10000).toString(16).padStart(4, '0')).join('');
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
