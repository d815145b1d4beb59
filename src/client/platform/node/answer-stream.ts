/**
 * An answer from node:http as the web Response the rest of the client reads: status, headers, and a body decoded
 * from its Content-Encoding (gzip, deflate, br; anything else is handed on as it came, as Node's fetch does) and read
 * only as fast as its reader pulls. The socket is read at most 256 KiB ahead of the reader, so when the reader stops
 * (the byte limit in answer-body.ts, an abort), cancelling the stream destroys the answer and little more is received.
 */
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

/** node:zlib and node:stream, loaded for the first compressed answer (importing the client loads neither). */
let decoding: Promise<{ zlib: typeof import('node:zlib'); pipeline: typeof import('node:stream').pipeline }> | undefined;

/** Statuses whose answers have no body, whatever the server sends (RFC 9110). */
const NO_BODY = new Set([204, 205, 304]);

const KNOWN_CODINGS = new Set(['gzip', 'x-gzip', 'deflate', 'br']);

/** A Content-Encoding's codings, outermost first; undefined when one of them is not known (the body is left as is). */
function codingsOf(contentEncoding: string | undefined): string[] | undefined {
  const codings = (contentEncoding ?? '')
    .toLowerCase()
    .split(',')
    .map((coding) => coding.trim())
    .filter((coding) => coding !== '' && coding !== 'identity')
    .reverse();
  return codings.every((coding) => KNOWN_CODINGS.has(coding)) ? codings : undefined;
}

function decoderFor(zlib: typeof import('node:zlib'), coding: string): NodeJS.ReadWriteStream {
  // Lenient about a compressed answer that ends without its trailer, as browsers and Node's fetch are.
  if (coding === 'br') return zlib.createBrotliDecompress({ flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH });
  // Unzip reads either header: gzip, or the zlib wrapping HTTP's "deflate" means.
  return zlib.createUnzip({ flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH });
}

/** A Node stream as a web stream that pulls: the source is paused whenever the reader has a chunk waiting. */
function pulled(source: Readable, res: IncomingMessage, done: () => void): ReadableStream<Uint8Array> {
  let over = false;
  const finish = () => {
    if (over) return false;
    over = true;
    done();
    return true;
  };
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        source.on('data', (chunk: Buffer) => {
          if (over) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) source.pause();
        });
        source.once('end', () => finish() && controller.close());
        source.on('error', (error) => finish() && controller.error(error));
        // A connection closed before the answer ended, without an error of its own: a cut-off answer.
        source.once('close', () => {
          if (finish()) controller.error(Object.assign(new Error('the connection closed before the answer ended'), { code: 'ECONNRESET' }));
        });
      },
      pull() {
        source.resume();
      },
      cancel() {
        finish();
        res.destroy();
        source.destroy();
      },
    },
    // Up to 256 KiB read ahead of the reader: pausing the socket after every chunk costs more than it saves.
    { highWaterMark: 256 * 1024, size: (chunk) => chunk.byteLength },
  );
}

function headersOf(res: IncomingMessage): Headers {
  const headers = new Headers();
  for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) {
    try {
      headers.append(res.rawHeaders[i]!, res.rawHeaders[i + 1]!);
    } catch {
      // A header the web's Headers refuses (Node's parser is more lenient): left out, as Node's fetch leaves it.
    }
  }
  return headers;
}

/** The answer as a Response; `done` is called once its body has ended, failed or been cancelled. */
export async function answerStream(res: IncomingMessage, method: string, done: () => void): Promise<Response> {
  const status = res.statusCode ?? 0;
  if (status < 200 || status > 599) {
    throw Object.assign(new Error(`the server answered with status ${status}, which is not a final HTTP status`), { code: 'ERR_INVALID_STATUS' });
  }
  const init = { status, statusText: res.statusMessage ?? '', headers: headersOf(res) };
  const make = (body: ReadableStream<Uint8Array> | null) => {
    try {
      return new Response(body, init);
    } catch {
      // A reason phrase the web's Response refuses: the status says enough.
      return new Response(body, { ...init, statusText: '' });
    }
  };
  if (method === 'HEAD' || NO_BODY.has(status)) {
    res.resume();
    res.once('end', done);
    return make(null);
  }
  const codings = codingsOf(res.headers['content-encoding']);
  if (!codings || codings.length === 0) return make(pulled(res, res, done));
  // The socket waits, paused, while the decoders load (once per process).
  res.pause();
  decoding ??= Promise.all([import('node:zlib'), import('node:stream')]).then(([zlib, stream]) => ({ zlib: zlib.default, pipeline: stream.pipeline }));
  const { zlib, pipeline } = await decoding;
  const decoders = codings.map((coding) => decoderFor(zlib, coding));
  const last = decoders[decoders.length - 1]! as unknown as Readable;
  // A decoding error (a corrupt or truncated compressed answer) reaches the reader as the stream's error.
  pipeline([res, ...decoders] as unknown as [Readable, ...NodeJS.ReadWriteStream[]], () => {});
  return make(pulled(last, res, done));
}
