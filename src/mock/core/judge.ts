/**
 * One request through the mock, whatever carried it (the Node server's socket, MSW's fetch interception):
 *
 *   judgeHead:   route → Prefer → the asked-for status and example exist → credentials (401 from the spec)
 *                → media type → Content-Length                                   (nothing of the body read yet)
 *   judgeIntake: the body as an intake read it → 413 / 400 naming every field, or the judged request
 *   answerJudged: a recorded answer (replay), else the engine's; a success without a named example made from the
 *                request
 *
 * Each step is platform-free; the surfaces only turn their request into a RequestHead and their body into an Intake.
 */
import { maxRequestBodyBytes, wireContract } from '../../contract/wire-contract.js';
import { answerMade, type Answering } from './answering.js';
import { exampleFor, successStatus, unanswerable } from './choice.js';
import { errorAnswer } from './error-answer.js';
import { intakeIssues, intakeLimits } from './intake-limits.js';
import type { RequestIssue } from '../../contract/issues.js';
import { checkRequest, type CheckedRequest } from './request-check.js';
import type { Intake, MockAnswer, MockEngine, MockPreferences, RequestHead } from './types.js';
import { headerOf } from '../../contract/headers.js';

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
  const refused = await judgeOperationHead(engine, head, preferences.value, authorized);
  return refused ? { answer: refused.answer } : { preferences: preferences.value };
}

/**
 * What the spec alone says of the head of a request to the operation, whatever a mock would choose to answer:
 * credentials (401 from the spec), media type, declared size. The first violation, as the answer the mock gives and
 * as issues; undefined when the head is fine. The validating proxy judges real traffic's heads with it.
 */
export async function judgeOperationHead(
  engine: MockEngine,
  head: RequestHead,
  preferences: MockPreferences = {},
  authorized = engine.authorized(head),
): Promise<{ answer: MockAnswer; issues: RequestIssue[] } | undefined> {
  const credentials = credentialsIssue(head, authorized);
  if (credentials) return { answer: await engine.answer(head, preferences, { unauthorized: true }), issues: [credentials] };
  return judgeBodyHead(head);
}

/** The credentials of a head as an issue, when they are not what the spec asks (`authorized` is the engine's say). */
export function credentialsIssue(head: RequestHead, authorized: boolean): RequestIssue | undefined {
  if (authorized) return undefined;
  return { field: '(credentials)', message: `${headerOf(head.headers, 'authorization') === undefined ? 'are missing' : 'are not what the spec asks'} (Authorization: Bearer <key>)` };
}

/** The body as its head declares it: the spec's media type (400) and at most the spec's size (413). */
export function judgeBodyHead(head: RequestHead): { answer: MockAnswer; issues: RequestIssue[] } | undefined {
  const type = headerOf(head.headers, 'content-type') ?? '';
  if (!MULTIPART.test(type)) {
    const issue = { field: '(body)', message: `must be ${wireContract.mediaType} (got ${type ? JSON.stringify(type) : 'no Content-Type'})` };
    return { answer: errorAnswer(400, [issue]), issues: [issue] };
  }
  const length = headerOf(head.headers, 'content-length');
  if (length !== undefined && Number(length) > maxRequestBodyBytes) {
    const issue = intakeIssues.bodyTooLarge(intakeLimits, Number(length));
    return { answer: errorAnswer(413, [issue]), issues: [issue] };
  }
  return undefined;
}

/**
 * The body's verdict: a refusal (413 for size, 400 for everything else) with its issues (and the request as read,
 * when it was read whole), or the request the spec accepts.
 */
export function judgeIntake(intake: Exclude<Intake, { outcome: 'aborted' }>): { answer: MockAnswer; issues: RequestIssue[]; request?: CheckedRequest } | { request: CheckedRequest } {
  if (intake.outcome === 'too-large') return { answer: errorAnswer(413, [intake.issue]), issues: [intake.issue] };
  if (intake.outcome === 'malformed') return { answer: errorAnswer(400, [intake.issue]), issues: [intake.issue] };
  const request = checkRequest(intake.textParts, intake.files);
  if (request.issues.length > 0) return { answer: errorAnswer(400, request.issues, request.omitted), issues: request.issues, request };
  return { request };
}

/**
 * The answer to a valid request: a recorded one when a cassette matches and the request asks for nothing in
 * particular (replay.ts); else made from it (answering.ts) when the mock has an image maker; without one, and no
 * preference, the success example whose images come back the way response_format asks. `signal` is the client's:
 * once it has gone, the image work for it is dropped and the promise rejects with the signal's reason.
 */
export function answerJudged(engine: MockEngine, head: RequestHead, preferences: MockPreferences, request: CheckedRequest, answering?: Answering, signal?: AbortSignal): Promise<MockAnswer> {
  const replayed = answering?.replayer?.answer(preferences, request);
  if (replayed) return Promise.resolve(replayed);
  if (answering?.making) return answerMade(engine, head, preferences, request, answering, signal);
  const wanted = { ...preferences };
  if (wanted.exampleKey === undefined && (wanted.code === undefined || wanted.code === successStatus) && !(wanted.dynamic ?? engine.dynamic)) {
    const key = exampleFor(request.fields.response_format);
    if (key) wanted.exampleKey = key;
  }
  return engine.answer(head, wanted);
}
