/**
 * The wire side of the conformance tests: image arbitraries and image sites (from the spec's file limits),
 * multipart bytes parsed back with a real parser (test/support/multipart.ts) and checked by the spec (decodeTextParts +
 * validateEditFields + the file limits), and the raw parts of a valid request for the cases only the wire can express
 * (broken JSON text, repeated parts, unknown parts, an image sent as text), written by test/support/multipart.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { validateEditFields } from '../../generated/validators.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import type { PreparedImage } from '../../src/client/images.js';
import { prepareImage } from '../../src/client/images.js';
import { sniffImageType, SNIFF_BYTES } from '../../src/contract/images.js';
import { type RequestIssue, issuesFromAjv } from '../../src/contract/issues.js';
import { decodeTextParts, type TextPart } from '../../src/contract/decode-parts.js';
import { makeJpegHead, makePng, makeWebpHead } from '../support/images.js';
import type { RawPart } from '../../scripts/multipart-writer.js';
import { readMultipart, type ParsedPart } from '../support/multipart-reader.js';
import { DELETE } from './schema-arbitraries.js';

const limits = imageField.limits;
const IMAGE = imageField.name;

// ---------------------------------------------------------------------------------------------------------------
// Images

/** Bytes of each media type the spec allows; a type the spec adds without a generator here fails loudly. */
const bytesByType: Record<string, fc.Arbitrary<Uint8Array>> = {
  'image/png': fc
    .record({ w: fc.integer({ min: 1, max: 6 }), h: fc.integer({ min: 1, max: 6 }), seed: fc.nat(255) })
    .map(({ w, h, seed }) => new Uint8Array(makePng(w, h, { seed }))),
  'image/jpeg': fc.constant(new Uint8Array(makeJpegHead())),
  'image/webp': fc.constant(new Uint8Array(makeWebpHead())),
};
for (const type of limits.mediaTypes)
  if (!bytesByType[type]) throw new Error(`wire.ts: no image generator for the spec's media type ${type}`);

/** Bytes that are none of the allowed types: GIF, text, or random bytes whose first ones match no signature. */
export const notAnImageBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.constant(new TextEncoder().encode('GIF89a\x01\x00\x01\x00\x00\x00\x00;')),
  fc.constant(new TextEncoder().encode('not an image at all')),
  fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .filter((bytes) => sniffImageType(bytes.subarray(0, SNIFF_BYTES)) === undefined),
);

// Non-empty: an empty filename is its own site below (a part with `filename=""` reads back as a text part).
const filenameArb = fc.string({ unit: 'grapheme', minLength: 1, maxLength: 16 });

// File inputs (paths and file: URLs) point at small files written here; removeImageFiles() deletes them.
let fileDir: string | undefined;
let fileCount = 0;
function writeImageFile(bytes: Uint8Array): string {
  fileDir ??= mkdtempSync(path.join(tmpdir(), 'orq-property-'));
  const file = path.join(fileDir, `image-${++fileCount}.bin`);
  writeFileSync(file, bytes);
  return file;
}
export function removeImageFiles(): void {
  if (fileDir) rmSync(fileDir, { recursive: true, force: true });
  fileDir = undefined;
}

/** Wraps bytes in one of the input forms the client takes (Blob, File, ArrayBuffer, views, paths, file: URLs, { data, filename }). */
function asInput(bytes: Uint8Array, type: string | undefined): fc.Arbitrary<unknown> {
  return fc.oneof(
    fc.constant(null).map(() => writeImageFile(bytes)),
    fc.constant(null).map(() => pathToFileURL(writeImageFile(bytes))),
    fc.constant(new Blob([bytes as Uint8Array<ArrayBuffer>])),
    filenameArb.map((name) => new File([bytes as Uint8Array<ArrayBuffer>], name)),
    fc.constant(bytes.slice().buffer),
    fc.constant(Buffer.from(bytes)),
    // A view into the middle of a bigger buffer: byteOffset must be honoured.
    fc.nat(7).map((offset) => {
      const big = new Uint8Array(bytes.length + offset + 3);
      big.set(bytes, offset);
      return new Uint8Array(big.buffer, offset, bytes.length);
    }),
    fc.record(
      { data: fc.constant(new Blob([bytes as Uint8Array<ArrayBuffer>])), filename: filenameArb },
      { requiredKeys: ['data'] },
    ),
    ...(type
      ? [
          fc.record(
            { data: fc.constant(bytes.slice()), filename: filenameArb, contentType: fc.constant(type) },
            { requiredKeys: ['data', 'contentType'] },
          ),
        ]
      : []),
  );
}

export const validImageArb: fc.Arbitrary<unknown> = fc
  .constantFrom(...limits.mediaTypes)
  .chain((type) => bytesByType[type]!.chain((bytes) => asInput(bytes, type)));

/** One image, or an array of minItems..maxItems (each count equally likely at the edges). */
export const validImageValueArb: fc.Arbitrary<unknown> = fc.oneof(
  validImageArb,
  fc.array(validImageArb, { minLength: limits.minItems, maxLength: limits.maxItems }),
  fc
    .constantFrom(limits.minItems, limits.maxItems)
    .chain((n) => fc.array(validImageArb, { minLength: n, maxLength: n })),
);

export interface ImageSite {
  label: string;
  value: fc.Arbitrary<unknown> | typeof DELETE;
  valid: boolean;
  field: string;
}

/** Puts `bad` at a random position of an otherwise valid array (or alone). */
function oneBad(bad: fc.Arbitrary<unknown>): fc.Arbitrary<{ value: unknown; index: number | undefined }> {
  return fc.oneof(
    bad.map((value) => ({ value, index: undefined })),
    fc
      .tuple(
        fc.array(validImageArb, { minLength: limits.minItems, maxLength: Math.min(limits.maxItems, 4) - 1 }),
        bad,
        fc.nat(),
      )
      .map(([list, value, at]) => {
        const index = at % (list.length + 1);
        return { value: [...list.slice(0, index), value, ...list.slice(index)], index };
      }),
  );
}

/** Image sites from the spec's file limits; each invalid one names `image` or `image[i]`. */
export function imageSites(): {
  label: string;
  valid: boolean;
  value: fc.Arbitrary<{ value: unknown; index: number | undefined }> | typeof DELETE;
}[] {
  const list = (min: number, max: number) =>
    fc
      .array(validImageArb, { minLength: min, maxLength: max })
      .map((value) => ({ value, index: undefined as number | undefined }));
  const otherAllowed = (type: string) => limits.mediaTypes.find((t) => t !== type)!;
  return [
    { label: `${IMAGE}: required, dropped`, valid: false, value: DELETE },
    { label: `${IMAGE}: one file`, valid: true, value: validImageArb.map((value) => ({ value, index: undefined })) },
    // Filenames a caller may pass that a multipart reader takes differently unless the client writes them with care:
    // empty (`filename=""` reads back as a text part), a trailing backslash (escapes the closing quote of the
    // quoted-string), control characters (not allowed in a header).
    ...['', 'photo\\', 'nul\u0000.png', 'bell\u0007.png', 'del\u007f.png'].map((filename) => ({
      label: `${IMAGE}: { data, filename: ${JSON.stringify(filename)} } (the client accepts it, so the wire must carry it as a file)`,
      valid: true,
      value: oneBad(
        fc.constantFrom(...limits.mediaTypes).chain((type) => bytesByType[type]!.map((data) => ({ data, filename }))),
      ),
    })),
    { label: `${IMAGE}: minItems ${limits.minItems}`, valid: true, value: list(limits.minItems, limits.minItems) },
    { label: `${IMAGE}: maxItems ${limits.maxItems}`, valid: true, value: list(limits.maxItems, limits.maxItems) },
    {
      label: `${IMAGE}: fewer than minItems ${limits.minItems}`,
      valid: false,
      value: list(limits.minItems - 1, limits.minItems - 1),
    },
    {
      label: `${IMAGE}: more than maxItems ${limits.maxItems}`,
      valid: false,
      value: list(limits.maxItems + 1, limits.maxItems + 1),
    },
    {
      label: `${IMAGE}: bytes of no allowed media type`,
      valid: false,
      value: oneBad(notAnImageBytes.chain((bytes) => asInput(bytes, undefined))),
    },
    { label: `${IMAGE}: empty file (0 bytes)`, valid: false, value: oneBad(asInput(new Uint8Array(0), undefined)) },
    {
      label: `${IMAGE}: declared media type not allowed`,
      valid: false,
      value: oneBad(
        bytesByType[limits.mediaTypes[0]!]!.map((data) => ({ data, filename: 'x.gif', contentType: 'image/gif' })),
      ),
    },
    {
      label: `${IMAGE}: declared media type differs from the bytes`,
      valid: false,
      value: oneBad(
        fc
          .constantFrom(...limits.mediaTypes)
          .chain((type) =>
            bytesByType[type]!.map((data) => ({ data, filename: 'x', contentType: otherAllowed(type) })),
          ),
      ),
    },
    { label: `${IMAGE}: not a file (a string)`, valid: false, value: oneBad(fc.constantFrom('cat.png', 42, true)) },
  ];
}

function toBlob(data: unknown): Blob | undefined {
  if (data instanceof Blob) return data;
  if (data instanceof ArrayBuffer) return new Blob([data]);
  if (ArrayBuffer.isView(data))
    return new Blob([new Uint8Array(data.buffer, data.byteOffset, data.byteLength) as Uint8Array<ArrayBuffer>]);
  return undefined;
}

/**
 * The image parts a sender would write for `value`: the client's own prepared image where the client accepts it,
 * else the bytes as given with their declared (or sniffed, or octet-stream) type. Undefined when the value cannot
 * be written as file parts at all (then the case is the client's alone).
 */
export async function wireImages(value: unknown): Promise<PreparedImage[] | undefined> {
  if (value === undefined || value === null) return [];
  const list = Array.isArray(value) ? value : [value];
  const out: PreparedImage[] = [];
  for (const [index, input] of list.entries()) {
    const prepared = await prepareImage(input, IMAGE, index);
    if (!Array.isArray(prepared)) {
      out.push(prepared);
      continue;
    }
    const named =
      typeof input === 'object' && input !== null && 'data' in input && !(input instanceof Blob)
        ? (input as { data: unknown; filename?: string; contentType?: string })
        : undefined;
    const blob = toBlob(named ? named.data : input);
    if (!blob) return undefined;
    const sniffed = sniffImageType(new Uint8Array(await blob.slice(0, SNIFF_BYTES).arrayBuffer()));
    out.push({
      filename: named?.filename || (input instanceof File && input.name) || `image-${index + 1}.bin`,
      contentType: named?.contentType ?? sniffed ?? 'application/octet-stream',
      size: blob.size,
      blob,
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing and checking the wire

export interface WireReading {
  /** The text and JSON parts as decoded values. */
  fields: Record<string, unknown>;
  /** The file parts named after the spec's file field, in order. */
  files: ParsedPart[];
  issues: RequestIssue[];
}

/** The spec's verdict on parsed parts: the same reading a server makes (text parts decoded, files checked). */
export function checkParts(parts: readonly ParsedPart[]): WireReading {
  const issues: RequestIssue[] = [];
  const textParts: TextPart[] = [];
  const files: ParsedPart[] = [];
  for (const part of parts) {
    if (part.filename === undefined)
      textParts.push({ name: part.name, value: part.value ?? '', contentType: part.contentType });
    else if (part.name === IMAGE) files.push(part);
    else issues.push({ field: part.name, message: 'is a file part, but the spec has no such file field' });
  }
  const decoded = decodeTextParts(textParts);
  issues.push(...decoded.issues);
  if (!validateEditFields(decoded.fields))
    issues.push(...issuesFromAjv(validateEditFields.errors, decoded.fields, { limit: Infinity }).issues);
  if (files.length === 0 && !textParts.some((part) => part.name === IMAGE))
    issues.push({ field: IMAGE, message: 'is required' });
  else if (files.length < limits.minItems)
    issues.push({ field: IMAGE, message: `has ${files.length} images, fewer than ${limits.minItems}` });
  else if (files.length > limits.maxItems)
    issues.push({ field: IMAGE, message: `has ${files.length} images, more than ${limits.maxItems}` });
  for (const [index, file] of files.entries()) {
    const field = files.length > 1 ? `${IMAGE}[${index}]` : IMAGE;
    if (!limits.mediaTypes.includes(file.contentType))
      issues.push({ field, message: `has media type ${file.contentType}` });
    if (file.size === 0) issues.push({ field, message: 'is empty' });
    else if (file.size! > limits.maxBytes) issues.push({ field, message: `is over ${limits.maxBytes} bytes` });
    else if (sniffImageType(file.head!) !== file.contentType)
      issues.push({
        field,
        message: `bytes are ${sniffImageType(file.head!) ?? 'no allowed type'}, declared ${file.contentType}`,
      });
  }
  return { fields: decoded.fields, files, issues };
}

/** Parses and checks a body; invalid multipart is one issue on `(body)`. */
export async function readWire(body: Blob, contentType: string): Promise<WireReading> {
  const { parts, error } = await readMultipart(body, contentType);
  if (error)
    return { fields: {}, files: [], issues: [{ field: '(body)', message: `is not valid multipart: ${error}` }] };
  return checkParts(parts);
}

// ---------------------------------------------------------------------------------------------------------------
// Raw multipart, for what only the wire can say

/** The parts of a valid request, written the way the encoding map says (for raw mutations to start from). */
export function rawParts(fields: Record<string, unknown>, images: readonly PreparedImage[]): RawPart[] {
  const parts: RawPart[] = [];
  for (const [name, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    const field = wireContract.fields[name];
    if (field?.part === 'json') parts.push({ name, value: JSON.stringify(value), contentType: field.contentType });
    else parts.push({ name, value: String(value) });
  }
  for (const image of images)
    parts.push({ name: IMAGE, value: image.blob, filename: image.filename, contentType: image.contentType });
  return parts;
}

export interface WireSite {
  label: string;
  valid: boolean;
  field: string;
  /** Which field the valid base must contain. */
  force: string | undefined;
  mutate(parts: RawPart[]): RawPart[];
}

/** Mutations only the wire can express, one per JSON part, text part and file part kind of the spec. */
export function wireSites(): WireSite[] {
  const sites: WireSite[] = [];
  const entries = Object.entries(wireContract.fields);
  for (const [name, field] of entries) {
    if (field.part === 'json') {
      const edit = (fn: (part: RawPart) => RawPart) => (parts: RawPart[]) =>
        parts.map((part) => (part.name === name ? fn(part) : part));
      sites.push({
        label: `${name}: JSON text cut short`,
        valid: false,
        field: name,
        force: name,
        mutate: edit((p) => ({ ...p, value: (p.value as string).slice(0, -1) })),
      });
      sites.push({
        label: `${name}: not JSON at all`,
        valid: false,
        field: name,
        force: name,
        mutate: edit((p) => ({ ...p, value: `{${name}: oops` })),
      });
      sites.push({
        label: `${name}: JSON of the wrong type (a string)`,
        valid: false,
        field: name,
        force: name,
        mutate: edit((p) => ({ ...p, value: '"text"' })),
      });
      sites.push({
        label: `${name}: JSON part without its own Content-Type`,
        valid: true,
        field: name,
        force: name,
        mutate: edit(({ contentType: _drop, ...p }) => p),
      });
    }
  }
  for (const name of wireContract.required.filter((n) => wireContract.fields[n]?.part === 'text')) {
    sites.push({
      label: `${name}: text part sent twice`,
      valid: false,
      field: name,
      force: name,
      mutate: (parts) => [...parts, { name, value: 'again' }],
    });
  }
  sites.push({
    label: 'x_not_in_spec: unknown text part',
    valid: false,
    field: 'x_not_in_spec',
    force: undefined,
    mutate: (parts) => [...parts, { name: 'x_not_in_spec', value: '1' }],
  });
  sites.push({
    label: `${IMAGE}: sent as a text part (no filename)`,
    valid: false,
    field: IMAGE,
    force: undefined,
    mutate: (parts) => [...parts.filter((p) => p.name !== IMAGE), { name: IMAGE, value: 'cat.png' }],
  });
  sites.push({
    label: 'x_not_in_spec: file part under a name the spec does not have',
    valid: false,
    field: 'x_not_in_spec',
    force: undefined,
    mutate: (parts) => [
      ...parts,
      { name: 'x_not_in_spec', value: new Blob([makePng(1, 1)]), filename: 'mask.png', contentType: 'image/png' },
    ],
  });
  return sites;
}
