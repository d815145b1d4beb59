/**
 * The copy of a response's body the proxy checks, taken as the bytes pass through to the caller unchanged, in memory
 * and disk bounded for the whole process, not per response:
 *
 *   - decoded the way the caller will decode it (src/contract/decoded-body.ts), counted once decoded, and stopped at the spec's
 *     x-max-response-bytes (256 MiB), which the client also stops at: past it the proxy cuts the response at once;
 *   - its first RESPONSE_HEAD_BYTES held in memory; past them the body goes to a spool file (spool.ts), up to
 *     MAX_CHECKED_BYTES; past that nothing more is kept (the body is counted, passed on, and reported not checked);
 *   - at most MAX_COPIED_RESPONSES copies at once: past that, a response is passed on without a copy and reported
 *     not checked; their checks run one at a time, since parsing a body costs a few times its size.
 *
 * So the response side of the proxy holds at most 16 × 1 MiB of copies in memory plus one check of at most 64 MiB
 * (about 4 × 64 MiB parsed and validated), and at most 16 × 64 MiB on disk, whatever the traffic.
 */
import { once } from 'node:events';
import type { IncomingMessage } from 'node:http';
import { PassThrough, type Readable } from 'node:stream';
import { wireContract } from '../../contract/spec.js';
import { limiter } from '../core/types.js';
import { decodedBody, DecodedBodyTooLargeError } from '../../contract/decoded-body.js';
import { openSpool, type Spool } from './spool.js';

/** Bytes of a copy held in memory: a typical error or URL response whole, the start of any other. */
export const RESPONSE_HEAD_BYTES = 1024 * 1024;
/** The largest decoded body the proxy checks: ten large base64 images fit; checking it takes about 4 × this in memory. */
export const MAX_CHECKED_BYTES = 64 * 1024 * 1024;
/** Responses copied for checking at once; past this, a response is passed on unchecked. */
export const MAX_COPIED_RESPONSES = 16;

export type CopiedBody =
  /** Decoded whole, within MAX_CHECKED_BYTES: `text()` reads it (from memory or its spool file). */
  | { outcome: 'whole'; head: Buffer; text(): Promise<string> }
  /** Passed on whole but not kept whole: only `head` was (too large to check, or the spool file failed). */
  | { outcome: 'unchecked'; head: Buffer; reason: string }
  /** Decoded past x-max-response-bytes: the response was cut there. */
  | { outcome: 'over-limit'; head: Buffer }
  /** The body could not be decoded (an unknown Content-Encoding, corrupt compressed data), or ended early. */
  | { outcome: 'undecodable'; reason: string };

export interface ResponseCopy {
  /** The copy once the body has ended (at once when it went over the limit or could not be decoded). */
  readonly body: Promise<CopiedBody>;
  /** Frees the copy's place and removes its spool file (idempotent). */
  release(): Promise<void>;
}

export interface ResponseChecks {
  /**
   * Starts copying `response` (the upstream's, before anything is read of it), or returns undefined when
   * MAX_COPIED_RESPONSES copies are held already. `onOverLimit` is called once, as soon as the decoded body passes
   * x-max-response-bytes.
   */
  copy(
    response: IncomingMessage,
    contentEncoding: string | undefined,
    onOverLimit: () => void,
  ): ResponseCopy | undefined;
  /** Runs `check` when no other check runs: one parsed body in memory at a time. */
  oneAtATime<T>(check: () => Promise<T>): Promise<T>;
}

/** Why a response is passed on without a copy. */
export const NO_COPY_REASON = `${MAX_COPIED_RESPONSES} responses were being checked already (the proxy's limit)`;

/** Reads a spool file of `bytes` bytes into one buffer of that size (no second copy while it is read). */
async function readSpool(spool: Spool, bytes: number): Promise<Buffer> {
  const buffer = Buffer.allocUnsafe(bytes);
  let at = 0;
  for await (const chunk of spool.source() as AsyncIterable<Buffer>) {
    if (at + chunk.length > bytes) throw new Error(`the spool file holds more than the ${bytes} bytes written`);
    chunk.copy(buffer, at);
    at += chunk.length;
  }
  return buffer.subarray(0, at);
}

/** Keeps what `decoded` yields within the bounds above; reads it to its end whatever is kept, so the caller's stream never waits on the copy. */
async function keep(
  decoded: Readable,
  contentEncoding: string | undefined,
  onOverLimit: () => void,
  spools: Set<Spool>,
): Promise<CopiedBody> {
  const head: Buffer[] = [];
  let bytes = 0;
  let spool: Spool | undefined;
  let unchecked: string | undefined;
  const dropSpool = async (reason: string) => {
    unchecked ??= reason;
    if (spool) await spool.remove();
  };
  const spoolWrite = async (chunk: Buffer) => {
    if (chunk.length > 0 && !spool!.sink.write(chunk)) await once(spool!.sink, 'drain');
  };
  try {
    for await (const chunk of decoded as AsyncIterable<Buffer>) {
      const before = bytes;
      bytes += chunk.length;
      if (before < RESPONSE_HEAD_BYTES) head.push(chunk.subarray(0, RESPONSE_HEAD_BYTES - before));
      if (bytes <= RESPONSE_HEAD_BYTES || unchecked) continue;
      if (bytes > MAX_CHECKED_BYTES) {
        await dropSpool(`its body is over ${MAX_CHECKED_BYTES} bytes, more than the proxy checks (passed on whole)`);
        continue;
      }
      try {
        if (!spool) {
          spool = await openSpool();
          spools.add(spool);
          for (const piece of head) await spoolWrite(piece);
        }
        await spoolWrite(chunk.subarray(Math.max(0, RESPONSE_HEAD_BYTES - before)));
      } catch (error) {
        await dropSpool(`its copy could not be written to disk (${(error as Error).message})`);
      }
    }
  } catch (error) {
    await spool?.remove();
    if (error instanceof DecodedBodyTooLargeError) {
      onOverLimit();
      return { outcome: 'over-limit', head: Buffer.concat(head) };
    }
    return {
      outcome: 'undecodable',
      reason: `its ${contentEncoding ?? 'identity'} data is corrupt or cut short (${(error as Error).message})`,
    };
  }
  if (unchecked) return { outcome: 'unchecked', head: Buffer.concat(head), reason: unchecked };
  const kept = spool;
  if (!kept) {
    const whole = Buffer.concat(head);
    return { outcome: 'whole', head: whole, text: async () => whole.toString('utf8') };
  }
  try {
    kept.sink.end();
    await kept.finished();
  } catch (error) {
    await kept.remove();
    return {
      outcome: 'unchecked',
      head: Buffer.concat(head),
      reason: `its copy could not be written to disk (${(error as Error).message})`,
    };
  }
  return {
    outcome: 'whole',
    head: Buffer.concat(head),
    text: async () => (await readSpool(kept, bytes)).toString('utf8'),
  };
}

export function responseChecks(): ResponseChecks {
  let copies = 0;
  const checks = limiter(1);
  return {
    copy(response, contentEncoding, onOverLimit) {
      if (copies >= MAX_COPIED_RESPONSES) return undefined;
      copies++;
      const spools = new Set<Spool>();
      let body: Promise<CopiedBody>;
      // A second reader of the response beside the caller's: a copy that falls behind slows both, never buffers.
      const sink = new PassThrough();
      const decoded = decodedBody(sink, contentEncoding, wireContract.maxResponseBytes);
      if (decoded) {
        response.pipe(sink);
        // Cut short (a reset, the proxy closing): the copy ends too, as a body that did not arrive whole.
        response.once('close', () => {
          if (!sink.writableEnded) sink.destroy(new Error('the response ended before its body did'));
        });
        body = keep(decoded, contentEncoding, onOverLimit, spools);
      } else {
        body = Promise.resolve({
          outcome: 'undecodable',
          reason: `Content-Encoding ${JSON.stringify(contentEncoding)} is not one a client decodes`,
        });
      }
      let released: Promise<void> | undefined;
      return {
        body,
        release() {
          released ??= (async () => {
            await body;
            await Promise.all([...spools].map((spool) => spool.remove()));
            copies--;
          })();
          return released;
        },
      };
    },
    oneAtATime: (check) => checks.run(check),
  };
}
