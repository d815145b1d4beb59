/**
 * The bodies of the errors the mock decides itself (400 and 413): the status's first example in the spec (its
 * `code` and `doc_url`), with a message naming every offending field and limit, and the issues in `details`.
 */
import type { components } from '../../generated/schema.js';
import { describeIssues, type RequestIssue } from '../errors.js';
import type { SpecDocument } from './spec-document.js';

export type ErrorResponse = components['schemas']['ErrorResponse'];

export function errorBody(spec: SpecDocument, status: number, issues: readonly RequestIssue[]): ErrorResponse {
  const example = spec.examples(status)[0]?.value as ErrorResponse | undefined;
  const base = example?.error ?? { message: '' };
  return {
    error: {
      ...base,
      message: describeIssues(issues),
      details: { field: issues[0]?.field, issues: issues.map((issue) => ({ ...issue })) },
    },
  };
}
