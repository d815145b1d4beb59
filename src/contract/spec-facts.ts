/**
 * What the spec says beyond the wire form, read out of generated/ (scripts/generate/spec-facts.ts): the operation,
 * enums by field path, named request examples, every documented status with its headers and named examples, and
 * the code samples.
 * The mock, the CLI and the docs read these; the client does not (they carry example bodies a bundle need not).
 */
import { specFacts, type CodeSample, type DocumentedStatus, type NamedExample, type ResponseFacts, type SecurityScheme } from '../../generated/spec-facts.js';

export { specFacts };
export type { CodeSample, DocumentedStatus, NamedExample, ResponseFacts, SecurityScheme };

/** The documented status `status`, or undefined when the spec does not document it. */
export function responseFacts(status: number | string): ResponseFacts | undefined {
  return specFacts.responses.find((response) => response.status === String(status));
}

/** The named examples of one documented status, in the spec's order (none for an undocumented status). */
export function examplesOf(status: number | string): NamedExample[] {
  return responseFacts(status)?.examples ?? [];
}

/** The allowed values of a request field with an enum (`quality`, `cache.type`, ...). */
export function enumOf<F extends keyof typeof specFacts.enums>(field: F): (typeof specFacts.enums)[F] {
  return specFacts.enums[field];
}
