/**
 * Builds the multipart/form-data body from the spec's encoding map (generated/wire-contract.js): which fields are
 * text parts, which are JSON text parts with their own Content-Type, and what the file parts are called.
 *
 * The body is a Blob made of the parts: image Blobs (file-backed ones included) are referenced, not copied, so
 * nothing is read until the body is sent, and the exact length is known up front. A native FormData cannot give a
 * non-file part its own Content-Type, which is why the parts are written here.
 */
import { wireContract } from '../contract/spec.js';
import type { PreparedImage } from './images.js';

export interface MultipartBody {
  body: Blob;
  /** The same body as its pieces, in order: text as strings, each image as its own Blob. */
  segments: (string | Blob)[];
  /** `multipart/form-data; boundary=...` — the header the body must travel with. */
  contentType: string;
  length: number;
}

const CRLF = '\r\n';

/**
 * Quotes a name or filename for a Content-Disposition parameter. Browsers (WHATWG HTML "multipart/form-data")
 * percent-encode `"`, CR and LF; parsers that read RFC 7230 quoted-strings (busboy, many servers) also treat `\` as
 * an escape and refuse other control characters, so those are percent-encoded too. Every parser then reads the same
 * name, and no name can end the header early.
 */
function quoted(value: string): string {
  return `"${value.replace(/["\\\u0000-\u001f\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`)}"`;
}

function randomBoundary(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `----orq-image-edits-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

/**
 * The parts in spec order: each present field once, each image as its own part named after the file field.
 * `fields` are values as `prepareRequest` returns them (JSON-compatible: its check refuses anything JSON cannot
 * carry); given a BigInt or a cycle directly, JSON.stringify throws its TypeError. A text part's value is written as
 * text (a number or boolean as String writes it); an object or array given for one (which the check refuses) is
 * written as JSON, its only faithful text form: String() would write "[object Object]", or throw for an object
 * whose own `toString` is not a function.
 */
export function encodeMultipart(
  fields: Record<string, unknown>,
  images: readonly PreparedImage[],
  boundary = randomBoundary(),
): MultipartBody {
  const parts: (string | Blob)[] = [];
  const head = (name: string, extra = '') =>
    `--${boundary}${CRLF}Content-Disposition: form-data; name=${quoted(name)}${extra}${CRLF}`;
  for (const [name, field] of Object.entries(wireContract.fields)) {
    if (field.part === 'file') {
      // The spec's one file field (spec.ts refuses a spec with another): every image is a part of it.
      for (const image of images) {
        parts.push(
          `${head(name, `; filename=${quoted(image.filename)}`)}Content-Type: ${image.contentType}${CRLF}${CRLF}`,
          image.blob,
          CRLF,
        );
      }
      continue;
    }
    const value = fields[name];
    // null means "use the default", which on the wire is an absent part.
    if (value === undefined || value === null) continue;
    if (field.part === 'json')
      parts.push(`${head(name)}Content-Type: ${field.contentType}${CRLF}${CRLF}${JSON.stringify(value)}${CRLF}`);
    else parts.push(`${head(name)}${CRLF}${typeof value === 'object' ? JSON.stringify(value) : String(value)}${CRLF}`);
  }
  parts.push(`--${boundary}--${CRLF}`);
  let length = 0;
  for (const part of parts) length += typeof part === 'string' ? utf8Length(part) : part.size;
  // The whole body as one Blob is made only when asked for: a transport that writes the pieces never needs it.
  let whole: Blob | undefined;
  return {
    get body() {
      return (whole ??= new Blob(parts));
    },
    segments: parts,
    contentType: `multipart/form-data; boundary=${boundary}`,
    length,
  };
}

/** Bytes of `text` in UTF-8, without encoding it (a lone surrogate counts 3, as TextEncoder writes U+FFFD). */
function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && (text.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}
