/**
 * Sending from the console: the request is checked by the client's own pre-flight (`prepareRequest`: the generated
 * validators and the image rules), then sent by the client itself (`createImageEditClient`, bundled as its browser
 * build), once (no retries: the reader sees each response), through a fetch that records the request's head and the
 * response (its body read by readCappedBody, kept as a Blob), so the page can show the response and repeat the request
 * as curl ("Copy as curl": one curl command that sends the same parts with the same names, filenames and types, to the
 * same URL with the same headers, the key replaced by `$ORQ_API_KEY`). The parts sent are known from the request the
 * page prepared, not read back from the body's bytes.
 */
import {
  ApiError,
  createImageEditClient,
  RequestValidationError,
  ResponseValidationError,
  type RequestIssue,
} from '../../index.js';
import { prepareRequest, type PreparedRequest } from '../../client/request.js';
import { wireContract } from '../../contract/spec.js';

/** One part of the multipart body, as the client wrote it. */
export interface SentPart {
  name: string;
  /** File parts only. */
  filename?: string;
  /** A file part's type, or a JSON part's own Content-Type; absent for a plain text part. */
  contentType?: string;
  /** Text and JSON parts: the value as written. */
  value?: string;
}

/** One shell word, single-quoted when it needs to be. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A value inside curl's -F syntax: double-quoted (curl's own escaping) when curl would otherwise read a `;`. */
function formValue(text: string): string {
  return /[;"\\]/.test(text) || /^[@<]/.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : text;
}

export interface SentRequest {
  method: string;
  url: string;
  /** Request headers as sent, by lower-case name (the multipart Content-Type is curl's own business). */
  headers: Record<string, string>;
  parts: SentPart[];
}

export function curlCommand(request: SentRequest): string {
  // -F and --form-string make curl send a POST; another method is named.
  const lines = [`curl ${request.method === 'POST' ? '' : `-X ${request.method} `}${shellWord(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'content-type' || name === 'content-length') continue;
    if (name === 'authorization') lines.push(`-H "Authorization: Bearer $ORQ_API_KEY"`);
    else lines.push(`-H ${shellWord(`${name}: ${value}`)}`);
  }
  for (const part of request.parts) {
    if (part.filename !== undefined) {
      const type = part.contentType ? `;type=${part.contentType}` : '';
      lines.push(`-F ${shellWord(`${part.name}=@${formValue(part.filename)}${type}`)}`);
    } else if (part.contentType) {
      // A part with its own type (a JSON part): -F, which can say so.
      lines.push(`-F ${shellWord(`${part.name}=${formValue(part.value ?? '')};type=${part.contentType}`)}`);
    } else {
      // A plain text part: --form-string sends the value as it is, whatever characters it holds.
      lines.push(`--form-string ${shellWord(`${part.name}=${part.value ?? ''}`)}`);
    }
  }
  return lines.join(' \\\n  ');
}

/** The response as it arrived. */
export interface ReceivedResponse {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** The body as it arrived, cut at MAX_RESPONSE_BYTES: kept as bytes (a Blob), never put on the page whole. */
  body: Blob;
  truncated: boolean;
}

export type SendResult =
  | { kind: 'refused'; issues: readonly RequestIssue[] }
  | {
      kind: 'sent';
      sent: SentRequest | undefined;
      response: ReceivedResponse | undefined;
      /** The body as the client parsed it (JSON, or text when it was not), when the client read it whole. */
      parsed?: unknown;
      error?: Error;
    };

/** The most of a response's body the page holds: what the client itself reads at most (the spec's limit). */
const MAX_RESPONSE_BYTES = wireContract.maxResponseBytes;

/**
 * The page's one reader of a body: the response's, up to MAX_RESPONSE_BYTES, as a Blob (bytes, never one string), the
 * rest left unread. Unlike the client's reader, which refuses a response past the limit, it keeps the head and says it
 * was cut: the reader of the page still sees what came.
 */
async function readCappedBody(response: Response): Promise<{ body: Blob; truncated: boolean }> {
  const type = response.headers.get('content-type') ?? '';
  const reader = response.body?.getReader();
  if (!reader) return { body: new Blob([], { type }), truncated: false };
  const chunks: BlobPart[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes + value.length > MAX_RESPONSE_BYTES) {
      chunks.push(value.slice(0, MAX_RESPONSE_BYTES - bytes));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value as Uint8Array<ArrayBuffer>);
    bytes += value.length;
  }
  return { body: new Blob(chunks, { type }), truncated };
}

/**
 * The parts the client writes for `prepared`, as src/client/multipart.ts writes them: the spec's fields in its order,
 * an absent or null one left out, a JSON part as JSON text with its own Content-Type, each image as a file part.
 */
function partsOf(prepared: PreparedRequest): SentPart[] {
  const parts: SentPart[] = [];
  for (const [name, field] of Object.entries(wireContract.fields)) {
    if (field.part === 'file') {
      // The spec's one file field (spec.ts refuses a spec with another): every image is a part of it.
      for (const image of prepared.images)
        parts.push({ name, filename: image.filename, contentType: image.contentType });
      continue;
    }
    const value: unknown = prepared.fields[name as keyof typeof prepared.fields];
    if (value === undefined || value === null) continue;
    if (field.part === 'json')
      parts.push({
        name,
        value: JSON.stringify(value),
        ...(field.contentType ? { contentType: field.contentType } : {}),
      });
    else parts.push({ name, value: typeof value === 'object' ? JSON.stringify(value) : String(value) });
  }
  return parts;
}

/** Checks `request` as the client does: the parts it will send, or the issues when it may not be sent. */
async function preflight(
  request: Record<string, unknown>,
): Promise<{ parts: SentPart[] } | { issues: readonly RequestIssue[] }> {
  try {
    const prepared = await prepareRequest(request);
    await prepared.dispose();
    return { parts: partsOf(prepared) };
  } catch (error) {
    if (error instanceof RequestValidationError) return { issues: error.issues };
    throw error;
  }
}

export interface SendOptions {
  baseUrl: string;
  apiKey: string;
  prefer?: string;
  signal: AbortSignal;
}

/** Checks, then sends `request` once; never throws for what the server or the network did. */
export async function send(request: Record<string, unknown>, options: SendOptions): Promise<SendResult> {
  const checked = await preflight(request);
  if ('issues' in checked) return { kind: 'refused', issues: checked.issues };
  let sent: SentRequest | undefined;
  let received: ReceivedResponse | undefined;
  let reading: Promise<void> | undefined;
  const recordingFetch = async (given: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // The client hands its fetch one Request; anything else is made one, so it is recorded the same way.
    const input = given instanceof Request && init === undefined ? given : new Request(given, init);
    const headers = Object.fromEntries([...input.headers].map(([name, value]) => [name.toLowerCase(), value]));
    sent = { method: input.method, url: input.url, headers, parts: checked.parts };
    const response = await fetch(input);
    const mirror = response.clone();
    reading = readCappedBody(mirror).then(({ body, truncated }) => {
      received = {
        status: response.status,
        statusText: response.statusText,
        headers: [...response.headers],
        body,
        truncated,
      };
    });
    return response;
  };
  const client = createImageEditClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    fetch: recordingFetch,
    maxRetries: 0,
  });
  let error: Error | undefined;
  let parsed: unknown;
  try {
    parsed = await client.edit(request as unknown as Parameters<typeof client.edit>[0], {
      signal: options.signal,
      ...(options.prefer ? { headers: { Prefer: options.prefer } } : {}),
    });
  } catch (thrown) {
    if (thrown instanceof RequestValidationError) return { kind: 'refused', issues: thrown.issues };
    error = thrown instanceof Error ? thrown : new Error(String(thrown));
    if (thrown instanceof ApiError || thrown instanceof ResponseValidationError) parsed = thrown.body;
  }
  await reading?.catch(() => {});
  // The client parsed the body once; the page shows that parse rather than parsing tens of MiB again.
  return {
    kind: 'sent',
    sent,
    response: received,
    ...(parsed === undefined ? {} : { parsed }),
    ...(error ? { error } : {}),
  };
}
