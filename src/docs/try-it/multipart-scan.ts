/**
 * Reads back the multipart body the client sent, as its parts' headers and text values, so "copy as curl" repeats
 * exactly what went over the wire. The body streams through: file contents are counted, never kept, and text values
 * are kept up to a bound. A browser's `Request.formData()` would do the parsing, but it holds every file in memory
 * and drops a text part's own Content-Type (how a JSON part is marked), so the part headers are read here.
 */

export interface SentPart {
  name: string;
  filename?: string;
  contentType?: string;
  /** Text parts: the value (cut at the bound). */
  value?: string;
  /** Bytes of the part's content. */
  size: number;
}

const CRLF_CRLF = new Uint8Array([13, 10, 13, 10]);
/** Text kept over all text parts; the mock refuses more than 1 MiB of them anyway. */
const MAX_TEXT_BYTES = 2 * 1024 * 1024;
/** Part headers longer than this are not a body this client wrote. */
const MAX_HEADER_BYTES = 16 * 1024;

function indexOf(haystack: Uint8Array, needle: Uint8Array, from = 0): number {
  outer: for (let i = from; i <= haystack.length - needle.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function parseHeaders(text: string): Omit<SentPart, 'size'> {
  const part: Omit<SentPart, 'size'> = { name: '' };
  for (const line of text.split('\r\n')) {
    const [key, ...rest] = line.split(':');
    const value = rest.join(':').trim();
    if (/^content-type$/i.test(key!.trim())) part.contentType = value;
    if (/^content-disposition$/i.test(key!.trim())) {
      // The client percent-encodes exactly these in a quoted name (src/client/multipart.ts): `"`, `\` and controls.
      const decode = (quoted: string) =>
        quoted.replace(/%(22|5C|[01][0-9A-F]|7F)/gi, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
      part.name = decode(/\bname="([^"]*)"/.exec(value)?.[1] ?? '');
      const filename = /\bfilename="([^"]*)"/.exec(value)?.[1];
      if (filename !== undefined) part.filename = decode(filename);
    }
  }
  return part;
}

/** The parts of a multipart body with the given boundary, read from its stream. */
export async function scanMultipart(body: ReadableStream<Uint8Array>, boundary: string): Promise<SentPart[]> {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const delimiter = encoder.encode(`\r\n--${boundary}`);
  const parts: SentPart[] = [];
  let textBytes = 0;
  // The body starts with "--boundary": a CRLF in front makes every delimiter look the same.
  let buffer: Uint8Array = encoder.encode('\r\n');
  let current: (SentPart & { text?: Uint8Array[] }) | undefined;
  let state: 'delimiter' | 'headers' | 'content' | 'done' = 'delimiter';
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (value) buffer = concat(buffer, value);
      for (;;) {
        if (state === 'delimiter') {
          const at = indexOf(buffer, delimiter);
          if (at < 0 || buffer.length < at + delimiter.length + 2) break;
          const after = decoder.decode(buffer.subarray(at + delimiter.length, at + delimiter.length + 2));
          buffer = buffer.subarray(at + delimiter.length + 2);
          state = after === '--' ? 'done' : 'headers';
        } else if (state === 'headers') {
          const end = indexOf(buffer, CRLF_CRLF);
          if (end < 0) {
            if (buffer.length > MAX_HEADER_BYTES) throw new Error('a part header is too long');
            break;
          }
          current = { ...parseHeaders(decoder.decode(buffer.subarray(0, end))), size: 0 };
          if (current.filename === undefined) current.text = [];
          buffer = buffer.subarray(end + CRLF_CRLF.length);
          state = 'content';
        } else if (state === 'content') {
          const at = indexOf(buffer, delimiter);
          // Everything but a possible start of the delimiter belongs to this part.
          const take = at >= 0 ? at : Math.max(0, buffer.length - delimiter.length + 1);
          current!.size += take;
          if (current!.text && textBytes < MAX_TEXT_BYTES) {
            current!.text.push(buffer.slice(0, Math.min(take, MAX_TEXT_BYTES - textBytes)));
            textBytes += take;
          }
          buffer = buffer.subarray(take);
          if (at < 0) break;
          const { text, ...part } = current!;
          parts.push(text ? { ...part, value: decoder.decode(text.reduce(concat, new Uint8Array())) } : part);
          state = 'delimiter';
        } else {
          break;
        }
      }
      if (done || state === 'done') break;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
  if (state !== 'done') throw new Error('the body ended before its closing boundary');
  return parts;
}
