/**
 * The answers to requests the mock refuses itself (400, 413, and 503 when its image work is full): the status's first example in the spec (its `code`
 * and `doc_url`), with a message naming the offending fields and their limits, and the issues in `details`.
 *
 * At most MAX_REPORTED_ISSUES issues are named; the rest are counted (`details.omitted_issues`, and "and N more" in
 * the message), so a request with a hundred thousand bad items gets a small answer, not megabytes of issues.
 */
import type { components } from '../../../generated/schema.js';
import { describeIssues, type RequestIssue } from '../../contract/issues.js';
import { examplesOf, responseFacts } from '../../contract/spec-facts.js';
import type { MockAnswer } from './types.js';

export type ErrorResponse = components['schemas']['ErrorResponse'];

/** How many issues an error body names; enough for any honest request, small for a hostile one. */
export const MAX_REPORTED_ISSUES = 20;

/** `omitted` counts issues found beyond those in the list (a caller that stopped looking early passes its own count). */
export function errorBody(status: number, issues: readonly RequestIssue[], omitted = 0): ErrorResponse {
  const example = examplesOf(status)[0]?.value as ErrorResponse | undefined;
  const base = example?.error ?? { message: '' };
  const shown = issues.slice(0, MAX_REPORTED_ISSUES);
  const more = omitted + issues.length - shown.length;
  return {
    error: {
      ...base,
      message: describeIssues(shown) + (more > 0 ? `; and ${more} more issue${more === 1 ? '' : 's'}` : ''),
      details: { field: shown[0]?.field, issues: shown.map((issue) => ({ ...issue })), ...(more > 0 ? { omitted_issues: more } : {}) },
    },
  };
}

export function errorAnswer(status: number, issues: readonly RequestIssue[], omitted = 0): MockAnswer {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(errorBody(status, issues, omitted)) };
}

/** The header a 503 carries to say when to come back, as the spec's 503 names it. */
const RETRY_AFTER = Object.keys(responseFacts(503)?.headers ?? {}).find((name) => name.toLowerCase() === 'retry-after');

/** 503 with the spec's Retry-After, in whole seconds: the mock did no work for this request and may after that delay. */
export function unavailableAnswer(issue: RequestIssue, retryAfterSeconds: number): MockAnswer {
  const answer = errorAnswer(503, [issue]);
  return RETRY_AFTER ? { ...answer, headers: { ...answer.headers, [RETRY_AFTER]: String(retryAfterSeconds) } } : answer;
}
