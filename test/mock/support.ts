/**
 * Helpers for the mock's tests: bodies from the spec's examples (written by test/support/multipart.ts, which controls
 * every byte), and a POST that returns status, headers and parsed body.
 */
import { inject } from 'vitest';
import { extensionFor } from '../../src/contract/images.js';
import { wireContract, imageField } from '../../src/contract/spec.js';
import { makeJpegHead, makePng, makeWebpHead } from '../support/images.js';
import { multipartBytes, type RawPart } from '../../scripts/multipart-writer.js';
import { specFacts } from '../../generated/spec-facts.js';
import { requestSchema as resolvedRequestSchema } from '../support/spec.js';

export const mockUrl = (): string => inject('mockUrl');
export const endpoint = (base = mockUrl()): string => `${base}${wireContract.path}`;
export const AUTH = { Authorization: 'Bearer test-key' };

/** A part as the mock's tests write it (test/support/multipart.ts writes every byte). */
export type Part = RawPart & { value: string | Buffer };

export const BOUNDARY = '----orq-mock-test-5b2c9e';

export function multipart(
  parts: readonly Part[],
  boundary = BOUNDARY,
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  return multipartBytes(parts, boundary);
}

export interface MockResponse {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function post(
  body: BodyInit | null,
  headers: Record<string, string>,
  url = endpoint(),
  method = 'POST',
): Promise<MockResponse> {
  const response = await fetch(url, { method, body, headers, redirect: 'error' });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export async function postParts(
  parts: readonly Part[],
  headers: Record<string, string> = AUTH,
  url?: string,
): Promise<MockResponse> {
  const { body, contentType } = multipart(parts);
  return post(body, { ...headers, 'Content-Type': contentType }, url);
}

/** A small real image of a media type the spec allows. */
export function imageOf(mediaType: string, seed = 0): Buffer<ArrayBuffer> {
  if (mediaType === 'image/png') return makePng(4, 4, { seed });
  if (mediaType === 'image/jpeg') return makeJpegHead();
  if (mediaType === 'image/webp') return makeWebpHead();
  throw new Error(`no test image for ${mediaType}`);
}

/** An image for an example's file name, by its extension (cat.png → a PNG): the type comes from the spec's list. */
export function imageForName(filename: string): { bytes: Buffer<ArrayBuffer>; contentType: string } {
  const ext = filename.split('.').pop()!.toLowerCase();
  const contentType = imageField.limits.mediaTypes.find(
    (type) => extensionFor(type) === ext || type.endsWith(`/${ext}`),
  );
  if (!contentType) throw new Error(`the spec's media types have none for ${filename}`);
  return { bytes: imageOf(contentType), contentType };
}

/** One valid image part and the required text parts, from the spec's smallest request example. */
export function minimalParts(): Part[] {
  const smallest = specFacts.requestExamples.find(
    (example) => example.name === specFacts.smallestRequestExample,
  )!.value;
  return exampleParts(smallest);
}

/** An example's fields as parts: images as real files, JSON fields as JSON text with their own Content-Type. */
export function exampleParts(
  value: Record<string, unknown>,
  options: { jsonContentType?: boolean; imageName?: string } = {},
): Part[] {
  const parts: Part[] = [];
  for (const [name, fieldValue] of Object.entries(value)) {
    const field = wireContract.fields[name];
    if (!field) throw new Error(`example field ${name} is not in the wire contract`);
    if (field.part === 'file') {
      for (const filename of [fieldValue].flat() as string[]) {
        const { bytes, contentType } = imageForName(filename);
        parts.push({ name: options.imageName ?? name, value: bytes, filename, contentType });
      }
    } else if (field.part === 'json') {
      parts.push({
        name,
        value: JSON.stringify(fieldValue),
        ...(options.jsonContentType === false ? {} : { contentType: field.contentType }),
      });
    } else {
      parts.push({ name, value: String(fieldValue) });
    }
  }
  return parts;
}

/** A property schema of the request by dotted path (`retry.count`, `load_balancer.models.weight`), refs resolved. */
export function requestSchema(path: string): any {
  let node: any = resolvedRequestSchema;
  for (const key of path.split('.')) {
    if (node.type === 'array' && node.items) node = node.items;
    node = node.properties?.[key];
    if (!node) throw new Error(`the spec's request has no ${path}`);
  }
  return node;
}
