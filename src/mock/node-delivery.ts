/**
 * Delivers an answer on Node the way its plan says (core/delivery.ts): after the delay (cut short when the client
 * goes away), a `reset` drops the connection with a TCP reset before any byte of the answer, a `drip` sends the
 * headers and then the body DRIP.bytes at a time every DRIP.everyMs (stopping if the client goes), and the others
 * send the answer at once, as core/delivery.ts's `faulted` changed it (`html`, `truncate`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { DRIP, faulted, wait, type DeliveryPlan } from './core/delivery.js';
import type { MockAnswer } from './core/types.js';

export interface AnswerWriter {
  /** Writes the status line and headers (CORS included) for `answer`. */
  head(req: IncomingMessage, res: ServerResponse, answer: MockAnswer): void;
}

/** `gone` aborts when the client goes away (the server's signal for the request). */
export async function deliver(req: IncomingMessage, res: ServerResponse, answer: MockAnswer, plan: DeliveryPlan, askedCode: number | undefined, writer: AnswerWriter, gone: AbortSignal): Promise<void> {
  await wait(plan.delayMs, gone);
  if (gone.aborted || res.headersSent || res.destroyed) return;
  if (plan.fault === 'reset') {
    req.socket.resetAndDestroy();
    return;
  }
  const sent = faulted(answer, plan.fault, askedCode);
  writer.head(req, res, sent);
  if (req.method === 'HEAD') return void res.end();
  if (plan.fault !== 'drip') return void res.end(sent.body);
  const bytes = Buffer.from(sent.body);
  for (let offset = 0; offset < bytes.length && !gone.aborted; offset += DRIP.bytes) {
    res.write(bytes.subarray(offset, offset + DRIP.bytes));
    await wait(DRIP.everyMs, gone);
  }
  if (!gone.aborted) res.end();
}
