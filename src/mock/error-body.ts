/**
 * The bodies of the errors the mock decides itself (400 and 413): the status's first example in the spec (its
 * `code` and `doc_url`), with a message naming every offending field and limit, and the issues in `details`.
 */
import type { components } from '../../generated/schema.js';
import { describeIssues, type RequestIssue } from '../contract/issues.js';
import { examplesOf } from '../contract/spec-facts.js';

export type ErrorResponse = components['schemas']['ErrorResponse'];

export function errorBody(status: number, issues: readonly RequestIssue[]): ErrorResponse {
  const example = examplesOf(status)[0]?.value as ErrorResponse | undefined;
  const base = example?.error ?? { message: '' };
  return {
    error: {
      ...base,
      message: describeIssues(issues),
      details: { field: issues[0]?.field, issues: issues.map((issue) => ({ ...issue })) },
    },
  };
}
