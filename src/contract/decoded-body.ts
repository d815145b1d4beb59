/**
 * A response body decoded as an HTTP client decodes it: the codings of its Content-Encoding undone, outermost first
 * (gzip, x-gzip, deflate, br; identity and none leave it as it is), leniently about a compressed body that ends
 * without its trailer, as browsers and Node's fetch are, and, given a limit, never more than that many decoded bytes:
 * the stream fails with DecodedBodyTooLargeError as soon as more would come out, so a compression bomb costs nothing
 * past the limit. node:zlib does the decoding; this is the one place that chooses the decoders, for the client's Node
 * transport (which loads this file on its first encoded response) and the validating proxy.
 *
 * Node only: nothing that runs in a browser (the client's browser platform, src/mock/core/, Try it) imports it
 * (test/unit/house-rules.test.ts).
 */
import { pipeline, Transform, type Readable } from 'node:stream';
import zlib from 'node:zlib';

/** More than `limitBytes` bytes came out of the decoder: reading stopped there. */
export class DecodedBodyTooLargeError extends Error {
  readonly code = 'ERR_BODY_TOO_LARGE';
  constructor(readonly limitBytes: number) {
    super(`the body is larger than ${limitBytes} bytes once decoded (the limit); decoding stopped there`);
    this.name = 'DecodedBodyTooLargeError';
  }
}

const KNOWN_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** A Content-Encoding's codings, in the order they are undone (the last applied first); undefined if one is unknown. */
function contentCodings(contentEncoding: string | undefined): string[] | undefined {
  const codings = (contentEncoding ?? '')
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
  return codings.every((coding) => KNOWN_CODINGS.has(coding)) ? codings : undefined;
}

function decoderFor(coding: string): Transform {
  // Flushing at the end instead of requiring the trailer: lenient about a cut-off compressed body, as clients are.
  if (coding === 'br')
    return zlib.createBrotliDecompress({
      flush: zlib.constants.BROTLI_OPERATION_FLUSH,
      finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
    });
  // Unzip reads either header: gzip, or the zlib wrapping HTTP's "deflate" means.
  return zlib.createUnzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** Passes bytes on until more than `limitBytes` have passed, then fails with DecodedBodyTooLargeError. */
function atMost(limitBytes: number): Transform {
  let passed = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      passed += chunk.length;
      if (passed > limitBytes) callback(new DecodedBodyTooLargeError(limitBytes));
      else callback(null, chunk);
    },
  });
}

/**
 * `body` decoded by its `contentEncoding`, at most `maxDecodedBytes` of it when given; undefined when a coding is
 * none a client decodes (the caller decides what that means). The stream fails with DecodedBodyTooLargeError past
 * the limit, or with node:zlib's error for corrupt data; either failure destroys `body` too, as any pipeline does.
 */
export function decodedBody(
  body: Readable,
  contentEncoding: string | undefined,
  maxDecodedBytes?: number,
): Readable | undefined {
  const codings = contentCodings(contentEncoding);
  if (!codings) return undefined;
  const streams: Transform[] = codings.map(decoderFor);
  if (maxDecodedBytes !== undefined) streams.push(atMost(maxDecodedBytes));
  const last = streams.at(-1);
  if (!last) return body;
  // The error reaches whoever reads the returned stream; the callback has nothing to add.
  pipeline([body, ...streams], () => undefined);
  return last;
}
