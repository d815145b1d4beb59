/**
 * Keeps a request's first image whole on Node, for the answer made from it, without giving up the mock's bounded
 * memory (the intake holds nothing else of a file but its first bytes). The bytes are held in memory while they
 * fit two budgets: PER_IMAGE_BYTES for this image and MEMORY_BUDGET_BYTES for every image held by the requests in
 * flight together. The moment a chunk would pass either, what is held goes to a temporary file and the rest
 * follows it there, with back-pressure (the intake pauses the part until each write is done). So fifty 50 MB
 * uploads at once hold at most MEMORY_BUDGET_BYTES of images in memory; the rest waits on disk, in one directory per
 * mock, and each file is removed as soon as its answer is made (the directory when the mock closes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { KeptImage } from './core/images.js';

/** Most real photos and every 1024-pixel render fit; larger ones go to disk. */
export const PER_IMAGE_BYTES = 8 * 1024 * 1024;
/** All requests in flight together. */
export const MEMORY_BUDGET_BYTES = 32 * 1024 * 1024;
/** Per image on its way to disk. */
const WRITE_BUFFER_BYTES = 256 * 1024;

export interface KeepSink {
  /** Takes the next chunk; a promise means "wait for me before the next one" (the bytes are going to disk). */
  write(chunk: Buffer): Promise<void> | undefined;
  /** The whole image, once the part has ended. */
  finish(): Promise<KeptImage>;
  /** Drops whatever was kept (the request was refused or went away). */
  discard(): Promise<void>;
}

export class ImageKeeper {
  private held = 0;
  private dir: string | undefined;
  private files = 0;

  constructor(private readonly budgets = { perImage: PER_IMAGE_BYTES, total: MEMORY_BUDGET_BYTES }) {}

  /** Bytes held in memory right now, by every request together. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * A sink for one request's first image. `bodyBytes` (the request's Content-Length, when it has one) sends an image
   * that cannot fit PER_IMAGE_BYTES straight to disk: kept in memory first and moved later, its chunks would
   * outlive the young generation and wait for a full collection (+100 MB RSS for fifty 50 MB uploads at once).
   */
  start(bodyBytes?: number): KeepSink {
    const chunks: Buffer[] = [];
    let inMemory = 0;
    let file: { handle: FileHandle; path: string } | undefined;
    let failed: Error | undefined;
    let writing: Promise<void> = Promise.resolve();
    let busy = false;
    const toDisk = bodyBytes !== undefined && bodyBytes > this.budgets.perImage;
    const unhold = () => {
      this.held -= inMemory;
      inMemory = 0;
      chunks.length = 0;
    };
    // (unhold also runs on release of an image kept in memory: only then is its share of the budget free)
    const removeFile = async () => {
      if (!file) return;
      const { handle, path: filePath } = file;
      file = undefined;
      await handle.close().catch(() => undefined);
      await rm(filePath, { force: true });
    };

    // On disk, the bytes go through one write buffer per image: each chunk is copied and let go at once, for the same
    // reason (a chunk held until its own write completed outlives the young generation).
    let buffer: Buffer | undefined;
    let filled = 0;
    const flush = async () => {
      if (filled > 0) await file!.handle.write(buffer!, 0, filled);
      filled = 0;
    };
    const append = async (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(buffer!, filled, offset);
        offset += copied;
        filled += copied;
        if (filled === buffer!.length) await flush();
      }
    };
    const spill = async (chunk: Buffer) => {
      this.dir ??= mkdtempSync(path.join(tmpdir(), 'orq-mock-images-'));
      const filePath = path.join(this.dir, `image-${++this.files}`);
      file = { handle: await open(filePath, 'w'), path: filePath };
      buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
      const held = [...chunks];
      unhold();
      for (const piece of held) await file.handle.write(piece);
      await append(chunk);
    };

    return {
      write: (chunk) => {
        if (failed) return undefined;
        if (!file && !toDisk && inMemory + chunk.length <= this.budgets.perImage && this.held + chunk.length <= this.budgets.total) {
          chunks.push(chunk);
          inMemory += chunk.length;
          this.held += chunk.length;
          return undefined;
        }
        if (file && buffer && !busy && filled + chunk.length < buffer.length) {
          filled += chunk.copy(buffer, filled);
          return undefined;
        }
        busy = true;
        writing = writing
          .then(() => (file ? append(chunk) : spill(chunk)))
          .catch((error: Error) => {
            failed = error;
          })
          .finally(() => {
            busy = false;
          });
        return writing;
      },
      finish: async () => {
        await writing;
        if (failed) {
          await removeFile();
          unhold();
          throw failed;
        }
        if (file) {
          await flush().catch((error: Error) => {
            failed = error;
          });
          if (failed) {
            await removeFile();
            throw failed;
          }
          await file.handle.close();
          const filePath = file.path;
          file = undefined;
          return { source: { path: filePath }, release: () => rm(filePath, { force: true }) };
        }
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        chunks.length = 0; // `bytes` alone holds them now; the budget keeps counting them until release
        let released = false;
        return {
          source: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          release: async () => {
            if (released) return;
            released = true;
            unhold();
          },
        };
      },
      discard: async () => {
        await writing;
        unhold();
        await removeFile();
      },
    };
  }

  /** Removes the temporary directory (the mock is closing; every answer is made). */
  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
