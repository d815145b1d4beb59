/**
 * saveImages: writes every image of an edit's result to a directory, `b64_json` decoded, `url` downloaded (streamed
 * to disk, never held whole in memory), each named by its index and the type read from its bytes: `image-1.png`,
 * `image-2.webp`, ... Node only: the browser build has a saveImages that says so (platform/browser).
 *
 * Each file is written under a temporary name and renamed once complete, so a failed or aborted download never
 * leaves a partial image behind. An existing file is not overwritten unless asked: the next free name is used
 * (`image-1-2.png`). Downloads send no Authorization header: result URLs are pre-signed and may be on another host.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { extensionFor, sniffImageType, SNIFF_BYTES } from '../../../contract/sniff.js';
import { startCallDeadline } from '../../call-deadline.js';
import { DEFAULTS } from '../../defaults.js';
import { DownloadError, NetworkError, ResponseValidationError, networkErrorCode } from '../../errors.js';
import type { ImageEditResponse } from '../../types.js';

export interface SaveImagesOptions {
  /** Start of each file's name; default `image` (→ `image-1.png`). */
  prefix?: string;
  /** Replace files that already exist; default false (the next free name is used instead). */
  overwrite?: boolean;
  /** Whole-call limit for the downloads, in ms; default 600 000. Expiry throws TimeoutError. */
  timeoutMs?: number;
  /** Aborts the downloads (AbortError); files already complete stay. */
  signal?: AbortSignal;
  /** A fetch to download `url` images with instead of the global one. */
  fetch?: typeof globalThis.fetch;
}

const DOWNLOAD_SCHEMES = new Set(['http:', 'https:', 'data:']);
const BASE64 = /^[A-Za-z0-9+/\s]*={0,2}\s*$/;

function extensionOf(head: Uint8Array, declared: string | null): string {
  const sniffed = sniffImageType(head);
  if (sniffed) return extensionFor(sniffed);
  const subtype = /^image\/([a-z0-9.+-]+)/i.exec(declared ?? '')?.[1]?.toLowerCase();
  return subtype === 'jpeg' ? 'jpg' : subtype && /^[a-z0-9]+$/.test(subtype) ? subtype : 'bin';
}

/** Writes the result's images into `dir` (created if missing) and resolves to their paths, in `data` order. */
export async function saveImages(result: Pick<ImageEditResponse, 'data'>, dir: string, options: SaveImagesOptions = {}): Promise<string[]> {
  const data = result?.data;
  if (!Array.isArray(data)) {
    throw new ResponseValidationError(200, [{ field: 'body.data', message: 'is not an array of images' }], result);
  }
  const prefix = options.prefix ?? 'image';
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const call = startCallDeadline(timeoutMs, options.signal);
  const { signal, abortError } = call;
  const fetchImpl = options.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => globalThis.fetch(input, init));

  await fs.promises.mkdir(dir, { recursive: true });
  const saved: string[] = [];

  /** Moves a complete temporary file to its final name (the next free one unless overwriting). */
  async function place(temp: string, index: number, extension: string): Promise<string> {
    for (let n = 1; ; n++) {
      const target = path.join(dir, `${prefix}-${index + 1}${n > 1 ? `-${n}` : ''}.${extension}`);
      if (options.overwrite) {
        await fs.promises.rename(temp, target);
        return target;
      }
      try {
        // link + unlink: atomic "rename unless the target exists".
        await fs.promises.link(temp, target);
        await fs.promises.unlink(temp);
        return target;
      } catch (error) {
        if ((error as { code?: string }).code !== 'EEXIST') throw error;
      }
    }
  }

  try {
    for (const [index, image] of data.entries()) {
      if (signal.aborted) throw abortError();
      // Unique per call and image: two saves into one directory at once must never share a temporary file.
      const temp = path.join(dir, `.${prefix}-${index + 1}.${crypto.randomUUID()}.partial`);
      try {
        if (typeof image?.b64_json === 'string') {
          const text = image.b64_json;
          if (!BASE64.test(text) || text.trim() === '') {
            throw new ResponseValidationError(200, [{ field: `body.data[${index}].b64_json`, message: 'is not base64 image data' }], undefined);
          }
          const bytes = Buffer.from(text, 'base64');
          await fs.promises.writeFile(temp, bytes);
          saved.push(await place(temp, index, extensionOf(bytes.subarray(0, SNIFF_BYTES), null)));
          continue;
        }
        if (typeof image?.url !== 'string') {
          throw new ResponseValidationError(200, [{ field: `body.data[${index}]`, message: 'has neither b64_json nor url' }], undefined);
        }
        let url: URL;
        try {
          url = new URL(image.url);
        } catch {
          throw new ResponseValidationError(200, [{ field: `body.data[${index}].url`, message: 'is not a URL' }], undefined);
        }
        if (!DOWNLOAD_SCHEMES.has(url.protocol)) {
          throw new ResponseValidationError(200, [{ field: `body.data[${index}].url`, message: `is a ${url.protocol} URL; only http:, https: and data: are downloaded` }], undefined);
        }
        let response: Response;
        try {
          response = await fetchImpl(url, { signal: signal, redirect: 'follow' });
        } catch (error) {
          if (signal.aborted) throw abortError();
          throw new NetworkError(error);
        }
        if (!response.ok || !response.body) {
          await response.body?.cancel().catch(() => {});
          throw new DownloadError(index, response.status, image.url);
        }
        let head = new Uint8Array(0);
        const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
        body.on('data', (chunk: Buffer) => {
          if (head.length < SNIFF_BYTES) head = Buffer.concat([head, chunk.subarray(0, SNIFF_BYTES - head.length)]);
        });
        try {
          await pipeline(body, fs.createWriteStream(temp));
        } catch (error) {
          if (signal.aborted) throw abortError();
          throw new NetworkError(Object.assign(new Error(`downloading image ${index + 1} broke off (${networkErrorCode(error) ?? (error as Error).message})`), { code: networkErrorCode(error) }));
        }
        if (head.length === 0) throw new ResponseValidationError(200, [{ field: `body.data[${index}].url`, message: 'downloaded 0 bytes' }], undefined);
        saved.push(await place(temp, index, extensionOf(head, response.headers.get('content-type'))));
      } finally {
        await fs.promises.rm(temp, { force: true });
      }
    }
    return saved;
  } finally {
    call.dispose();
  }
}
