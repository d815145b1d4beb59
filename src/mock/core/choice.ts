/**
 * Which answer of the spec a request gets, decided once for every engine: the status (the lowest documented 2xx,
 * `Prefer: code=`, or 401 for bad credentials), the named example, and the refusals when the spec has no such status
 * or example (Prism's 404; asked of Prism itself, a missing example under a forced code came back as a 500).
 */
import { examplesOf, responseFacts, specFacts } from '../../contract/spec-facts.js';
import { problemAnswer } from './problems.js';
import type { MockAnswer, MockPreferences } from './types.js';

/** The status a request gets when it asks for none: the lowest documented 2xx, else the first (Prism's rule). */
export const successStatus: number = Number(
  specFacts.responses
    .map((response) => response.status)
    .filter((status) => /^2\d\d$/.test(status))
    .sort()[0] ?? specFacts.responses[0]!.status,
);

/** The status and example name the request gets; credentials errors keep an example name only for `code=401`. */
export function chosen(preferences: MockPreferences, unauthorized: boolean): { status: number; exampleKey: string | undefined } {
  if (unauthorized) return { status: 401, exampleKey: preferences.code === 401 ? preferences.exampleKey : undefined };
  return { status: preferences.code ?? successStatus, exampleKey: preferences.exampleKey };
}

/** Prism's 404 for a status or an example the spec does not have; undefined when the spec can answer. */
export function unanswerable(preferences: MockPreferences, unauthorized: boolean): MockAnswer | undefined {
  const { status, exampleKey } = chosen(preferences, unauthorized);
  const facts = responseFacts(status);
  if (!facts) return problemAnswer('NOT_FOUND', `Requested status code ${status} is not defined in the document.`);
  if (exampleKey !== undefined && !facts.examples.some((example) => example.name === exampleKey)) {
    return problemAnswer('NOT_FOUND', `Response for contentType: ${facts.contentType} and exampleKey: ${exampleKey} does not exist.`);
  }
  return undefined;
}

/** The success example whose images come back the way `response_format` asks (`url` or `b64_json`), if one does. */
export function exampleFor(responseFormat: unknown): string | undefined {
  if (typeof responseFormat !== 'string') return undefined;
  return examplesOf(successStatus).find(({ value }) => {
    const data = (value as { data?: unknown } | undefined)?.data;
    return Array.isArray(data) && data.length > 0 && data.every((item) => item && typeof item === 'object' && responseFormat in item);
  })?.name;
}
