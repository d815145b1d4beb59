/**
 * Reads a Fetch API Request's multipart body into an Intake, where there is no socket to stream from (MSW in a page
 * or in Node). The body is read with a byte cap (413 past the spec's whole-body limit, nothing more read), parsed by
 * the platform's own FormData reader, and walked in order with the same limits and words as the Node server's
 * busboy intake (intake-limits.ts): the first violation wins, as it does when the parts stream in.
 */
import { SNIFF_BYTES } from '../../contract/sniff.js';
import { intakeIssues } from './intake-limits.js';
import { declaredFileType, fileFieldNamer } from './request-check.js';
import type { Intake, IntakeLimits, ReceivedFile, ReceivedText } from './types.js';

/** The body's bytes, or undefined once they pass `maxBytes` (the rest is never read). */
async function readCapped(request: Request, maxBytes: number): Promise<Uint8Array | undefined> {
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
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

/** `sha256` also hashes every file part (for replay, which knows images by their hash). */
export async function readFormIntake(request: Request, limits: IntakeLimits, options: { sha256?: boolean } = {}): Promise<Exclude<Intake, { outcome: 'aborted' }>> {
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readCapped(request, limits.maxBodyBytes);
  } catch (error) {
    return { outcome: 'malformed', issue: intakeIssues.notMultipart(`the body could not be read: ${(error as Error).message}`) };
  }
  if (!bytes) return { outcome: 'too-large', issue: intakeIssues.bodyTooLarge(limits) };

  let form: FormData;
  try {
    form = await new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { 'Content-Type': request.headers.get('content-type') ?? '' } }).formData();
  } catch (error) {
    return { outcome: 'malformed', issue: intakeIssues.notMultipart((error as Error).message) };
  }

  const textParts: ReceivedText[] = [];
  const files: ReceivedFile[] = [];
  const fieldOf = fileFieldNamer();
  let parts = 0;
  let textBytes = 0;
  for (const [name, entry] of form.entries()) {
    if (++parts > limits.maxParts) return { outcome: 'malformed', issue: intakeIssues.tooManyParts(limits) };
    // A part with `filename=""` is a text part to busboy (and so to the Node mock): read it the same way.
    const value = typeof entry !== 'string' && entry.name === '' ? await entry.text() : entry;
    if (typeof value === 'string') {
      textBytes += encoder.encode(value).byteLength;
      if (textBytes > limits.maxTextBytes) return { outcome: 'too-large', issue: intakeIssues.textTooLarge(name, limits) };
      textParts.push({ name, value });
      continue;
    }
    const { field, index } = fieldOf(name);
    if (value.size > limits.maxFileBytes) return { outcome: 'too-large', issue: intakeIssues.fileTooLarge(field, limits) };
    files.push({
      name,
      field,
      filename: value.name,
      declaredType: declaredFileType(value.type),
      size: value.size,
      head: new Uint8Array(await value.slice(0, SNIFF_BYTES).arrayBuffer()),
      ...(options.sha256 ? { sha256: await sha256Of(value) } : {}),
      // The first image, for the answer made from it: the Blob is already in memory (the body was read whole, capped).
      ...(index === 0 && !files.some((file) => file.kept) ? { kept: { source: value, release: async () => undefined } } : {}),
    });
  }
  return { outcome: 'complete', textParts, files };
}
