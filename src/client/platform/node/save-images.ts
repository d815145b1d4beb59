/**
 * saveImages and saveEachImage: write every image of an edit's result to a directory, `b64_json` decoded, `url`
 * downloaded (streamed to disk, never held whole in memory), each named by its index and the type read from its
 * bytes: `image-1.png`, `image-2.webp`, ... Node only: the browser build has a saveImages that says so.
 *
 * The result was paid for, so one image that cannot be saved never stops the others: saveEachImage reports each
 * image's outcome (its path, or the typed error saying what really failed: DownloadError, FileSystemError,
 * ResponseValidationError for an image the response did not really carry); saveImages resolves to the paths or throws
 * the first failure once every other image had its chance. A timeout or an abort stops everything.
 *
 * Every download is bounded: by the call's deadline and by the spec's limit for one image (`x-max-image-bytes`,
 * or `maxImageBytes`), checked on the declared Content-Length and on the bytes as they arrive. Each file is
 * written under a temporary name and renamed once complete, so a failed, stopped or aborted download never leaves a
 * partial image behind. An existing file is not overwritten unless asked: the next free name is used
 * (`image-1-2.png`). Downloads send no Authorization header: result URLs are pre-signed and may be on another host.
 */
import type { Transform as TransformStream } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { isBase64, extensionFor, sniffImageType, SNIFF_BYTES } from '../../../contract/images.js';
import { maxResultImageBytes } from '../../../contract/spec.js';
import { startCallDeadline } from '../../deadline.js';
import {
  AbortError,
  DownloadError,
  FileSystemError,
  InvalidOptionError,
  OrqImageEditError,
  ResponseValidationError,
  TimeoutError,
} from '../../errors.js';
import { DEFAULTS, type ImageEditResponse } from '../../options.js';
import { nodeFs, nodePath } from './files.js';

export interface SaveImagesOptions {
  /** Start of each file's name; default `image` (→ `image-1.png`). A file-name prefix: no separators, `..` or NUL. */
  prefix?: string;
  /** Replace files that already exist; default false (the next free name is used instead). */
  overwrite?: boolean;
  /** Whole-call limit for the downloads, in ms; default 600 000. Expiry throws TimeoutError. */
  timeoutMs?: number;
  /** Aborts the downloads (AbortError); files already complete stay. */
  signal?: AbortSignal;
  /** A fetch to download `url` images with instead of the global one. */
  fetch?: typeof globalThis.fetch;
  /** Largest image downloaded, in bytes; default the spec's `x-max-image-bytes` (52,428,800). */
  maxImageBytes?: number;
}

/** What became of one image of the result: saved at `path`, or not saved and why. */
export type ImageSaveOutcome =
  | { index: number; saved: true; path: string }
  | { index: number; saved: false; error: OrqImageEditError };

/*
 * A saveImages prefix is the start of a file name, never a path: a separator, `..`, NUL or another control
 * character would let a response's caller (or whoever chose the prefix) write outside the directory asked for, or
 * name a file the system refuses. Refused with an InvalidOptionError naming the rule, before anything is written.
 */
/** File names are at most 255 bytes on common file systems; the rest of a name (`-16-2.webp`, a temporary
 *  file's `.…<uuid>.partial`) takes up to 55 of them. */
const MAX_PREFIX_BYTES = 200;
// Separators on any platform (/ and \), characters Windows refuses in names, and control characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\:*?"<>|\u0000-\u001f\u007f]/;

function checkedPrefix(prefix: unknown): string {
  const fail = (rule: string) =>
    new InvalidOptionError(
      'prefix',
      `must be a file-name prefix: ${rule} (got ${JSON.stringify(String(prefix).slice(0, 80))})`,
    );
  if (typeof prefix !== 'string' || prefix === '') throw fail('a non-empty string');
  if (FORBIDDEN.test(prefix))
    throw fail('no path separators (/ \\), no : * ? " < > | and no control characters such as NUL');
  if (prefix.includes('..')) throw fail('no ".."');
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES) throw fail(`at most ${MAX_PREFIX_BYTES} bytes`);
  return prefix;
}

const DOWNLOAD_SCHEMES = new Set(['http:', 'https:', 'data:']);

function extensionOf(head: Uint8Array, declared: string | null): string {
  const sniffed = sniffImageType(head);
  if (sniffed) return extensionFor(sniffed);
  const subtype = /^image\/([a-z0-9.+-]+)/i.exec(declared ?? '')?.[1]?.toLowerCase();
  return subtype === 'jpeg' ? 'jpg' : subtype && /^[a-z0-9]+$/.test(subtype) ? subtype : 'bin';
}

const notCarried = (field: string, message: string) =>
  new ResponseValidationError(200, [{ field, message }], undefined);

/** Raised inside the download pipeline when the image passes the byte limit. */
class TooLarge extends Error {}

/** Counts the bytes going by, keeps the first ones (to name the file by its type), and stops past `limit`. */
function meter(limit: number, Transform: typeof TransformStream) {
  const state = { bytes: 0, head: Buffer.alloc(0) };
  const stream = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      state.bytes += chunk.length;
      if (state.bytes > limit) return done(new TooLarge());
      if (state.head.length < SNIFF_BYTES)
        state.head = Buffer.concat([state.head, chunk.subarray(0, SNIFF_BYTES - state.head.length)]);
      done(null, chunk);
    },
  });
  return { state, stream };
}

/** Saves every image it can into `dir` (created if missing) and resolves to each one's outcome, in `data` order. */
export async function saveEachImage(
  result: Pick<ImageEditResponse, 'data'>,
  dir: string,
  options: SaveImagesOptions = {},
): Promise<ImageSaveOutcome[]> {
  const data: unknown = result?.data;
  if (!Array.isArray(data)) throw notCarried('body.data', 'is not an array of images');
  const prefix = checkedPrefix(options.prefix ?? 'image');
  const limit = options.maxImageBytes ?? maxResultImageBytes;
  if (!Number.isSafeInteger(limit) || limit <= 0)
    throw new InvalidOptionError('maxImageBytes', `must be a positive whole number of bytes (got ${String(limit)})`);
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));
  // Node's file and stream modules load with the first save, not with the client (see files.ts).
  const [fs, path, { Readable, Transform }, { pipeline }] = await Promise.all([
    nodeFs(),
    nodePath(),
    import('node:stream'),
    import('node:stream/promises'),
  ]);
  const call = startCallDeadline(options.timeoutMs ?? DEFAULTS.timeoutMs, options.signal);
  const { signal, abortError } = call;

  /** Moves a complete temporary file to its final name (the next free one unless overwriting). */
  async function place(temp: string, index: number, extension: string): Promise<string> {
    for (let n = 1; ; n++) {
      const target = path.join(dir, `${prefix}-${index + 1}${n > 1 ? `-${n}` : ''}.${extension}`);
      try {
        if (options.overwrite) {
          await fs.promises.rename(temp, target);
          return target;
        }
        // link + unlink: atomic "rename unless the target exists".
        await fs.promises.link(temp, target);
        await fs.promises.unlink(temp);
        return target;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST' || options.overwrite)
          throw new FileSystemError(`save image ${index + 1} as ${JSON.stringify(target)}`, target, error, index);
      }
    }
  }

  async function decode(text: string, index: number, temp: string): Promise<string> {
    if (!isBase64(text)) throw notCarried(`body.data[${index}].b64_json`, 'is not base64 image data');
    const bytes = Buffer.from(text, 'base64');
    try {
      await fs.promises.writeFile(temp, bytes, { signal, flag: 'wx' });
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw new FileSystemError(`write image ${index + 1} into ${JSON.stringify(dir)}`, temp, error, index);
    }
    return place(temp, index, extensionOf(bytes.subarray(0, SNIFF_BYTES), null));
  }

  async function download(given: string, index: number, temp: string): Promise<string> {
    let url: URL;
    try {
      url = new URL(given);
    } catch {
      throw notCarried(`body.data[${index}].url`, 'is not a URL');
    }
    if (!DOWNLOAD_SCHEMES.has(url.protocol)) {
      throw notCarried(
        `body.data[${index}].url`,
        `is a ${url.protocol} URL; only http:, https: and data: are downloaded`,
      );
    }
    let response: Response;
    try {
      response = await fetchImpl(url, { signal, redirect: 'follow' });
    } catch (error) {
      if (signal.aborted) throw abortError();
      throw new DownloadError(index, given, { cause: error });
    }
    const declared = Number(response.headers.get('content-length') ?? NaN);
    const refusal = !response.ok
      ? { status: response.status }
      : !response.body
        ? { empty: true }
        : declared > limit
          ? { limitBytes: limit }
          : undefined;
    if (refusal) {
      await response.body?.cancel().catch(() => {});
      throw new DownloadError(index, given, refusal);
    }
    const { state, stream } = meter(limit, Transform);
    let fileFailure: unknown;
    try {
      const file = fs.createWriteStream(temp, { flags: 'wx' }).once('error', (error) => (fileFailure = error));
      await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), stream, file);
    } catch (error) {
      await response.body?.cancel().catch(() => {});
      if (signal.aborted) throw abortError();
      if (error instanceof TooLarge) throw new DownloadError(index, given, { limitBytes: limit });
      if (fileFailure !== undefined)
        throw new FileSystemError(`write image ${index + 1} into ${JSON.stringify(dir)}`, temp, fileFailure, index);
      throw new DownloadError(index, given, { cause: error });
    }
    if (state.bytes === 0) throw new DownloadError(index, given, { empty: true });
    return place(temp, index, extensionOf(state.head, response.headers.get('content-type')));
  }

  async function saveOne(image: unknown, index: number): Promise<string> {
    // Unique per call and image: two saves into one directory at once must never share a temporary file.
    const temp = path.join(dir, `.${prefix}-${index + 1}.${crypto.randomUUID()}.partial`);
    try {
      const { b64_json: b64, url } = (image ?? {}) as { b64_json?: unknown; url?: unknown };
      if (typeof b64 === 'string') return await decode(b64, index, temp);
      if (typeof url === 'string') return await download(url, index, temp);
      throw notCarried(`body.data[${index}]`, 'has neither b64_json nor url');
    } finally {
      await fs.promises.rm(temp, { force: true }).catch(() => {});
    }
  }

  const outcomes: ImageSaveOutcome[] = [];
  try {
    try {
      await fs.promises.mkdir(dir, { recursive: true });
    } catch (error) {
      const failure = new FileSystemError(`create the directory ${JSON.stringify(dir)}`, dir, error);
      return data.map((_, index) => ({ index, saved: false, error: failure }));
    }
    for (const [index, image] of data.entries()) {
      if (signal.aborted) {
        outcomes.push({ index, saved: false, error: abortError() });
        continue;
      }
      try {
        outcomes.push({ index, saved: true, path: await saveOne(image, index) });
      } catch (error) {
        const typed = signal.aborted
          ? abortError()
          : error instanceof OrqImageEditError
            ? error
            : new FileSystemError(`save image ${index + 1}`, dir, error, index);
        outcomes.push({ index, saved: false, error: typed });
      }
    }
    return outcomes;
  } finally {
    // On every path, so a failed call never keeps the process alive until its timeout.
    call.dispose();
  }
}

/** Writes the result's images into `dir` (created if missing) and resolves to their paths, in `data` order. */
export async function saveImages(
  result: Pick<ImageEditResponse, 'data'>,
  dir: string,
  options: SaveImagesOptions = {},
): Promise<string[]> {
  const outcomes = await saveEachImage(result, dir, options);
  const errors = outcomes.flatMap((outcome) => (outcome.saved ? [] : [outcome.error]));
  // What stopped the whole call says more than the first image it stopped.
  const stop = errors.find((error) => error instanceof TimeoutError || error instanceof AbortError) ?? errors[0];
  if (stop) throw stop;
  return outcomes.flatMap((outcome) => (outcome.saved ? [outcome.path] : []));
}
