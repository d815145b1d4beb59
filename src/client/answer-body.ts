/**
 * An answer as the client reads it: never more than `maxResponseBytes` of body (counted as the platform hands the
 * bytes over, i.e. once decoded: a gzip, deflate or br bomb is stopped as it inflates), and never past the call's
 * signal. Reading an answer whole as text with no cap lets one small compressed answer end the process (V8 cannot
 * make a string past about 512 MiB, and fails fatally rather than with an error).
 *
 * The call's own signal is watched here, not only the one inside the platform's Request: Node 20's fetch loses the
 * abort of a `new Request(url, { signal })` once a garbage collection has run, so a fetch given a Request (as
 * openapi-fetch always gives it) might never stop on its own.
 */
import { ResponseTooLargeError } from './errors.js';

/**
 * The same answer with a body that errors with ResponseTooLargeError once more than `maxBytes` arrived (the rest is
 * not read: the platform's stream is cancelled, which closes the connection), or with the signal's reason when it
 * fires. Reading pulls one chunk at a time, so nothing is read ahead of the reader.
 */
export function boundedAnswer(response: Response, maxBytes: number, signal: AbortSignal): Response {
  const source = response.body;
  if (!source) return response;
  const reader = source.getReader();
  // An uncompressed answer that declares a length past the limit is refused before a byte of it is read. (A
  // compressed one is counted as it inflates: its declared length says nothing of its decoded size.)
  const coded = (response.headers.get('content-encoding') ?? 'identity').trim().toLowerCase() !== 'identity';
  const declared = coded ? 0 : Number(response.headers.get('content-length')) || 0;
  let received = 0;
  let onAbort: (() => void) | undefined;
  const stop = () => {
    if (onAbort) signal.removeEventListener('abort', onAbort);
    void reader.cancel().catch(() => {});
  };
  const body = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        onAbort = () => {
          controller.error(signal.reason);
          stop();
        };
        if (declared > maxBytes) {
          controller.error(new ResponseTooLargeError(response.status, maxBytes));
          stop();
        } else if (signal.aborted) onAbort();
        else signal.addEventListener('abort', onAbort, { once: true });
      },
      async pull(controller) {
        let next: ReadableStreamReadResult<Uint8Array>;
        try {
          next = await reader.read();
        } catch (error) {
          if (!signal.aborted) controller.error(error);
          stop();
          return;
        }
        if (signal.aborted) return;
        if (next.done) {
          signal.removeEventListener('abort', onAbort!);
          controller.close();
          return;
        }
        received += next.value.byteLength;
        if (received > maxBytes) {
          controller.error(new ResponseTooLargeError(response.status, maxBytes));
          stop();
          return;
        }
        controller.enqueue(next.value);
      },
      cancel() {
        stop();
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
