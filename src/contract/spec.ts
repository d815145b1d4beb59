/**
 * What the spec says, read out of generated/ (never out of the spec by hand): the request's wire contract (field
 * kinds, the file field and its limits, servers) and the facts beyond it (the operation, enums by field path, named
 * request examples, every documented status with its headers and named examples, the code samples). Nothing in src/
 * repeats a field name, an enum or a limit of the spec: it asks this module. The client reads the wire contract only
 * (the facts carry example bodies a bundle need not; unused, they are left out of it).
 */
import {
  wireContract,
  type FieldContract,
  type FileFieldContract,
  type FileFieldName,
} from '../../generated/wire-contract.js';
import {
  specFacts,
  type CodeSample,
  type DocumentedStatus,
  type NamedExample,
  type ResponseFacts,
  type SecurityScheme,
} from '../../generated/spec-facts.js';

export { specFacts, wireContract };
export type {
  CodeSample,
  DocumentedStatus,
  FieldContract,
  FileFieldContract,
  FileFieldName,
  NamedExample,
  ResponseFacts,
  SecurityScheme,
};

const fileFieldEntries = Object.entries(wireContract.fields).filter(
  (entry): entry is [string, FileFieldContract] => entry[1].part === 'file',
);
if (fileFieldEntries.length !== 1)
  throw new Error(`the spec must declare exactly one file field, found ${fileFieldEntries.length}`);

/** The request's file field (`image`) and its limits: media types, count and bytes per file. */
export const imageField: { name: FileFieldName; limits: FileFieldContract } = {
  name: fileFieldEntries[0]![0] as FileFieldName,
  limits: fileFieldEntries[0]![1],
};

/** The base URL a client uses when none is given: the spec's first server. */
export const defaultBaseUrl: string = wireContract.servers[0]!;

/** Largest request body the spec allows: every file at its limit, plus room for the text and JSON parts. */
export const maxRequestBodyBytes: number = imageField.limits.maxItems * imageField.limits.maxBytes + 1024 * 1024;

/** Largest image of a response, in bytes (the spec's x-max-image-bytes): a download is stopped when it passes this. */
export const maxResultImageBytes: number = wireContract.resultImage.maxBytes;

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
