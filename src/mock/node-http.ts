/**
 * What the mock's node:http server (server.ts) and the validating proxy (proxy/) share: a request's head in the core's
 * form, its multipart body read as it streams in (busboy; the first image kept within memory budgets, else on disk),
 * an unwanted body discarded within bounds, and listening.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { open, rm, type FileHandle } from 'node:fs/promises';
import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { headerOf } from '../contract/headers.js';
import { SNIFF_BYTES } from '../contract/images.js';
import { maxRequestBodyBytes } from '../contract/spec.js';
import type { KeptImage } from './core/images.js';
import { bodyIssues, declaredFileType, fileFieldNamer } from './core/check-request.js';
import {
  requestHead,
  type ReadMultipart,
  type ReceivedBody,
  type ReceivedFile,
  type ReceivedText,
  type RequestHead,
} from './core/types.js';
import { loadBusboy } from './dependencies.js';

/** How long the rest of an unwanted body is drained after the response, before the connection is cut. */
const LINGER_MS = 10_000;

/** The request's head in the core's form. */
export function headOf(req: IncomingMessage, url: URL): RequestHead {
  const headers = Object.fromEntries(
    Object.entries(req.headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
  );
  // URLs in responses point back at the host the client reached (a name the client used, not one the mock guesses).
  const given = headerOf(headers, 'host') ?? '';
  const host = /^[\w.-]+(:\d+)?$|^\[[\d:a-f.]+\](:\d+)?$/i.test(given)
    ? given
    : `${req.socket.localAddress}:${req.socket.localPort}`;
  return requestHead(req.method ?? 'GET', url, headers, `http://${host}`);
}

/**
 * Disposes of a body the response did not need: read and dropped (so the client sees the response, not a reset), up to
 * the spec's body limit or LINGER_MS, then the connection is cut. A client that waits for `100 Continue` never
 * sent it, so that connection is simply closed after the response.
 */
export function discardBody(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
  if (req.complete) return;
  if (expectContinue) {
    res.setHeader('Connection', 'close');
    return;
  }
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxRequestBodyBytes) cut();
  });
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

let loadedBusboy: typeof import('busboy') | undefined;

/**
 * Reads `req`'s multipart body as it streams in (busboy), never holding a file: each file part is counted, its first
 * bytes kept for sniffing and the rest dropped; text parts are kept (small and bounded). Stops at the first size
 * violation: on 'too-large' the caller responds and discards the rest (nothing more goes into the parser).
 * `images` keeps the first image of the file field whole (for the response made from it); `sha256` hashes every file
 * part as it passes (replay and recording know images by it). core/form-read.ts reads a Fetch Request alike.
 */
export const readMultipart: ReadMultipart<IncomingMessage, { images?: UploadedImages }> = (
  req,
  limits,
  { images, sha256 } = {},
) => {
  const busboy = (loadedBusboy ??= loadBusboy());
  let keeping: { sink: ImageSink; file: ReceivedFile; ended: Promise<void> } | undefined;
  return new Promise((resolve) => {
    let settled = false;
    let parser: ReturnType<typeof busboy>;
    const settle = (result: ReceivedBody) => {
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
        settle({ outcome: 'too-large', issue: bodyIssues.bodyTooLarge(limits) });
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
      resolve({ outcome: 'malformed', issue: bodyIssues.notMultipart((error as Error).message) });
      return;
    }

    const textParts: ReceivedText[] = [];
    const files: ReceivedFile[] = [];
    const fieldOf = fileFieldNamer();

    let textBytes = 0;
    parser.on('field', (name, value, info) => {
      textBytes += Buffer.byteLength(value);
      if (info.valueTruncated || textBytes > limits.maxTextBytes) {
        settle({ outcome: 'too-large', issue: bodyIssues.textTooLarge(name, limits) });
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
      const sink =
        index === 0 && !keeping
          ? images?.sink(Number(headerOf(req.headers, 'content-length')) || undefined)
          : undefined;
      if (sink) keeping = { sink, file, ended: new Promise((resolve) => stream.once('end', resolve)) };
      stream.on('data', (chunk: Buffer) => {
        if (settled) return;
        hash?.update(chunk);
        const written = sink?.write(chunk);
        if (written) {
          stream.pause();
          void written.then(() => stream.resume());
        }
        if (file.head.length < SNIFF_BYTES)
          file.head = Buffer.concat([file.head, chunk.subarray(0, SNIFF_BYTES - file.head.length)]);
        file.size += chunk.length;
        if (file.size > limits.maxFileBytes) {
          settle({ outcome: 'too-large', issue: bodyIssues.fileTooLarge(file.field, limits) });
        }
      });
      // A stream that is no longer wanted is still drained, so the parser never stalls on it.
      stream.on('error', () => undefined);
    });

    parser.on('partsLimit', () => {
      settle({ outcome: 'malformed', issue: bodyIssues.tooManyParts(limits) });
    });
    parser.on('error', (error: Error) => {
      settle({ outcome: 'malformed', issue: bodyIssues.notMultipart(error.message) });
    });
    parser.on('close', () => {
      if (!keeping) return settle({ outcome: 'complete', textParts, files });
      const { sink, file, ended } = keeping;
      // Chunks may still wait in a part paused for a disk write: the part's end means the sink has them all.
      ended
        .then(() => sink.finish())
        .then(
          (kept) => {
            if (settled) return void kept.release();
            file.kept = kept;
            settle({ outcome: 'complete', textParts, files });
          },
          // The image could not be kept (a disk error): the response is drawn without it.
          () => settle({ outcome: 'complete', textParts, files }),
        );
    });

    req.on('data', countBody);
    req.on('close', onClose);
    req.pipe(parser);
  });
};

/*
 * The first image kept whole on Node without giving up bounded memory: held in memory while it fits PER_IMAGE_BYTES
 * and, with every request in flight, MEMORY_BUDGET_BYTES; the moment a chunk would pass either, what is held goes to
 * a temporary file and the rest follows, with back-pressure (the reader pauses the part until each write is done).
 * Fifty 50 MB uploads at once hold at most MEMORY_BUDGET_BYTES in memory; each file is removed once its response is
 * made, the directory when the mock closes.
 */
/** Most real photos and every 1024-pixel render fit; larger ones go to disk. */
const PER_IMAGE_BYTES = 8 * 1024 * 1024;
/** All requests in flight together. */
const MEMORY_BUDGET_BYTES = 32 * 1024 * 1024;
/** Per image on its way to disk. */
const WRITE_BUFFER_BYTES = 256 * 1024;

export interface ImageSink {
  /** Takes the next chunk; a promise means "wait for me before the next one" (the bytes are going to disk). */
  write(chunk: Buffer): Promise<void> | undefined;
  /** The whole image, once the part has ended. */
  finish(): Promise<KeptImage>;
  /** Drops whatever was kept (the request was refused or went away). */
  discard(): Promise<void>;
}

export class UploadedImages {
  private held = 0;
  private dir: string | undefined;
  private files = 0;

  constructor(private readonly budgets = { perImage: PER_IMAGE_BYTES, total: MEMORY_BUDGET_BYTES }) {}

  /** Bytes held in memory right now, by every request together. */
  get heldBytes(): number {
    return this.held;
  }

  /**
   * A sink for one request's first image. `bodyBytes` (the request's Content-Length, when it has one) sends an image
   * that cannot fit PER_IMAGE_BYTES straight to disk: kept in memory first and moved later, its chunks would
   * outlive the young generation and wait for a full collection (+100 MB RSS for fifty 50 MB uploads at once).
   */
  sink(bodyBytes?: number): ImageSink {
    const chunks: Buffer[] = [];
    let inMemory = 0;
    let file: { handle: FileHandle; path: string } | undefined;
    let failed: Error | undefined;
    let writing: Promise<void> = Promise.resolve();
    let busy = false;
    const toDisk = bodyBytes !== undefined && bodyBytes > this.budgets.perImage;
    const unhold = () => {
      this.held -= inMemory;
      inMemory = 0;
      chunks.length = 0;
    };
    // (unhold also runs on release of an image kept in memory: only then is its share of the budget free)
    const removeFile = async () => {
      if (!file) return;
      const { handle, path: filePath } = file;
      file = undefined;
      await handle.close().catch(() => undefined);
      await rm(filePath, { force: true });
    };

    // On disk, the bytes go through one write buffer per image: each chunk is copied and let go at once, for the same
    // reason (a chunk held until its own write completed outlives the young generation).
    let buffer: Buffer | undefined;
    let filled = 0;
    const flush = async () => {
      if (filled > 0) await file!.handle.write(buffer!, 0, filled);
      filled = 0;
    };
    const append = async (chunk: Buffer) => {
      for (let offset = 0; offset < chunk.length; ) {
        const copied = chunk.copy(buffer!, filled, offset);
        offset += copied;
        filled += copied;
        if (filled === buffer!.length) await flush();
      }
    };
    const spill = async (chunk: Buffer) => {
      this.dir ??= mkdtempSync(path.join(tmpdir(), 'orq-mock-images-'));
      const filePath = path.join(this.dir, `image-${++this.files}`);
      file = { handle: await open(filePath, 'w'), path: filePath };
      buffer = Buffer.allocUnsafe(WRITE_BUFFER_BYTES);
      const held = [...chunks];
      unhold();
      for (const piece of held) await file.handle.write(piece);
      await append(chunk);
    };

    return {
      write: (chunk) => {
        if (failed) return undefined;
        if (
          !file &&
          !toDisk &&
          inMemory + chunk.length <= this.budgets.perImage &&
          this.held + chunk.length <= this.budgets.total
        ) {
          chunks.push(chunk);
          inMemory += chunk.length;
          this.held += chunk.length;
          return undefined;
        }
        if (file && buffer && !busy && filled + chunk.length < buffer.length) {
          filled += chunk.copy(buffer, filled);
          return undefined;
        }
        busy = true;
        writing = writing
          .then(() => (file ? append(chunk) : spill(chunk)))
          .catch((error: Error) => {
            failed = error;
          })
          .finally(() => {
            busy = false;
          });
        return writing;
      },
      finish: async () => {
        await writing;
        if (failed) {
          await removeFile();
          unhold();
          throw failed;
        }
        if (file) {
          await flush().catch((error: Error) => {
            failed = error;
          });
          if (failed) {
            await removeFile();
            throw failed;
          }
          await file.handle.close();
          const filePath = file.path;
          file = undefined;
          return { source: { path: filePath }, release: () => rm(filePath, { force: true }) };
        }
        const bytes = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
        chunks.length = 0; // `bytes` alone holds them now; the budget keeps counting them until release
        let released = false;
        return {
          source: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
          release: async () => {
            if (released) return;
            released = true;
            unhold();
          },
        };
      },
      discard: async () => {
        await writing;
        unhold();
        await removeFile();
      },
    };
  }

  /** Removes the temporary directory (the mock is closing; every response is made). */
  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Listens on `host`:`port` (0: a free one); resolves to the base URL once listening. */
export async function listenOn(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
}
