/**
 * One request through the mock, whatever carried it (the Node server's socket, MSW's fetch interception):
 *
 *   judgeHead:   route → Prefer → the asked-for status and example exist → credentials (401 from the spec)
 *                → media type → Content-Length                                   (nothing of the body read yet)
 *   judgeIntake: the body as an intake read it → 413 / 400 naming every field, or the judged request
 *   answerJudged: the answer the engine picks; a success without a named example made from the request
 *
 * Each step is platform-free; the surfaces only turn their request into a RequestHead and their body into an Intake.
 */
import { maxRequestBodyBytes, wireContract } from '../../contract/wire-contract.js';
import { answerMade, type Answering } from './answering.js';
import { exampleFor, successStatus, unanswerable } from './choice.js';
import { errorAnswer } from './error-answer.js';
import { intakeIssues, intakeLimits } from './intake-limits.js';
import { checkRequest, type CheckedRequest } from './request-check.js';
import type { Intake, MockAnswer, MockEngine, MockPreferences, RequestHead } from './types.js';

export type HeadVerdict = { answer: MockAnswer } | { preferences: MockPreferences };

const MULTIPART = new RegExp(`^${wireContract.mediaType.replace('/', '\\/')}\\s*(;|$)`, 'i');

/** Everything that can be decided before the body: an answer, or the preferences to answer with once it is read. */
export async function judgeHead(engine: MockEngine, head: RequestHead): Promise<HeadVerdict> {
  const misrouted = engine.misrouted(head);
  if (misrouted) return { answer: misrouted };
  const preferences = engine.preferences(head);
  if (!preferences.ok) return { answer: preferences.answer };
  const authorized = engine.authorized(head);
  const missing = unanswerable(preferences.value, !authorized);
  if (missing) return { answer: missing };
  if (!authorized) return { answer: await engine.answer(head, preferences.value, { unauthorized: true }) };

  const type = head.headers['content-type'] ?? '';
  if (!MULTIPART.test(type)) {
    return { answer: errorAnswer(400, [{ field: '(body)', message: `must be ${wireContract.mediaType} (got ${type ? JSON.stringify(type) : 'no Content-Type'})` }]) };
  }
  const length = head.headers['content-length'];
  if (length !== undefined && Number(length) > maxRequestBodyBytes) return { answer: errorAnswer(413, [intakeIssues.bodyTooLarge(intakeLimits, Number(length))]) };
  return { preferences: preferences.value };
}

/** The body's verdict: a refusal (413 for size, 400 for everything else), or the request the spec accepts. */
export function judgeIntake(intake: Exclude<Intake, { outcome: 'aborted' }>): { answer: MockAnswer } | { request: CheckedRequest } {
  if (intake.outcome === 'too-large') return { answer: errorAnswer(413, [intake.issue]) };
  if (intake.outcome === 'malformed') return { answer: errorAnswer(400, [intake.issue]) };
  const request = checkRequest(intake.textParts, intake.files);
  if (request.issues.length > 0) return { answer: errorAnswer(400, request.issues, request.omitted) };
  return { request };
}

/**
 * The answer to a valid request: made from it (answering.ts) when the mock has an image maker; without one, and no
 * preference, the success example whose images come back the way response_format asks.
 */
export function answerJudged(engine: MockEngine, head: RequestHead, preferences: MockPreferences, request: CheckedRequest, answering?: Answering): Promise<MockAnswer> {
  if (answering?.making) return answerMade(engine, head, preferences, request, answering);
  const wanted = { ...preferences };
  if (wanted.exampleKey === undefined && (wanted.code === undefined || wanted.code === successStatus) && !(wanted.dynamic ?? engine.dynamic)) {
    const key = exampleFor(request.fields.response_format);
    if (key) wanted.exampleKey = key;
  }
  return engine.answer(head, wanted);
}
