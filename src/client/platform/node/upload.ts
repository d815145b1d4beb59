/**
 * The multipart body's bytes in order, as the Node uploads send them (the transport's own writes, and the stream
 * body for a caller's own fetch): text as UTF-8; images made from files read
 * straight from disk in large reads into buffers the writer hands back once they are written (so memory stays flat
 * however large the files); other images from their Blob. A Blob's own stream reads 64 KiB at a time and, given a
 * file-backed Blob, goes on reading after an abort; reading the file ourselves avoids both.
 *
 * Every image is checked as it goes out against what the pre-flight check saw (checkedSignatures in
 * platform/shared.ts): the same size, and the same first bytes, compared before they are handed on. A file swapped
 * for other bytes of the same size after the check (a PNG became a JPEG, or no image at all) stops the upload with
 * ImageChangedError before the new bytes are sent; nothing of the wrong type ever goes out under the checked
 * Content-Type.
 */
import { sniffImageType } from '../../../contract/images.js';
import { ImageChangedError } from '../../errors.js';
import { checkedSignatures } from '../shared.js';
import { fileBehind, nodeFs } from './files.js';

/** One piece of the body, and how to hand its buffer back once it has been written. */
export interface BodyChunk {
  bytes: Uint8Array;
  /** The bytes are a pool's buffer, reused once released: they must be written (or copied) before that. */
  pooled: boolean;
  release(): void;
}

/** Where file reads go: a small pool reused (the transport) or a fresh buffer per read (a stream that keeps them). */
export interface ReadBuffers {
  take(): Uint8Array | Promise<Uint8Array>;
  give(buffer: Uint8Array): void;
}

const noop = () => {};

/** At most `count` buffers of `size` bytes, reused as they are given back: bytes in flight never exceed count × size. */
export function bufferPool(count: number, size: number): ReadBuffers {
  const free: Uint8Array[] = [];
  const waiting: ((buffer: Uint8Array) => void)[] = [];
  let made = 0;
  return {
    take() {
      const buffer = free.pop();
      if (buffer) return buffer;
      if (made < count) {
        made++;
        return new Uint8Array(size);
      }
      return new Promise((resolve) => waiting.push(resolve));
    },
    give(buffer) {
      const next = waiting.shift();
      if (next) next(buffer);
      else free.push(buffer);
    },
  };
}

/** Compares an image's bytes, as they go out, with the signature the check read; throws at the first difference. */
function signatureCheck(index: number, blob: Blob, file: string | undefined): (bytes: Uint8Array) => void {
  const expected = checkedSignatures.get(blob);
  if (!expected) return noop;
  const seen = new Uint8Array(expected.length);
  let at = 0;
  return (bytes) => {
    for (let i = 0; i < bytes.length && at < expected.length; i++, at++) {
      seen[at] = bytes[i]!;
      if (bytes[i] !== expected[at]) {
        // What the start now is, as far as this chunk shows it: named when it is another image type.
        const rest = bytes.subarray(i, i + expected.length - at);
        seen.set(rest, at);
        const was = sniffImageType(expected) ?? 'the checked bytes';
        const now = sniffImageType(seen.subarray(0, at + rest.length));
        throw new ImageChangedError(
          index,
          file,
          `its first bytes are no longer those of the ${was} that was checked${now && now !== was ? ` (they are now ${now})` : ''}`,
        );
      }
    }
  };
}

async function* fileChunks(
  index: number,
  file: string,
  size: number,
  buffers: ReadBuffers,
  check: (bytes: Uint8Array) => void,
): AsyncGenerator<BodyChunk> {
  const handle = await (await nodeFs()).promises.open(file, 'r');
  try {
    const now = (await handle.stat()).size;
    if (now !== size) throw new ImageChangedError(index, file, `it was ${size} bytes then and is ${now} now`);
    for (let position = 0; position < size; ) {
      const buffer = await buffers.take();
      let chunk: Uint8Array;
      try {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
        if (bytesRead === 0)
          throw new ImageChangedError(index, file, `it ended after ${position} of its ${size} bytes`);
        chunk = buffer.subarray(0, bytesRead);
        check(chunk);
      } catch (error) {
        buffers.give(buffer);
        throw error;
      }
      position += chunk.length;
      yield { bytes: chunk, pooled: true, release: () => buffers.give(buffer) };
    }
  } finally {
    await handle.close();
  }
}

/** Blobs up to this size are read in one piece (one asynchronous read instead of a stream of 64 KiB reads). */
const WHOLE_BLOB_BYTES = 1024 * 1024;

async function* blobChunks(blob: Blob, check: (bytes: Uint8Array) => void): AsyncGenerator<BodyChunk> {
  if (blob.size <= WHOLE_BLOB_BYTES) {
    const bytes = new Uint8Array(await blob.arrayBuffer());
    check(bytes);
    yield { bytes, pooled: false, release: noop };
    return;
  }
  const reader = blob.stream().getReader();
  let done = false;
  try {
    for (let next = await reader.read(); !next.done; next = await reader.read()) {
      check(next.value);
      yield { bytes: next.value, pooled: false, release: noop };
    }
    done = true;
  } finally {
    if (!done) await reader.cancel().catch(noop);
    reader.releaseLock();
  }
}

/** The body's pieces in order. Stopping early (`return()`) closes the file being read. */
export async function* bodyChunks(
  segments: readonly (string | Blob)[],
  buffers: ReadBuffers,
): AsyncGenerator<BodyChunk> {
  const encoder = new TextEncoder();
  let index = -1;
  for (const segment of segments) {
    if (typeof segment === 'string') {
      yield { bytes: encoder.encode(segment), pooled: false, release: noop };
      continue;
    }
    index++;
    const file = fileBehind.get(segment);
    const check = signatureCheck(index, segment, file);
    if (file) yield* fileChunks(index, file, segment.size, buffers, check);
    else yield* blobChunks(segment, check);
  }
}

/** Bytes per read of an image file on disk for a caller's fetch: measured for 16 × 50 MiB through Node's fetch,
 *  64 KiB 1.7-2.0 s at 73 MB, 128 KiB 1.4-1.7 s at 83 MB, 256 KiB 1.4-1.9 s at 94 MB (over the 90 MB budget). */
const FETCH_READ_BYTES = 128 * 1024;

/**
 * The body as a stream, for a caller's own fetch (sent with its exact Content-Length and `duplex: "half"`): a pull
 * stream that reads nothing ahead of what is sent, each file read into a fresh buffer (the fetch may hold on to what
 * it was handed), and reports every chunk it hands on. It errors as soon as `signal` fires: Node's fetch, once
 * aborted, would otherwise go on reading the body to its end (given a Blob, even the files).
 */
export function uploadStream(
  segments: readonly (string | Blob)[],
  signal: AbortSignal,
  onChunk?: (loaded: number) => void,
): ReadableStream<Uint8Array> {
  const chunks = bodyChunks(segments, { take: () => new Uint8Array(FETCH_READ_BYTES), give: noop });
  let loaded = 0;
  let stop: (() => void) | undefined;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        stop = () => {
          controller.error(signal.reason);
          void chunks.return(undefined).catch(() => {});
        };
        if (signal.aborted) stop();
        else signal.addEventListener('abort', stop, { once: true });
      },
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (signal.aborted) return;
        if (done) {
          signal.removeEventListener('abort', stop!);
          controller.close();
          return;
        }
        controller.enqueue(value.bytes);
        loaded += value.bytes.byteLength;
        onChunk?.(loaded);
      },
      async cancel() {
        signal.removeEventListener('abort', stop!);
        await chunks.return(undefined);
      },
    },
    { highWaterMark: 0 },
  );
}
