/**
 * How much of a body the mock reads, from the spec's limits, and the words of each refusal: one place for the
 * Node server's streaming intake (busboy) and the MSW handlers' (the Fetch API's FormData), so both refuse alike.
 */
import { imageField, maxRequestBodyBytes, wireContract } from '../../contract/wire-contract.js';
import type { RequestIssue } from '../../contract/issues.js';
import type { IntakeLimits } from './types.js';

export const intakeLimits: IntakeLimits = {
  maxFileBytes: imageField.limits.maxBytes,
  maxBodyBytes: maxRequestBodyBytes,
  // Text parts share the room the spec's body limit leaves beside the files.
  maxTextBytes: maxRequestBodyBytes - imageField.limits.maxItems * imageField.limits.maxBytes,
  // Every field once and every image, with room for a client's extra (invalid, reported) parts.
  maxParts: 4 * (Object.keys(wireContract.fields).length + imageField.limits.maxItems),
};

export const intakeIssues = {
  bodyTooLarge: (limits: IntakeLimits, declared?: number): RequestIssue => ({
    field: '(body)',
    message: declared === undefined ? `is over the limit of ${limits.maxBodyBytes} bytes for a whole request` : `is ${declared} bytes, over the limit of ${limits.maxBodyBytes} bytes for a whole request`,
  }),
  fileTooLarge: (field: string, limits: IntakeLimits): RequestIssue => ({
    field,
    message: `is over the limit of ${limits.maxFileBytes} bytes per image (more than ${limits.maxFileBytes} bytes received)`,
  }),
  textTooLarge: (field: string, limits: IntakeLimits): RequestIssue => ({ field, message: `takes the text parts over their limit of ${limits.maxTextBytes} bytes in all` }),
  tooManyParts: (limits: IntakeLimits): RequestIssue => ({ field: '(body)', message: `has more than ${limits.maxParts} parts` }),
  notMultipart: (reason: string): RequestIssue => ({ field: '(body)', message: `is not valid multipart/form-data (${reason})` }),
};
