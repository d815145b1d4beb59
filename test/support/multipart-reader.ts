/**
 * The one multipart/form-data reader of the tests (its writer is scripts/multipart-writer.ts): busboy, a real
 * parser (the one the mock uses), over a Blob or a Node stream. Text parts with their value; file parts with the
 * filename exactly as sent, size, first bytes and SHA-256. Nothing is held but the text.
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { SNIFF_BYTES } from '../../src/contract/images.js';

export interface ParsedPart {
  name: string;
  /** The part's Content-Type as busboy reads it (text parts default to text/plain). */
  contentType: string;
  /** Text parts: the value. */
  value?: string;
  /** File parts: the filename exactly as sent, byte count, first bytes and SHA-256 of the content. */
  filename?: string;
  size?: number;
  head?: Uint8Array;
  sha256?: string;
}

/** Parses a multipart body with busboy; `error` is set when the bytes are not valid multipart (the source is drained). */
export function readMultipart(
  source: Blob | NodeJS.ReadableStream,
  contentType: string,
): Promise<{ parts: ParsedPart[]; error?: string }> {
  const input = source instanceof Blob ? Readable.fromWeb(source.stream() as WebReadableStream<Uint8Array>) : source;
  return new Promise((resolve) => {
    const parts: ParsedPart[] = [];
    const fail = (error: Error) => {
      input.resume();
      resolve({ parts, error: error.message });
    };
    let parser: busboy.Busboy;
    try {
      parser = busboy({
        headers: { 'content-type': contentType },
        preservePath: true,
        defParamCharset: 'utf8',
        limits: { fieldSize: 64 * 1024 * 1024, fileSize: Infinity },
      });
    } catch (error) {
      fail(error as Error);
      return;
    }
    let pending = 0;
    let closed = false;
    const finish = () => {
      if (closed && pending === 0) resolve({ parts });
    };
    parser.on('field', (name, value, info) => parts.push({ name, value, contentType: info.mimeType }));
    parser.on('file', (name, stream, info) => {
      // Recorded when the part starts, so parts keep their order on the wire; size, head and hash fill in as it flows.
      const part: ParsedPart = { name, filename: info.filename, contentType: info.mimeType, size: 0 };
      parts.push(part);
      pending++;
      const hash = createHash('sha256');
      const head: number[] = [];
      stream.on('data', (chunk: Buffer) => {
        for (let i = 0; i < chunk.length && head.length < SNIFF_BYTES; i++) head.push(chunk[i]!);
        part.size! += chunk.length;
        hash.update(chunk);
      });
      stream.on('end', () => {
        part.head = Uint8Array.from(head);
        part.sha256 = hash.digest('hex');
        pending--;
        finish();
      });
    });
    parser.on('close', () => {
      closed = true;
      finish();
    });
    parser.on('error', fail);
    input.pipe(parser);
  });
}
