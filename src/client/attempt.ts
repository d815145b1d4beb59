/**
 * One attempt of an edit: the prepared body sent through openapi-fetch, and what came back classified. An attempt
 * either ends in the typed 200 body, or in a failure the retry policy judges (a non-2xx, or a connection that failed
 * before any answer); it throws when the call must end whatever the policy says: the call's signal fired, or an
 * answer began and then broke off (the server did the work: never sent again).
 */
import type { Client } from 'openapi-fetch';
import type { paths } from '../../generated/schema.js';
import { imageField, wireContract } from '../contract/wire-contract.js';
import { judgeOkAnswer, type JudgedAnswer } from './answer.js';
import { boundedAnswer } from './answer-body.js';
import { callerHeaders } from './caller-headers.js';
import { untilAborted } from './until-aborted.js';
import { ApiError, NetworkError, OrqImageEditError, ResponseValidationError, networkErrorCode } from './errors.js';
import type { MultipartBody } from './multipart.js';
import { platform } from './platform/node/index.js';
import type { PreparedRequest } from './prepare-request.js';
import type { AttemptFailure } from './retry-policy.js';

export type AttemptOutcome = { ok: true; answer: JudgedAnswer } | { ok: false; failure: AttemptFailure; error: OrqImageEditError };

export interface Attempt {
  raw: Client<paths>;
  /**
   * The caller's own fetch, if they gave one; else the platform's transport (Node), else the global fetch. Each
   * attempt wraps it to see when the answer starts.
   */
  fetch: ((request: Request) => Promise<Response>) | undefined;
  prepared: PreparedRequest;
  encoded: MultipartBody;
  signal: AbortSignal;
  /** Largest answer read, in bytes once decoded. */
  maxResponseBytes: number;
  /** This call's own headers, over the client's. */
  headers?: Record<string, string>;
  /** Bytes handed to the connection so far. */
  onProgress?: (loaded: number) => void;
  /** Every departure of a 2xx answer from the spec is an error, not drift (answer.ts). */
  strictResponses?: boolean;
}

/** The client's own error in `error` or its chain of causes (a fetch wraps what its body stream threw). */
function ownErrorIn(error: unknown): OrqImageEditError | undefined {
  let current: unknown = error;
  for (let depth = 0; current instanceof Error && depth < 5; depth++, current = current.cause) {
    if (current instanceof OrqImageEditError) return current;
  }
  return undefined;
}

function statusFailure(response: Response): AttemptFailure {
  return { kind: 'status', status: response.status, retryAfter: response.headers.get('retry-after') };
}

export async function sendAttempt({ raw, fetch, prepared, encoded, signal, maxResponseBytes, headers, onProgress, strictResponses }: Attempt): Promise<AttemptOutcome> {
  // Set once the answer's headers arrive: from then on the server has done the work, whatever the body does.
  let response: Response | undefined;
  const transport = fetch ? undefined : platform.transport;
  const send = fetch ?? transport?.fetch ?? ((request: Request) => globalThis.fetch(request));
  const upload = transport ? transport.upload(encoded.segments, encoded.length, onProgress) : await platform.uploadBody(encoded.segments, encoded.body, signal, onProgress);
  try {
    if (signal.aborted) throw signal.reason;
    if (!upload.reportsProgress) onProgress?.(0);
    const { data, error } = await raw.POST(wireContract.path, {
      // The typed body: what the generated `paths` type says this operation takes. The wire bytes are the ones
      // encodeMultipart wrote from it (with each image's checked filename and type), in the platform's upload form.
      body: { ...prepared.fields, [imageField.name]: prepared.images.map((image) => image.blob) },
      bodySerializer: () => upload.body as BodyInit,
      headers: { ...callerHeaders(headers), ...upload.headers, 'Content-Type': encoded.contentType },
      parseAs: 'text',
      signal,
      fetch: async (request) => (response = boundedAnswer(await untilAborted(send(request), signal), maxResponseBytes, signal)),
      // The transport's own Request class keeps the body and the call's signal as they are (see transport.ts).
      ...(transport ? { Request: transport.Request as typeof Request } : {}),
      ...upload.init,
    });
    if (!response) throw new TypeError('fetch resolved without a response');
    if (!upload.reportsProgress) onProgress?.(encoded.length);
    if (response.ok) return { ok: true, answer: judgeOkAnswer(response.status, data ?? '', strictResponses) };
    return { ok: false, failure: statusFailure(response), error: new ApiError(response.status, error, response.headers) };
  } catch (caught) {
    // A typed error from inside the platform's fetch (an image that changed under the upload) may come wrapped.
    const thrown = ownErrorIn(caught) ?? caught;
    if (signal.aborted || thrown instanceof OrqImageEditError) throw thrown;
    if (!response) return { ok: false, failure: { kind: 'network', code: networkErrorCode(thrown) }, error: new NetworkError(thrown) };
    // The answer started but its body broke off: never retried, the work was done.
    const reason = `was cut off while being read (${networkErrorCode(thrown) ?? (thrown instanceof Error ? thrown.message : String(thrown))})`;
    if (response.ok) throw new ResponseValidationError(response.status, [{ field: 'body', message: reason }], undefined);
    return { ok: false, failure: statusFailure(response), error: new ApiError(response.status, undefined, response.headers, reason) };
  }
}
