/**
 * Reads a multipart/form-data request as it streams in, without ever holding a file: each file part is counted,
 * its first bytes kept for sniffing, and the rest dropped. Text parts are kept (they are small and bounded).
 * Stops at the first size violation, so a body over the limits is refused without being read.
 */
import type { IncomingMessage } from 'node:http';
import type { RequestIssue } from '../contract/issues.js';
import type { TextPart } from '../contract/decode-parts.js';
import { SNIFF_BYTES } from '../contract/sniff.js';

export interface IntakeLimits {
  /** Largest file part, in bytes. */
  maxFileBytes: number;
  /** Largest whole body, in bytes (Content-Length, or counted as it arrives for chunked bodies). */
  maxBodyBytes: number;
  /** Largest total of all text parts, in bytes (so text held in memory stays small whatever the part count). */
  maxTextBytes: number;
  /** Most parts a body may have. */
  maxParts: number;
}

export interface ReceivedFile {
  /** The part's name as sent (`image`, `image[]`, or anything else). */
  name: string;
  /** How issues name this part: `image[3]` for the fourth file of a file field, else the part's name. */
  field: string;
  filename: string;
  /** The part's Content-Type header (busboy reports application/octet-stream when there is none). */
  declaredType: string;
  size: number;
  /** The first bytes, for sniffing the media type. */
  head: Buffer;
}

export type Intake =
  | { outcome: 'complete'; textParts: TextPart[]; files: ReceivedFile[] }
  | { outcome: 'too-large'; issue: RequestIssue }
  | { outcome: 'malformed'; issue: RequestIssue }
  | { outcome: 'aborted' };

type Busboy = typeof import('busboy');

/**
 * Parses `req`'s body. `fileField(name)` names the file field a part name belongs to (`image` for `image` and
 * `image[]`), so that files are numbered per field. On 'too-large' the caller answers and disposes of the rest of
 * the body; nothing more is read into the parser.
 */
export function readMultipart(req: IncomingMessage, busboy: Busboy, limits: IntakeLimits, fileField: (name: string) => string | undefined): Promise<Intake> {
  return new Promise((resolve) => {
    let settled = false;
    let parser: ReturnType<Busboy>;
    const settle = (result: Intake) => {
      if (settled) return;
      settled = true;
      req.off('data', countBody);
      req.off('close', onClose);
      if (result.outcome !== 'complete') {
        req.unpipe(parser);
        parser?.removeAllListeners();
        // The parser may still complain about a body that stopped mid-part; nobody is listening any more.
        parser?.on('error', () => undefined);
      }
      resolve(result);
    };

    let bodyBytes = 0;
    const countBody = (chunk: Buffer) => {
      bodyBytes += chunk.length;
      if (bodyBytes > limits.maxBodyBytes) {
        settle({ outcome: 'too-large', issue: { field: '(body)', message: `is over the limit of ${limits.maxBodyBytes} bytes for a whole request` } });
      }
    };
    const onClose = () => {
      if (!req.complete) settle({ outcome: 'aborted' });
    };

    try {
      parser = busboy({
        headers: req.headers,
        // Browsers and curl send UTF-8 filenames unencoded.
        defParamCharset: 'utf8',
        limits: { fieldSize: limits.maxTextBytes, parts: limits.maxParts },
      });
    } catch (error) {
      resolve({ outcome: 'malformed', issue: { field: '(body)', message: `is not valid multipart/form-data (${(error as Error).message})` } });
      return;
    }

    const textParts: TextPart[] = [];
    const files: ReceivedFile[] = [];
    const filesPerField = new Map<string, number>();

    let textBytes = 0;
    parser.on('field', (name, value, info) => {
      textBytes += Buffer.byteLength(value);
      if (info.valueTruncated || textBytes > limits.maxTextBytes) {
        settle({ outcome: 'too-large', issue: { field: name, message: `takes the text parts over their limit of ${limits.maxTextBytes} bytes in all` } });
        return;
      }
      textParts.push({ name, value, contentType: info.mimeType });
    });

    parser.on('file', (name, stream, info) => {
      const owner = fileField(name);
      const index = owner === undefined ? 0 : (filesPerField.get(owner) ?? 0);
      if (owner !== undefined) filesPerField.set(owner, index + 1);
      const file: ReceivedFile = {
        name,
        field: owner === undefined ? name : `${owner}[${index}]`,
        filename: info.filename ?? '',
        declaredType: info.mimeType,
        size: 0,
        head: Buffer.alloc(0),
      };
      files.push(file);
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        if (file.head.length < SNIFF_BYTES) file.head = Buffer.concat([file.head, chunk.subarray(0, SNIFF_BYTES - file.head.length)]);
        file.size += chunk.length;
        if (file.size > limits.maxFileBytes) {
          settle({
            outcome: 'too-large',
            issue: { field: file.field, message: `is over the limit of ${limits.maxFileBytes} bytes per image (more than ${limits.maxFileBytes} bytes received)` },
          });
        }
      });
      // A stream that is no longer wanted is still drained, so the parser never stalls on it.
      stream.on('error', () => undefined);
    });

    parser.on('partsLimit', () => {
      settle({ outcome: 'malformed', issue: { field: '(body)', message: `has more than ${limits.maxParts} parts` } });
    });
    parser.on('error', (error: Error) => {
      settle({ outcome: 'malformed', issue: { field: '(body)', message: `is not valid multipart/form-data (${error.message})` } });
    });
    parser.on('close', () => settle({ outcome: 'complete', textParts, files }));

    req.on('data', countBody);
    req.on('close', onClose);
    req.pipe(parser);
  });
}
