/**
 * A copy of an answer's body for the judge, taken as the bytes pass through to the caller unchanged: decoded the
 * way the caller will decode it (gzip, deflate, br), counted once decoded, and held only up to a limit (the spec's
 * x-max-response-bytes, which the client also stops at). Past the limit the tap says so at once, so the proxy can
 * stop a compression bomb or an endless answer instead of holding it.
 */
import zlib from 'node:zlib';

export type TappedBody =
  | { outcome: 'whole'; text: string }
  /** Decoded past `limit` bytes: nothing more was held. */
  | { outcome: 'over-limit' }
  /** The body could not be decoded (an unknown Content-Encoding, corrupt compressed data). */
  | { outcome: 'undecodable'; reason: string };

export interface AnswerTap {
  write(chunk: Buffer): void;
  /** The body as judged once the last chunk is in (or at once, if it went over the limit or broke). */
  end(): Promise<TappedBody>;
}

function decoderFor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined | 'unknown' {
  switch (encoding) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return 'unknown';
  }
}

/** `onOverLimit` is called once, as soon as the decoded body passes `limit`. */
export function tapAnswer(contentEncoding: string | undefined, limit: number, onOverLimit: () => void): AnswerTap {
  const chunks: Buffer[] = [];
  let held = 0;
  let settled: TappedBody | undefined;
  const decoder = decoderFor((contentEncoding ?? '').trim().toLowerCase());

  const take = (chunk: Buffer) => {
    if (settled) return;
    held += chunk.length;
    if (held > limit) {
      settled = { outcome: 'over-limit' };
      chunks.length = 0;
      decoderStream?.destroy();
      onOverLimit();
      return;
    }
    chunks.push(chunk);
  };
  const decoderStream = decoder === 'unknown' ? undefined : decoder;
  if (decoder === 'unknown') settled = { outcome: 'undecodable', reason: `Content-Encoding ${JSON.stringify(contentEncoding)} is not one a client decodes` };
  const decoded = new Promise<void>((resolve) => {
    if (!decoderStream) return resolve();
    decoderStream.on('data', take);
    decoderStream.on('end', resolve);
    decoderStream.on('close', resolve);
    decoderStream.on('error', (error) => {
      settled ??= { outcome: 'undecodable', reason: `its ${contentEncoding} data is corrupt (${error.message})` };
      resolve();
    });
  });

  return {
    write(chunk) {
      if (settled) return;
      if (decoderStream) decoderStream.write(chunk);
      else take(chunk);
    },
    async end() {
      if (decoderStream && !settled) decoderStream.end();
      await decoded;
      return settled ?? { outcome: 'whole', text: Buffer.concat(chunks).toString('utf8') };
    },
  };
}
