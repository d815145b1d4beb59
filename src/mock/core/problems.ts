/**
 * The mock's own refusals of a request that is not the operation, or asks for an answer the spec does not have, in
 * Prism's application/problem+json shape (`{ type, title, status, detail }`, type under Prism's errors page): the
 * Node mock gets these from Prism itself, and the MSW handlers, where Prism cannot run, make the same ones here, so
 * a client sees one mock whichever answers.
 */
import type { MockAnswer } from './types.js';

const PRISM_ERRORS = 'https://stoplight.io/prism/errors#';

/** Prism's templates for the refusals the mock can give (prism-http's router/errors and mocker/errors). */
export const PROBLEMS = {
  NO_PATH_MATCHED_ERROR: { status: 404, title: 'Route not resolved, no path matched' },
  NO_METHOD_MATCHED_ERROR: { status: 405, title: 'Route resolved, but no method matched' },
  UNPROCESSABLE_ENTITY: { status: 422, title: 'Invalid request' },
  NOT_FOUND: { status: 404, title: 'The server cannot find the requested content' },
} as const;

export type ProblemType = keyof typeof PROBLEMS;

export function problemAnswer(type: ProblemType, detail: string): MockAnswer {
  const { status, title } = PROBLEMS[type];
  return { status, headers: { 'Content-Type': 'application/problem+json' }, body: JSON.stringify({ type: `${PRISM_ERRORS}${type}`, title, status, detail }) };
}
