/**
 * Time and failures on demand: how an answer is delivered once it is chosen. The real service takes seconds to a
 * minute per edit, and the failures a client must survive come from the network and the proxies in between, not
 * from the spec; neither Prism nor the spec's examples can show them, so the mock adds them here:
 *
 *   Prefer: delay=<ms>            the answer waits that long (0 to MAX_DELAY_MS); overrides the server's latency
 *   --latency <ms> | <min>-<max>  every answer waits, jittered between min and max (seeded with --seed)
 *   Prefer: fault=<kind>          one of FAULTS
 *
 * (or `?__delay=` / `?__fault=` where a page would rather not send a header, as with `__code`). The core decides
 * the plan and makes the `html` and `truncate` bodies; each surface carries out the waiting, the dropped
 * connection and the trickle in its own way (a socket on Node, Response.error() and streams under MSW).
 */
import { FAULTS, MAX_DELAY_MS, type Fault } from '../../contract/mock-prefer.js';
import { parsePrefer } from './prefer.js';
import { problemAnswer } from './problems.js';
import type { Random } from './random.js';
import type { Decided, MockAnswer, RequestHead } from './types.js';
import { headerOf } from '../../contract/headers.js';

// The vocabulary (which faults, the longest delay) is shared with the docs' console: src/contract/mock-prefer.ts.
export { DRIP, FAULTS, MAX_DELAY_MS, REAL_SERVICE_TIME, type Fault } from '../../contract/mock-prefer.js';

export interface Latency {
  minMs: number;
  maxMs: number;
}

export interface DeliveryPlan {
  delayMs: number;
  fault?: Fault;
}

function delayIssue(text: string): string | undefined {
  if (!/^\d{1,9}$/.test(text) || Number(text) > MAX_DELAY_MS) return `an integer number of milliseconds from 0 to ${MAX_DELAY_MS}`;
  return undefined;
}

/** `800` or `500-3000` (the CLI's --latency); throws with the words to show the user otherwise. */
export function parseLatency(text: string): Latency {
  const match = /^(\d{1,9})(?:-(\d{1,9}))?$/.exec(text.trim());
  const minMs = Number(match?.[1]);
  const maxMs = Number(match?.[2] ?? match?.[1]);
  if (!match || maxMs > MAX_DELAY_MS || minMs > maxMs) {
    throw new Error(`latency takes <ms> or <min>-<max>: integers from 0 to ${MAX_DELAY_MS}, min not above max (got ${JSON.stringify(text)})`);
  }
  return { minMs, maxMs };
}

/** The request's delivery plan, or a 422 (Prism's shape, as for a bad `code=`) naming what cannot be read. */
export function readDelivery(head: RequestHead, latency: Latency | undefined, random: Random): Decided<DeliveryPlan> {
  const query = head.url.query ?? {};
  const prefer = headerOf(head.headers, 'prefer');
  const raw = prefer ? parsePrefer(prefer) : { delay: query.__delay, fault: query.__fault };
  const delay = Object.hasOwn(raw, 'delay') ? raw.delay : undefined;
  const fault = Object.hasOwn(raw, 'fault') ? raw.fault : undefined;
  const problems: string[] = [];
  if (delay !== undefined && (typeof delay !== 'string' || delayIssue(delay))) {
    problems.push(`optional property "delay"\n└─ cannot decode ${JSON.stringify(delay)}, should be ${delayIssue(String(delay))}`);
  }
  if (fault !== undefined && (typeof fault !== 'string' || !Object.hasOwn(FAULTS, fault))) {
    problems.push(`optional property "fault"\n└─ cannot decode ${JSON.stringify(fault)}, should be one of ${Object.keys(FAULTS).join(', ')}`);
  }
  if (problems.length > 0) return { ok: false, answer: problemAnswer('UNPROCESSABLE_ENTITY', problems.join('\n')) };
  const delayMs = typeof delay === 'string' ? Number(delay) : latency ? latency.minMs + Math.floor(random() * (latency.maxMs - latency.minMs + 1)) : 0;
  return { ok: true, value: { delayMs, ...(typeof fault === 'string' ? { fault: fault as Fault } : {}) } };
}

const REASONS: Record<number, string> = { 500: 'Internal Server Error', 502: 'Bad Gateway', 503: 'Service Temporarily Unavailable', 504: 'Gateway Time-out' };

/** An nginx-style error page, as a proxy in front of the service sends when the service cannot answer. */
function htmlPage(status: number): MockAnswer {
  const title = `${status} ${REASONS[status] ?? 'Error'}`;
  const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
  return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
}

/**
 * The answer as the fault changes it: `html` replaces it (502, or the status `code=` asked for), `truncate` cuts
 * its body in half; `reset` and `drip` are carried out by the surface, on the answer as it is.
 */
export function faulted(answer: MockAnswer, fault: Fault | undefined, askedCode: number | undefined): MockAnswer {
  if (fault === 'html') return htmlPage(askedCode ?? 502);
  if (fault === 'truncate') return { ...answer, body: answer.body.slice(0, Math.max(1, Math.floor(answer.body.length / 2))) };
  return answer;
}

/** Waits `ms` unless `signal` aborts first (a client that went away); resolves either way. */
export function wait(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
