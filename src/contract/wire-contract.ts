/**
 * The request's wire contract (field kinds, file limits, servers), read out of generated/. Nothing in src/ repeats
 * a field name, an enum or a limit of the spec: it asks this module (or spec-facts.ts for examples and statuses).
 */
import { wireContract, type FieldContract, type FileFieldContract, type FileFieldName } from '../../generated/wire-contract.js';

export { wireContract };
export type { FieldContract, FileFieldContract, FileFieldName };

const fileFieldEntries = Object.entries(wireContract.fields).filter(
  (entry): entry is [string, FileFieldContract] => entry[1].part === 'file',
);
if (fileFieldEntries.length !== 1) throw new Error(`the spec must declare exactly one file field, found ${fileFieldEntries.length}`);

/** The request's file field (`image`) and its limits: media types, count and bytes per file. */
export const imageField: { name: FileFieldName; limits: FileFieldContract } = {
  name: fileFieldEntries[0]![0] as FileFieldName,
  limits: fileFieldEntries[0]![1],
};

/** The base URL a client uses when none is given: the spec's first server. */
export const defaultBaseUrl: string = wireContract.servers[0]!;

/** Largest request body the spec allows: every file at its limit, plus room for the text and JSON parts. */
export const maxRequestBodyBytes: number = imageField.limits.maxItems * imageField.limits.maxBytes + 1024 * 1024;

/** Largest image of an answer, in bytes (the spec's x-max-image-bytes): a download is stopped when it passes this. */
export const maxResultImageBytes: number = wireContract.resultImage.maxBytes;
