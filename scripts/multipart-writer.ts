/**
 * The one raw multipart/form-data writer of the tests, scripts/ and bench/ (its reader is
 * test/support/multipart-reader.ts); here, not in test/, because check-server sends such bodies and scripts/ never
 * imports test/. It controls every byte a check or test may need (part headers, JSON text parts with or without their
 * own Content-Type, names and types the client would never write, a boundary of the caller's choosing), so the mock
 * and the servers can be fed what only the wire can say. Names and filenames are quoted the way browsers do (`"`, CR and LF
 * percent-encoded), so no value can end a header early. No dependencies: the bench's upload children load it.
 */

export interface RawPart {
  name: string;
  value: string | Uint8Array | Blob;
  /** Makes it a file part. */
  filename?: string;
  /** The part's own Content-Type header. */
  contentType?: string;
}

const quoted = (value: string) => `"${value.replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A')}"`;

/** The header block of one part, up to and including the blank line before its value. */
export function partHead(part: Pick<RawPart, 'name' | 'filename' | 'contentType'>, boundary: string): string {
  const disposition = `Content-Disposition: form-data; name=${quoted(part.name)}${part.filename !== undefined ? `; filename=${quoted(part.filename)}` : ''}`;
  return `--${boundary}\r\n${disposition}\r\n${part.contentType ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`;
}

/** The line that ends a body. */
export function closingBoundary(boundary: string): string {
  return `--${boundary}--\r\n`;
}

export function testBoundary(): string {
  return `----orq-test-${Math.random().toString(16).slice(2)}`;
}

/** A whole body from its parts; values (files included) are referenced, not copied. */
export function writeMultipart(
  parts: readonly RawPart[],
  boundary = testBoundary(),
): { body: Blob; contentType: string; boundary: string } {
  const chunks: BlobPart[] = [];
  for (const part of parts) chunks.push(partHead(part, boundary), part.value as BlobPart, '\r\n');
  chunks.push(closingBoundary(boundary));
  return { body: new Blob(chunks), contentType: `multipart/form-data; boundary=${boundary}`, boundary };
}

/** The same body as bytes, at once, for values already in memory (tests that cut or patch a body's bytes). */
export function multipartBytes(
  parts: readonly (RawPart & { value: string | Uint8Array })[],
  boundary = testBoundary(),
): { body: Uint8Array<ArrayBuffer>; contentType: string } {
  const chunks: Uint8Array[] = [];
  for (const part of parts)
    chunks.push(
      Buffer.from(partHead(part, boundary)),
      typeof part.value === 'string' ? Buffer.from(part.value) : part.value,
      Buffer.from('\r\n'),
    );
  chunks.push(Buffer.from(closingBoundary(boundary)));
  return { body: new Uint8Array(Buffer.concat(chunks)), contentType: `multipart/form-data; boundary=${boundary}` };
}
