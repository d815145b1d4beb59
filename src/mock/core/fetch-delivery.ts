/**
 * The mock's answer as a Fetch API Response, delivered as its plan says (delivery.ts), for the surfaces that answer
 * with a Response (the MSW handlers): the delay is awaited (cut short when the request is aborted), `reset` is a
 * network error (Response.error(), which MSW turns into a failed fetch, as a dropped connection is), `drip` a
 * stream that yields DRIP.bytes every DRIP.everyMs, `html` and `truncate` the bodies delivery.ts makes.
 * Also the images of `url` answers, served from the file store as the Node mock serves them.
 */
import type { Answering } from './answering.js';
import { DRIP, faulted, wait } from './delivery.js';
import { FILE_TTL_MS } from './file-store.js';
import type { FetchOutcome } from './fetch-answer.js';
import type { MockAnswer } from './types.js';

function plain(answer: MockAnswer): Response {
  return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
}

export async function responseOf(outcome: FetchOutcome, signal?: AbortSignal): Promise<Response> {
  const { answer, plan } = outcome;
  if (!plan) return plain(answer);
  await wait(plan.delayMs, signal);
  if (plan.fault === 'reset') return Response.error();
  const sent = faulted(answer, plan.fault, outcome.askedCode);
  if (plan.fault !== 'drip') return plain(sent);
  const bytes = new TextEncoder().encode(sent.body);
  let offset = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (offset > 0) await wait(DRIP.everyMs, signal);
      if (signal?.aborted) return controller.error(signal.reason);
      controller.enqueue(bytes.slice(offset, offset + DRIP.bytes));
      offset += DRIP.bytes;
      if (offset >= bytes.length) controller.close();
    },
  });
  return new Response(body, { status: sent.status, headers: sent.headers });
}

/** The image held at `request`'s path, or undefined when the store has none (the request is someone else's). */
export function fileResponse(answering: Answering, request: Request): Response | undefined {
  const file = request.method === 'GET' || request.method === 'HEAD' ? answering.files.get(new URL(request.url).pathname) : undefined;
  if (!file) return undefined;
  const headers = { 'Content-Type': file.mediaType, 'Cache-Control': `private, max-age=${FILE_TTL_MS / 1000}`, 'Access-Control-Allow-Origin': '*' };
  return new Response(request.method === 'HEAD' ? null : (file.bytes as Uint8Array<ArrayBuffer>), { status: 200, headers });
}
