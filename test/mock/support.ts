/**
 * Helpers for the mock's tests: a multipart writer that controls every byte (part headers, JSON parts with and
 * without their own Content-Type, malformed bodies), and a POST that returns status, headers and parsed body.
 */
import { inject } from 'vitest';
import { wireContract } from '../../src/contract/wire-contract.js';
import { extensionFor } from '../../src/contract/sniff.js';
import { imageField } from '../../src/contract/wire-contract.js';
import { makeJpegHead, makePng, makeWebpHead } from '../support/images.js';
import { deref, spec } from '../support/spec.js';

export const mockUrl = (): string => inject('mockUrl');
export const endpoint = (base = mockUrl()): string => `${base}${wireContract.path}`;
export const AUTH = { Authorization: 'Bearer test-key' };

export interface Part {
  name: string;
  value: string | Buffer;
  /** Makes it a file part. */
  filename?: string;
  /** The part's own Content-Type header. */
  contentType?: string;
}

export const BOUNDARY = '----orq-mock-test-5b2c9e';

export function multipart(parts: readonly Part[], boundary = BOUNDARY): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${part.name}"`;
    if (part.filename !== undefined) head += `; filename="${part.filename}"`;
    head += '\r\n';
    if (part.contentType) head += `Content-Type: ${part.contentType}\r\n`;
    chunks.push(Buffer.from(`${head}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  body: any;
}

export async function post(body: BodyInit, headers: Record<string, string>, url = endpoint()): Promise<Answer> {
  const response = await fetch(url, { method: 'POST', body, headers, redirect: 'error' });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, text, body: parsed };
}

export async function postParts(parts: readonly Part[], headers: Record<string, string> = AUTH, url?: string): Promise<Answer> {
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
  const contentType = imageField.limits.mediaTypes.find((type) => extensionFor(type) === ext || type.endsWith(`/${ext}`));
  if (!contentType) throw new Error(`the spec's media types have none for ${filename}`);
  return { bytes: imageOf(contentType), contentType };
}

/** One valid image part and the required text parts, from the spec's smallest request example. */
export function minimalParts(): Part[] {
  const operation: any = Object.values(spec.paths[wireContract.path])[0];
  const examples = Object.values(operation.requestBody.content[wireContract.mediaType].examples) as Array<{ value: Record<string, unknown> }>;
  const smallest = examples.sort((a, b) => Object.keys(a.value).length - Object.keys(b.value).length)[0]!.value;
  return exampleParts(smallest);
}

/** An example's fields as parts: images as real files, JSON fields as JSON text with their own Content-Type. */
export function exampleParts(value: Record<string, unknown>, options: { jsonContentType?: boolean; imageName?: string } = {}): Part[] {
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
      parts.push({ name, value: JSON.stringify(fieldValue), ...(options.jsonContentType === false ? {} : { contentType: field.contentType }) });
    } else {
      parts.push({ name, value: String(fieldValue) });
    }
  }
  return parts;
}

/** A property schema of the request by dotted path (`retry.count`, `load_balancer.models.weight`), refs resolved. */
export function requestSchema(path: string): any {
  let node: any = deref(spec.components.schemas.CreateImageEditRequest);
  for (const key of path.split('.')) {
    node = deref(node);
    if (node.type === 'array' && node.items) node = deref(node.items);
    node = deref(node.properties?.[key]);
    if (!node) throw new Error(`the spec's request has no ${path}`);
  }
  return deref(node);
}
