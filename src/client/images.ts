/**
 * Every accepted image input becomes a named, typed, sized part whose bytes are read only when sent. The forms:
 *
 * - bytes (`Blob`/`File`, `ArrayBuffer`, `Buffer` or any typed array) are used as they are;
 * - a Blob or File of another realm (jsdom's File where the runner put Node's Blob in the global scope, an iframe's,
 *   a vm context's), which `instanceof Blob` does not recognise, or one without arrayBuffer() and stream() (jsdom's
 *   own), is known by its shape and read once, within the byte limit, with what it or its realm offers
 *   (arrayBuffer(), stream(), else the global FileReader): its bytes are then sent like bytes given in memory;
 * - a file path or a `file:` URL (Node only) becomes a file-backed Blob (`fs.openAsBlob`): its size is known at once
 *   and nothing is read until the upload, so 16 large files cost no memory up front;
 * - a stream (Node `Readable`, web `ReadableStream`, any async iterable of bytes) has no size and cannot be read
 *   twice, so it is drained once, with the byte limit enforced while draining (reading stops as soon as it is
 *   exceeded): into a temporary file on Node (a file-backed Blob again, so a retry can re-read it and memory stays
 *   flat), into a Blob in browsers. Temporary files are removed by `dispose()` (the client does this after every
 *   call) and, failing that, when the process exits.
 *
 * The media type comes from the bytes (src/contract/images.ts), never from the filename or a declared type. What
 * needs the file system (paths, file: URLs, temporary files) is the platform's (platform/node, platform/browser):
 * this module is the same in every build.
 */
import type { RequestIssue } from '../contract/issues.js';
import { imageSizeIssue, checkImage, extensionFor, SNIFF_BYTES } from '../contract/images.js';
import { imageField } from '../contract/spec.js';
import { untilAborted } from './deadline.js';
import { RequestValidationError, SourceIssue, systemReason } from './errors.js';
import { platform } from './platform/node/index.js';
import { checkedSignatures, type ResolvedSource } from './platform/shared.js';

/** A Node `Readable` as far as this module needs it (no import of node:stream). */
export interface NodeReadableLike extends AsyncIterable<unknown> {
  pipe: (...args: never[]) => unknown;
  destroy?: (error?: Error) => unknown;
  path?: unknown;
}

/** The bytes of one image in any accepted form. */
export type ImageSource =
  | string
  | URL
  | Blob
  | ArrayBuffer
  | ArrayBufferView
  | ReadableStream<Uint8Array>
  | NodeReadableLike
  | AsyncIterable<Uint8Array>;

/** Bytes with an explicit filename (and optionally a declared type, which is checked against the bytes). */
export interface NamedImage {
  data: ImageSource;
  filename?: string;
  contentType?: string;
}

/** One image as the caller may give it. */
export type ImageInput = ImageSource | NamedImage;

const noop = async () => {};

function isNamedImage(input: unknown): input is NamedImage {
  return (
    typeof input === 'object' && input !== null && 'data' in input && !(input instanceof Blob) && !isStreamLike(input)
  );
}

function isWebStream(input: unknown): input is ReadableStream<Uint8Array> {
  return typeof input === 'object' && input !== null && typeof (input as ReadableStream).getReader === 'function';
}

function isAsyncIterable(input: unknown): input is AsyncIterable<unknown> {
  return (
    typeof input === 'object' &&
    input !== null &&
    typeof (input as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function'
  );
}

function isStreamLike(input: unknown): boolean {
  return isWebStream(input) || isAsyncIterable(input);
}

function describeKind(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  return (input as object).constructor?.name ?? 'object';
}

/** A Blob as far as the client reads one; those of another realm are only known by this shape. */
interface BlobShape {
  size: number;
  type: string;
  name?: unknown;
  arrayBuffer?: () => Promise<ArrayBuffer>;
  stream?: () => ReadableStream<Uint8Array>;
}

/** A Blob of this realm that the upload can read as it is (jsdom's own Blob has neither method). */
function isReadableBlob(input: unknown): input is Blob {
  return input instanceof Blob && typeof input.arrayBuffer === 'function' && typeof input.stream === 'function';
}

/** Any other Blob or File: a size, a type, and a way to read it (its own methods, or a FileReader of the environment). */
function isBlobShaped(input: unknown): input is BlobShape {
  if (typeof input !== 'object' || input === null) return false;
  const blob = input as Partial<Record<keyof BlobShape | 'slice', unknown>>;
  if (typeof blob.size !== 'number' || typeof blob.type !== 'string' || typeof blob.slice !== 'function') return false;
  return (
    typeof blob.arrayBuffer === 'function' ||
    typeof blob.stream === 'function' ||
    typeof globalThis.FileReader === 'function'
  );
}

/** An ArrayBuffer of any realm (`instanceof ArrayBuffer` is false for one from a vm context or an iframe). */
function isArrayBuffer(input: unknown): input is ArrayBuffer {
  return Object.prototype.toString.call(input) === '[object ArrayBuffer]';
}

/** Reads a Blob through the environment's FileReader, which can read the Blobs of its own realm (jsdom's). */
function readWithFileReader(blob: BlobShape): Promise<ArrayBuffer> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      isArrayBuffer(reader.result) ? resolve(reader.result) : reject(new Error('FileReader gave no bytes'));
    reader.onerror = () => reject(reader.error ?? new Error('FileReader failed'));
    reader.readAsArrayBuffer(blob as unknown as Blob);
  });
}

/**
 * A Blob the client cannot hand on as it is, read once: its size is checked against the limit first, and what
 * arrives is counted again (its stream is drained like any stream, stopping at the limit), so a shape that lies about
 * its size reads no further.
 */
async function fromBlobShape(input: BlobShape, options: PrepareImageOptions): Promise<ResolvedSource> {
  const tooLarge = imageSizeIssue('', input.size);
  if (tooLarge) throw new SourceIssue(tooLarge.message);
  const filename = typeof input.name === 'string' && input.name ? input.name : undefined;
  if (typeof input.arrayBuffer !== 'function' && typeof input.stream === 'function')
    return { ...(await drainStream(input.stream(), options)), filename };
  let bytes: Uint8Array;
  try {
    const read = typeof input.arrayBuffer === 'function' ? input.arrayBuffer() : readWithFileReader(input);
    bytes = new Uint8Array(await untilAborted(read, options.signal));
  } catch (error) {
    if (options.signal?.aborted) throw error;
    throw new SourceIssue(
      `is a ${describeKind(input)} that could not be read (${systemReason(error)}); give its bytes (a Uint8Array) instead`,
    );
  }
  const over = imageSizeIssue('', bytes.byteLength);
  if (over) throw new SourceIssue(over.message);
  return { blob: await platform.memoryBlob(bytes), filename, head: bytes.slice(0, SNIFF_BYTES), dispose: noop };
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() ?? path;
}

async function fromUrl(url: URL): Promise<ResolvedSource> {
  if (url.protocol !== 'file:') {
    throw new SourceIssue(
      `is a ${url.protocol} URL; only file: URLs are read (download other images and pass their bytes)`,
    );
  }
  return platform.openImageFile(url);
}

/** The chunks of any byte stream, with a way to stop it early. */
function chunksOf(input: ReadableStream<Uint8Array> | AsyncIterable<unknown>): {
  next(): Promise<IteratorResult<unknown>>;
  stop(reason?: unknown): void;
} {
  if (isWebStream(input)) {
    const reader = input.getReader();
    return {
      next: () => reader.read() as Promise<IteratorResult<unknown>>,
      stop: (reason) => void reader.cancel(reason).catch(() => {}),
    };
  }
  const iterator = input[Symbol.asyncIterator]();
  return {
    next: () => iterator.next(),
    stop: () => {
      const destroy = (input as NodeReadableLike).destroy;
      if (typeof destroy === 'function') destroy.call(input);
      else void iterator.return?.()?.catch(() => {});
    },
  };
}

function asBytes(chunk: unknown): Uint8Array {
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new SourceIssue(
    `is a stream that gave a ${describeKind(chunk)} chunk; give a stream of bytes (no text encoding set)`,
  );
}

async function drainStream(
  input: ReadableStream<Uint8Array> | AsyncIterable<unknown>,
  options: PrepareImageOptions,
): Promise<ResolvedSource> {
  // The spec's byte limit per image: a stream is read only until it is exceeded.
  const { maxBytes } = imageField.limits;
  const source = chunksOf(input);
  const streamPath = (input as NodeReadableLike).path;
  const filename = typeof streamPath === 'string' ? basename(streamPath) : undefined;
  const tooLarge = (read: number) =>
    new SourceIssue(
      `is a stream of more than ${maxBytes} bytes (reading stopped at ${read}), over the limit of ${maxBytes} bytes per image`,
    );

  // Pulls the stream to its end one chunk at a time, handing each to `sink` before the next is read.
  const pullAll = async (sink: (bytes: Uint8Array) => unknown) => {
    let size = 0;
    for (;;) {
      const { done, value } = await untilAborted(source.next(), options.signal);
      if (done) return;
      const bytes = asBytes(value);
      size += bytes.byteLength;
      if (size > maxBytes) throw tooLarge(size);
      await sink(bytes);
    }
  };
  const failure = (error: unknown) => {
    source.stop(error);
    if (error instanceof SourceIssue || options.signal?.aborted) return error;
    return new SourceIssue(`is a stream that failed while being read (${systemReason(error)})`);
  };

  try {
    const spooled = await platform.spool(pullAll);
    return { ...spooled, filename };
  } catch (error) {
    throw failure(error);
  }
}

/** Resolves one image source to a lazily read Blob. Throws SourceIssue for anything that cannot be an image. */
async function resolveSource(input: unknown, options: PrepareImageOptions): Promise<ResolvedSource> {
  if (typeof input === 'string') {
    // A URL given as text (a previous result's `url`) is checked as a URL, not looked for as a file of that name.
    return /^(file|https?|data|blob):/i.test(input) && URL.canParse(input)
      ? fromUrl(new URL(input))
      : platform.openImageFile(input);
  }
  if (input instanceof URL) return fromUrl(input);
  if (isReadableBlob(input)) {
    const name = typeof File !== 'undefined' && input instanceof File && input.name ? input.name : undefined;
    return { blob: input, filename: name, dispose: noop };
  }
  if (isBlobShaped(input)) return fromBlobShape(input, options);
  if (isArrayBuffer(input) || ArrayBuffer.isView(input)) {
    const bytes = isArrayBuffer(input)
      ? new Uint8Array(input)
      : new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    // The Blob is a copy: the caller may reuse their buffer. Its first bytes are taken now, with no read later.
    return { blob: await platform.memoryBlob(bytes), head: bytes.slice(0, SNIFF_BYTES), dispose: noop };
  }
  if (isWebStream(input) || isAsyncIterable(input)) return drainStream(input, options);
  throw new SourceIssue(
    `must be a file path, file: URL, Blob, File, ArrayBuffer, typed array, readable stream or { data, filename }, got ${describeKind(input)}`,
  );
}

/** `SourceIssue` → a RequestIssue naming the field; anything else (an abort) is rethrown. */
function issueFrom(error: unknown, field: string): RequestIssue[] {
  if (error instanceof SourceIssue) return [{ field, message: error.message }];
  throw error;
}

/** An image ready to send: its part's filename and media type, its size, and its bytes as a lazily read Blob. */
export interface PreparedImage {
  filename: string;
  contentType: string;
  size: number;
  blob: Blob;
  /** Removes a temporary file made for a stream input; absent or a no-op otherwise. Safe to call twice. */
  dispose?(): Promise<void>;
}

export interface PrepareImageOptions {
  /** Stops reading a stream input when it fires (the reason is thrown). */
  signal?: AbortSignal;
}

/**
 * Checks one image against the spec's file limits. `field` is how issues name it: `image` or `image[3]`.
 * Resolves to the prepared image, or to the issues that keep it from being sent (having removed anything it made).
 */
export async function prepareImage(
  input: unknown,
  field: string,
  index: number,
  options: PrepareImageOptions = {},
): Promise<PreparedImage | RequestIssue[]> {
  const named = isNamedImage(input) ? input : undefined;
  const { maxBytes } = imageField.limits;
  let source: ResolvedSource;
  try {
    source = await resolveSource(named ? named.data : input, options);
  } catch (error) {
    return issueFrom(error, field);
  }
  const refuse = async (message: string): Promise<RequestIssue[]> => {
    await source.dispose();
    return [{ field, message }];
  };
  const { blob } = source;
  // An empty name is no name: the part would lose its filename and stop being a file part.
  const filename = (named?.filename ?? source.filename) || undefined;
  // The signature is read once per Blob and kept (platform/shared.ts): bytes given in memory need no read at all, a
  // Blob checked before needs no second one, and the upload compares what it sends with it.
  let head = source.head ?? checkedSignatures.get(blob) ?? new Uint8Array();
  if (head.length === 0 && blob.size > 0 && blob.size <= maxBytes) {
    try {
      head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
    } catch (error) {
      return refuse(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const checked = checkImage(field, { size: blob.size, head, filename, declaredType: named?.contentType });
  if ('issue' in checked) return refuse(checked.issue.message);
  const detected = checked.mediaType;
  checkedSignatures.set(blob, head);
  return {
    filename: filename ?? `image-${index + 1}.${extensionFor(detected)}`,
    contentType: detected,
    size: blob.size,
    blob,
    dispose: source.dispose,
  };
}

/** An image in the form the client sends: also a valid `image` input itself (a `NamedImage`). */
export interface ImageFile {
  data: Blob;
  filename: string;
  /** Read from the bytes. */
  contentType: string;
  size: number;
  /** Removes the temporary file made for a stream input (Node); a no-op for other inputs. */
  dispose(): Promise<void>;
}

/**
 * The same conversion the client applies to each `image`, for callers who want to check or reuse an image before
 * sending it: any accepted input → a lazily read Blob with its filename and its media type read from its bytes.
 * Throws RequestValidationError (field `image`) for an input the spec would refuse: unreadable, empty, over the byte
 * limit, not PNG/JPEG/WebP. A stream is drained once (to a temporary file on Node); call `dispose()` when done.
 */
export async function toImageFile(
  input: ImageInput,
  filename?: string,
  options: PrepareImageOptions = {},
): Promise<ImageFile> {
  const given =
    filename === undefined ? input : isNamedImage(input) ? { ...input, filename } : { data: input, filename };
  const prepared = await prepareImage(given, imageField.name, 0, options);
  if (Array.isArray(prepared)) throw new RequestValidationError(prepared);
  return {
    data: prepared.blob,
    filename: prepared.filename,
    contentType: prepared.contentType,
    size: prepared.size,
    dispose: prepared.dispose ?? (async () => {}),
  };
}
