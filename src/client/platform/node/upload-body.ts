/**
 * The upload body on Node: a pull stream with its exact Content-Length, sent by fetch with `duplex: "half"`. Image
 * files are read straight from disk in 128 KiB reads (measured: 16 × 50 MiB to a loopback server in about 1.5 s at
 * about 83 MB peak RSS; Blob.stream()'s 64 KiB reads took 2-4 s): progress is the bytes handed to the connection,
 * and an abort stops reading the files at once (given a Blob, Node's fetch goes on reading it to the end after an
 * abort). A file that changed after it was checked stops the upload, named, and is never retried.
 */
import fs from 'node:fs';
import type { UploadBody } from '../types.js';
import { filePathOf } from './files.js';

/** Bytes per read of an image file on disk. Larger reads pass fewer chunks through JavaScript and undici's writer,
 *  at the cost of more bytes in flight: measured for 16 × 50 MiB, 64 KiB 1.7-2.0 s at 73 MB, 128 KiB 1.4-1.7 s at
 *  83 MB, 256 KiB 1.4-1.9 s at 94 MB (over the 90 MB budget of BENCHMARKS.md). */
const FILE_READ_BYTES = 128 * 1024;

/**
 * The body's pieces in order, as bytes: text as UTF-8, images made from files read straight from disk in large reads
 * (checked to still have the size they had when the request was checked), other images through Blob.stream().
 */
async function* bodyChunks(segments: readonly (string | Blob)[]): AsyncGenerator<Uint8Array> {
  const encoder = new TextEncoder();
  for (const segment of segments) {
    if (typeof segment === 'string') {
      yield encoder.encode(segment);
      continue;
    }
    const file = filePathOf(segment);
    if (!file) {
      const reader = segment.stream().getReader();
      try {
        for (let next = await reader.read(); !next.done; next = await reader.read()) yield next.value;
      } finally {
        reader.releaseLock();
      }
      continue;
    }
    const handle = await fs.promises.open(file, 'r');
    try {
      const { size } = await handle.stat();
      // A code of its own: not a connection reset, so never retried (the file would still not match).
      if (size !== segment.size) {
        throw Object.assign(new Error(`${file} changed after it was checked (${segment.size} bytes then, ${size} now)`), { code: 'ERR_IMAGE_CHANGED' });
      }
      for (let position = 0; position < size; ) {
        const buffer = new Uint8Array(Math.min(FILE_READ_BYTES, size - position));
        const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
        if (bytesRead === 0) throw Object.assign(new Error(`${file} changed after it was checked (it ended after ${position} of ${size} bytes)`), { code: 'ERR_IMAGE_CHANGED' });
        position += bytesRead;
        yield bytesRead === buffer.length ? buffer : buffer.subarray(0, bytesRead);
      }
    } finally {
      await handle.close();
    }
  }
}

/**
 * The body as a pull stream that reads nothing ahead of what is sent and reports every chunk it hands on. It
 * errors as soon as `signal` fires: Node's fetch, once aborted, would otherwise go on reading the body to its end.
 */
function uploadStream(segments: readonly (string | Blob)[], signal: AbortSignal, onChunk?: (loaded: number) => void): ReadableStream<Uint8Array> {
  const chunks = bodyChunks(segments);
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
        controller.enqueue(value);
        loaded += value.byteLength;
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

export function uploadBody(segments: readonly (string | Blob)[], whole: Blob, signal: AbortSignal, onChunk?: (loaded: number) => void): UploadBody {
  return {
    body: uploadStream(segments, signal, onChunk),
    headers: { 'Content-Length': String(whole.size) },
    reportsProgress: true,
    init: { duplex: 'half' },
  };
}
