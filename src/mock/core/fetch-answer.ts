/**
 * A Fetch API Request in, the mock's answer out: the whole core for surfaces that hand over a Request (the MSW
 * handlers; a service worker or an edge function could do the same). Platform-free: no Node built-in, no Prism.
 */
import { intakeLimits } from './intake-limits.js';
import { readFormIntake } from './form-intake.js';
import { answerJudged, judgeHead, judgeIntake } from './judge.js';
import { deliveryOf, type Answering } from './answering.js';
import type { DeliveryPlan } from './delivery.js';
import type { MockAnswer, MockEngine, RequestHead } from './types.js';

/**
 * The request's head in the core's form: lower-case method and header names, query apart. Names are lower-cased here
 * although the Fetch standard's Headers gives them so: happy-dom's keeps the case they were set in, and Prism reads
 * `authorization` and `prefer` by their lower-case names.
 */
export function headOf(request: Request): RequestHead {
  const url = new URL(request.url);
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    headers[name.toLowerCase()] = value;
  });
  return { method: request.method.toLowerCase(), url: { path: url.pathname, query }, headers, origin: url.origin };
}

/** An answer, and how to deliver it (a delay, a fault) when the request reached the operation. */
export interface FetchOutcome {
  answer: MockAnswer;
  plan?: DeliveryPlan;
  askedCode?: number;
}

export async function answerFetchRequest(engine: MockEngine, request: Request, answering?: Answering): Promise<FetchOutcome> {
  const head = headOf(request);
  const verdict = await judgeHead(engine, head);
  if ('answer' in verdict) return { answer: verdict.answer };
  const delivery = answering ? deliveryOf(answering, head) : { ok: true as const, value: undefined };
  if (!delivery.ok) return { answer: delivery.answer };
  const plan = delivery.value;
  const intake = await readFormIntake(request, intakeLimits, { sha256: (answering?.replayer?.size ?? 0) > 0 });
  try {
    const judged = judgeIntake(intake);
    if ('answer' in judged) return { answer: judged.answer, plan };
    return { answer: await answerJudged(engine, head, verdict.preferences, judged.request, answering, request.signal), plan, askedCode: verdict.preferences.code };
  } finally {
    if (intake.outcome === 'complete') for (const file of intake.files) await file.kept?.release();
  }
}
