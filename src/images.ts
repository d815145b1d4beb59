/**
 * Every accepted image input becomes a named, typed, sized part whose bytes are read only when sent.
 * The media type comes from the bytes (see sniff.ts), never from the filename or a declared type.
 */
import { extensionFor, sniffImageType, SNIFF_BYTES } from './sniff.js';
import { imageField } from './contract.js';
import type { RequestIssue } from './errors.js';

/** One image as the caller may give it. */
export type ImageInput = Blob | ArrayBuffer | ArrayBufferView | NamedImage;

/** Bytes with an explicit filename (and optionally a declared type, which is checked against the bytes). */
export interface NamedImage {
  data: Blob | ArrayBuffer | ArrayBufferView;
  filename?: string;
  contentType?: string;
}

/** An image ready to send: its part's filename and media type, its size, and its bytes as a lazily read Blob. */
export interface PreparedImage {
  filename: string;
  contentType: string;
  size: number;
  blob: Blob;
}

function isNamedImage(input: unknown): input is NamedImage {
  return typeof input === 'object' && input !== null && 'data' in input && !(input instanceof Blob);
}

function toBlob(data: Blob | ArrayBuffer | ArrayBufferView): Blob | undefined {
  if (data instanceof Blob) return data;
  if (data instanceof ArrayBuffer) return new Blob([data]);
  if (ArrayBuffer.isView(data)) return new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>]);
  return undefined;
}

function describeKind(input: unknown): string {
  if (input === null) return 'null';
  if (typeof input !== 'object') return typeof input;
  return (input as object).constructor?.name ?? 'object';
}

/**
 * Checks one image against the spec's file limits. `field` is how issues name it: `image` or `image[3]`.
 * Resolves to the prepared image, or to the issues that keep it from being sent.
 */
export async function prepareImage(input: unknown, field: string, index: number): Promise<PreparedImage | RequestIssue[]> {
  const named = isNamedImage(input) ? input : undefined;
  const blob = toBlob((named ? named.data : input) as Blob);
  if (!blob) {
    return [{ field, message: `must be a Blob, File, ArrayBuffer, typed array or { data, filename }, got ${describeKind(input)}` }];
  }
  const { maxBytes, mediaTypes } = imageField.limits;
  if (blob.size === 0) return [{ field, message: 'is empty (0 bytes)' }];
  if (blob.size > maxBytes) {
    return [{ field, message: `is ${blob.size} bytes, over the limit of ${maxBytes} bytes per image` }];
  }
  const detected = sniffImageType(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));
  const filename = named?.filename ?? (typeof File !== 'undefined' && blob instanceof File && blob.name ? blob.name : undefined);
  if (!detected || !mediaTypes.includes(detected)) {
    return [{ field, message: `is not ${mediaTypes.join(', ')} (its bytes${filename ? ` in ${JSON.stringify(filename)}` : ''} have no such signature)` }];
  }
  if (named?.contentType && named.contentType !== detected) {
    return [{ field, message: `is declared ${named.contentType} but its bytes are ${detected}` }];
  }
  return { filename: filename ?? `image-${index + 1}.${extensionFor(detected)}`, contentType: detected, size: blob.size, blob };
}
