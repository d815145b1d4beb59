/**
 * The upload body on Node when the caller gave the client a fetch of their own: a pull stream with its exact
 * Content-Length, sent with `duplex: "half"`. (Without one, the client's own transport writes the body to the socket
 * itself: transport.ts.) Image files are read straight from disk in 128 KiB reads, each into a fresh buffer (the
 * fetch may hold on to what it was handed); progress is the bytes handed on, and an abort stops reading the files at
 * once (given a Blob, Node's fetch goes on reading it to the end after an abort). An image that changed after it was
 * checked stops the upload with ImageChangedError (body-chunks.ts), never retried.
 */
import type { UploadBody } from '../types.js';
import { bodyChunks, freshBuffers } from './body-chunks.js';

/** Bytes per read of an image file on disk: measured for 16 × 50 MiB through Node's fetch, 64 KiB 1.7-2.0 s at
 *  73 MB, 128 KiB 1.4-1.7 s at 83 MB, 256 KiB 1.4-1.9 s at 94 MB (over the 90 MB budget of BENCHMARKS.md). */
const FILE_READ_BYTES = 128 * 1024;

/**
 * The body as a pull stream that reads nothing ahead of what is sent and reports every chunk it hands on. It
 * errors as soon as `signal` fires: Node's fetch, once aborted, would otherwise go on reading the body to its end.
 */
function uploadStream(segments: readonly (string | Blob)[], signal: AbortSignal, onChunk?: (loaded: number) => void): ReadableStream<Uint8Array> {
  const chunks = bodyChunks(segments, freshBuffers(FILE_READ_BYTES));
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

export function uploadBody(segments: readonly (string | Blob)[], whole: Blob, signal: AbortSignal, onChunk?: (loaded: number) => void): UploadBody {
  return {
    body: uploadStream(segments, signal, onChunk),
    headers: { 'Content-Length': String(whole.size) },
    reportsProgress: true,
    init: { duplex: 'half' },
  };
}
