/**
 * Reads a multipart/form-data request as it streams in, without ever holding a file: each file part is counted,
 * its first bytes kept for sniffing, and the rest dropped. Text parts are kept (they are small and bounded).
 * Stops at the first size violation, so a body over the limits is refused without being read.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { SNIFF_BYTES } from '../contract/sniff.js';
import { intakeIssues } from './core/intake-limits.js';
import { declaredFileType, fileFieldNamer } from './core/request-check.js';
import type { Intake, IntakeLimits, ReceivedFile, ReceivedText } from './core/types.js';
import type { KeepSink } from './image-keeper.js';

type Busboy = typeof import('busboy');

/**
 * Parses `req`'s body. `fileField(name)` names the file field a part name belongs to (`image` for `image` and
 * `image[]`), so that files are numbered per field. On 'too-large' the caller answers and disposes of the rest of
 * the body; nothing more is read into the parser. `keepFirstImage` keeps the file field's first image whole (for
 * the answer made from it); `sha256` hashes every file part as it passes (replay and recording know images by it).
 */
export function readMultipart(
  req: IncomingMessage,
  busboy: Busboy,
  limits: IntakeLimits,
  fileField: (name: string) => string | undefined,
  { keepFirstImage, sha256 }: { keepFirstImage?: () => KeepSink; sha256?: boolean } = {},
): Promise<Intake> {
  // The first file of the file field is kept whole for the answer made from it (image-keeper.ts bounds it).
  let keeping: { sink: KeepSink; file: ReceivedFile; ended: Promise<void> } | undefined;
  return new Promise((resolve) => {
    let settled = false;
    let parser: ReturnType<Busboy>;
    const settle = (result: Intake) => {
      if (settled) return;
      settled = true;
      req.off('data', countBody);
      req.off('close', onClose);
      if (result.outcome !== 'complete') {
        void keeping?.sink.discard();
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
        settle({ outcome: 'too-large', issue: intakeIssues.bodyTooLarge(limits) });
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
      resolve({ outcome: 'malformed', issue: intakeIssues.notMultipart((error as Error).message) });
      return;
    }

    const textParts: ReceivedText[] = [];
    const files: ReceivedFile[] = [];
    const fieldOf = fileFieldNamer(fileField);

    let textBytes = 0;
    parser.on('field', (name, value, info) => {
      textBytes += Buffer.byteLength(value);
      if (info.valueTruncated || textBytes > limits.maxTextBytes) {
        settle({ outcome: 'too-large', issue: intakeIssues.textTooLarge(name, limits) });
        return;
      }
      textParts.push({ name, value });
    });

    parser.on('file', (name, stream, info) => {
      const { field, index } = fieldOf(name);
      const file: ReceivedFile = {
        name,
        field,
        filename: info.filename ?? '',
        declaredType: declaredFileType(info.mimeType),
        size: 0,
        head: new Uint8Array(0),
      };
      files.push(file);
      const hash = sha256 ? createHash('sha256') : undefined;
      stream.once('end', () => {
        if (hash) file.sha256 = hash.digest('hex');
      });
      const sink = index === 0 && !keeping ? keepFirstImage?.() : undefined;
      if (sink) keeping = { sink, file, ended: new Promise((resolve) => stream.once('end', resolve)) };
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        hash?.update(chunk);
        const written = sink?.write(chunk);
        if (written) {
          stream.pause();
          void written.then(() => stream.resume());
        }
        if (file.head.length < SNIFF_BYTES) file.head = Buffer.concat([file.head, chunk.subarray(0, SNIFF_BYTES - file.head.length)]);
        file.size += chunk.length;
        if (file.size > limits.maxFileBytes) {
          settle({ outcome: 'too-large', issue: intakeIssues.fileTooLarge(file.field, limits) });
        }
      });
      // A stream that is no longer wanted is still drained, so the parser never stalls on it.
      stream.on('error', () => undefined);
    });

    parser.on('partsLimit', () => {
      settle({ outcome: 'malformed', issue: intakeIssues.tooManyParts(limits) });
    });
    parser.on('error', (error: Error) => {
      settle({ outcome: 'malformed', issue: intakeIssues.notMultipart(error.message) });
    });
    parser.on('close', () => {
      if (!keeping) return settle({ outcome: 'complete', textParts, files });
      const { sink, file, ended } = keeping;
      // Chunks may still wait in a part paused for a disk write: the part's end means the sink has them all.
      ended.then(() => sink.finish()).then(
        (kept) => {
          if (settled) return void kept.release();
          file.kept = kept;
          settle({ outcome: 'complete', textParts, files });
        },
        // The image could not be kept (a disk error): the answer is drawn without it.
        () => settle({ outcome: 'complete', textParts, files }),
      );
    });

    req.on('data', countBody);
    req.on('close', onClose);
    req.pipe(parser);
  });
}
