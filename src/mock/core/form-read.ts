/**
 * The MSW door's multipart reader (node-http.ts has the Node door's, with the same signature): a Fetch API Request's
 * body read with a byte cap (413 past the spec's whole-body limit, nothing more read), parsed by the platform's own
 * FormData reader, and walked in order with the same limits and words as the busboy reader: the first violation
 * wins, as it does when the parts stream in.
 */
import { SNIFF_BYTES } from '../../contract/images.js';
import { bodyIssues, declaredFileType, fileFieldNamer } from './check-request.js';
import type { ReadMultipart, ReceivedFile, ReceivedText } from './types.js';

/** The mock's one bounded body reader: the stream's bytes, or undefined once they pass `maxBytes` (the rest is never read). */
async function readBounded(body: ReadableStream<Uint8Array> | null, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!body) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

const encoder = new TextEncoder();

/** The SHA-256 of a file's bytes in hex, by the platform's Web Crypto (browsers and Node alike). */
async function sha256Of(file: Blob): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', await file.arrayBuffer()));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

export const readFormBody: ReadMultipart<Request> = async (request, limits, options = {}) => {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readBounded(request.body, limits.maxBodyBytes);
  } catch (error) {
    return {
      outcome: 'malformed',
      issue: bodyIssues.notMultipart(`the body could not be read: ${(error as Error).message}`),
    };
  }
  if (!bytes) return { outcome: 'too-large', issue: bodyIssues.bodyTooLarge(limits) };

  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, {
      headers: { 'Content-Type': request.headers.get('content-type') ?? '' },
    }).formData();
  } catch (error) {
    return { outcome: 'malformed', issue: bodyIssues.notMultipart((error as Error).message) };
  }

  const textParts: ReceivedText[] = [];
  const files: ReceivedFile[] = [];
  const fieldOf = fileFieldNamer();
  let parts = 0;
  let textBytes = 0;
  for (const [name, entry] of form.entries()) {
    if (++parts > limits.maxParts) return { outcome: 'malformed', issue: bodyIssues.tooManyParts(limits) };
    // A part with `filename=""` is a text part to busboy (and so to the Node mock): read it the same way.
    const value = typeof entry !== 'string' && entry.name === '' ? await entry.text() : entry;
    if (typeof value === 'string') {
      textBytes += encoder.encode(value).byteLength;
      if (textBytes > limits.maxTextBytes)
        return { outcome: 'too-large', issue: bodyIssues.textTooLarge(name, limits) };
      textParts.push({ name, value });
      continue;
    }
    const { field, index } = fieldOf(name);
    if (value.size > limits.maxFileBytes)
      return { outcome: 'too-large', issue: bodyIssues.fileTooLarge(field, limits) };
    files.push({
      name,
      field,
      filename: value.name,
      declaredType: declaredFileType(value.type),
      size: value.size,
      head: new Uint8Array(await value.slice(0, SNIFF_BYTES).arrayBuffer()),
      ...(options.sha256 ? { sha256: await sha256Of(value) } : {}),
      // The first image, for the response made from it: the Blob is already in memory (the body was read whole, capped).
      ...(index === 0 && !files.some((file) => file.kept)
        ? { kept: { source: value, release: async () => undefined } }
        : {}),
    });
  }
  return { outcome: 'complete', textParts, files };
};
