/**
 * Every accepted image input becomes a named, typed, sized part whose bytes are read only when sent (see
 * image-sources.ts for the forms accepted). The media type comes from the bytes (see sniff.ts), never from the
 * filename or a declared type.
 */
import { judgeImage } from '../contract/image-rules.js';
import type { RequestIssue } from '../contract/issues.js';
import { extensionFor, SNIFF_BYTES } from '../contract/sniff.js';
import { imageField } from '../contract/wire-contract.js';
import { RequestValidationError } from './errors.js';
import { isNamedImage, issueFrom, resolveSource, type ImageInput, type ResolvedSource } from './image-sources.js';
import { checkedSignature, keepSignature } from './signatures.js';

export type { ImageInput, ImageSource, NamedImage, NodeReadableLike } from './image-sources.js';

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
export async function prepareImage(input: unknown, field: string, index: number, options: PrepareImageOptions = {}): Promise<PreparedImage | RequestIssue[]> {
  const named = isNamedImage(input) ? input : undefined;
  const { maxBytes } = imageField.limits;
  let source: ResolvedSource;
  try {
    source = await resolveSource(named ? named.data : input, { maxBytes, signal: options.signal });
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
  // The signature is read once per Blob and kept (signatures.ts): bytes given in memory need no read at all, a Blob
  // checked before needs no second one, and the upload compares what it sends with it.
  let head = source.head ?? checkedSignature(blob) ?? new Uint8Array();
  if (head.length === 0 && blob.size > 0 && blob.size <= maxBytes) {
    try {
      head = new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer());
    } catch (error) {
      return refuse(`cannot be read (${error instanceof Error ? error.message : String(error)})`);
    }
  }
  const verdict = judgeImage(field, { size: blob.size, head, filename, declaredType: named?.contentType });
  if ('issue' in verdict) return refuse(verdict.issue.message);
  const detected = verdict.mediaType;
  keepSignature(blob, head);
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
export async function toImageFile(input: ImageInput, filename?: string, options: PrepareImageOptions = {}): Promise<ImageFile> {
  const given = filename === undefined ? input : isNamedImage(input) ? { ...input, filename } : { data: input, filename };
  const prepared = await prepareImage(given, imageField.name, 0, options);
  if (Array.isArray(prepared)) throw new RequestValidationError(prepared);
  return { data: prepared.blob, filename: prepared.filename, contentType: prepared.contentType, size: prepared.size, dispose: prepared.dispose ?? (async () => {}) };
}
