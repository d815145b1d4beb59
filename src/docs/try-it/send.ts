/**
 * Sending from the console: the request is checked by the client's own pre-flight (`prepareRequest`: the generated
 * validators and the image rules), then sent by the client itself (`createImageEditClient`, bundled as its browser
 * build), once (no retries: the reader sees each answer), through a fetch that records what went out and what came
 * back (the body read bounded, kept as a Blob), so the page can show the answer and repeat the request as curl.
 */
import { ApiError, createImageEditClient, prepareRequest, RequestValidationError, ResponseValidationError, type RequestIssue } from '../../index.js';
import { wireContract } from '../../contract/wire-contract.js';
import { scanMultipart } from './multipart-scan.js';
import type { SentRequest } from './curl.js';

/** The answer as it arrived. */
export interface Answer {
  status: number;
  statusText: string;
  headers: [string, string][];
  /** The body as it arrived, cut at MAX_ANSWER_BYTES: kept as bytes (a Blob), never put on the page whole. */
  body: Blob;
  truncated: boolean;
}

export type SendResult =
  | { kind: 'refused'; issues: readonly RequestIssue[] }
  | {
      kind: 'answered';
      sent: SentRequest | undefined;
      answer: Answer | undefined;
      /** The body as the client parsed it (JSON, or text when it was not), when the client read it whole. */
      parsed?: unknown;
      error?: Error;
    };

/** The most of an answer's body the page holds: what the client itself reads at most (the spec's limit). */
const MAX_ANSWER_BYTES = wireContract.maxResponseBytes;

async function readBounded(response: Response): Promise<{ body: Blob; truncated: boolean }> {
  const type = response.headers.get('content-type') ?? '';
  const reader = response.body?.getReader();
  if (!reader) return { body: new Blob([], { type }), truncated: false };
  const chunks: BlobPart[] = [];
  let bytes = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (bytes + value.length > MAX_ANSWER_BYTES) {
      chunks.push(value.slice(0, MAX_ANSWER_BYTES - bytes));
      truncated = true;
      await reader.cancel();
      break;
    }
    chunks.push(value as Uint8Array<ArrayBuffer>);
    bytes += value.length;
  }
  return { body: new Blob(chunks, { type }), truncated };
}

/** Checks `request` as the client does; the issues, or none when it may be sent. */
export async function preflight(request: Record<string, unknown>): Promise<readonly RequestIssue[]> {
  try {
    const prepared = await prepareRequest(request);
    await prepared.dispose();
    return [];
  } catch (error) {
    if (error instanceof RequestValidationError) return error.issues;
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
  const issues = await preflight(request);
  if (issues.length > 0) return { kind: 'refused', issues };
  let sent: SentRequest | undefined;
  let scanning: Promise<void> | undefined;
  let answer: Answer | undefined;
  let reading: Promise<void> | undefined;
  const recordingFetch = async (given: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    // The client hands its fetch one Request; anything else is made one, so it is recorded the same way.
    const input = given instanceof Request && init === undefined ? given : new Request(given, init);
    const copy = input.clone();
    const boundary = /boundary=([^;]+)/.exec(input.headers.get('content-type') ?? '')?.[1];
    const headers = Object.fromEntries([...input.headers].map(([name, value]) => [name.toLowerCase(), value]));
    sent = { method: input.method, url: input.url, headers, parts: [] };
    const record = sent;
    if (copy.body && boundary) scanning = scanMultipart(copy.body, boundary).then((parts) => void (record.parts = parts));
    const response = await fetch(input);
    const mirror = response.clone();
    reading = readBounded(mirror).then(({ body, truncated }) => {
      answer = { status: response.status, statusText: response.statusText, headers: [...response.headers], body, truncated };
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
  await Promise.allSettled([scanning, reading]);
  // The client parsed the body once; the page shows that parse rather than parsing tens of MiB again.
  return { kind: 'answered', sent, answer, ...(parsed === undefined ? {} : { parsed }), ...(error ? { error } : {}) };
}
