/**
 * The spec's rules for the file field, in one place for every side that judges images: the client before it
 * sends, and the mock as the bytes arrive. Limits come from the spec (wire-contract.ts); messages name the limit.
 */
import type { RequestIssue } from './issues.js';
import { sniffImageType } from './sniff.js';
import { imageField } from './wire-contract.js';

/** The type a sender gives a file whose type it does not know (curl, browsers, busboy's default): the bytes decide. */
const UNKNOWN_FILE_TYPE = 'application/octet-stream';

/** How many images a request may carry. */
export function imageCountIssue(count: number): RequestIssue | undefined {
  const { minItems, maxItems } = imageField.limits;
  if (count < minItems) return { field: imageField.name, message: `has ${count} images, fewer than the minimum of ${minItems}` };
  if (count > maxItems) return { field: imageField.name, message: `has ${count} images, more than the limit of ${maxItems}` };
  return undefined;
}

/** Over the spec's per-file byte limit, as soon as the size (or a running count of bytes) is known. */
export function imageSizeIssue(field: string, size: number): RequestIssue | undefined {
  const { maxBytes } = imageField.limits;
  return size > maxBytes ? { field, message: `is ${size} bytes, over the limit of ${maxBytes} bytes per image` } : undefined;
}

export interface ImageFacts {
  /** Total bytes. */
  size: number;
  /** The first bytes (at least SNIFF_BYTES when the file is that long). */
  head: Uint8Array;
  filename?: string;
  /** The media type the sender declared, if any. */
  declaredType?: string;
}

/**
 * Judges one image: empty, over the limit, bytes that are no allowed type, or a declared type that is not allowed
 * or contradicts the bytes. Returns the media type read from the bytes, or the issue.
 */
export function judgeImage(field: string, facts: ImageFacts): { mediaType: string } | { issue: RequestIssue } {
  const { mediaTypes } = imageField.limits;
  const inFile = facts.filename ? ` in ${JSON.stringify(facts.filename)}` : '';
  if (facts.size === 0) return { issue: { field, message: `is empty (0 bytes)${inFile}` } };
  const tooBig = imageSizeIssue(field, facts.size);
  if (tooBig) return { issue: tooBig };
  const detected = sniffImageType(facts.head);
  if (!detected || !mediaTypes.includes(detected)) {
    return { issue: { field, message: `is not ${mediaTypes.join(', ')} (its bytes${inFile} have no such signature)` } };
  }
  const declared = facts.declaredType?.split(';')[0]!.trim().toLowerCase();
  if (declared && declared !== UNKNOWN_FILE_TYPE) {
    if (!mediaTypes.includes(declared)) return { issue: { field, message: `is declared ${facts.declaredType}, not one of ${mediaTypes.join(', ')}` } };
    if (declared !== detected) return { issue: { field, message: `is declared ${facts.declaredType} but its bytes are ${detected}` } };
  }
  return { mediaType: detected };
}
