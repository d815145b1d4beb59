/**
 * Judges a received multipart request by the spec, with the same pieces the client uses: `decodeTextParts` for
 * the encoding map, `validateEditFields` (generated) for the values, and the spec's file limits for the images.
 * Every problem is reported (the first MAX_REPORTED_ISSUES named, the rest counted), each naming its field.
 *
 * The work per request is bounded too: JSON parts may hold at most MAX_JSON_VALUES values in all before the
 * validators see them, so an array of a hundred thousand items costs a count, not a validation and a report.
 */
import { validateEditFields } from '../../../generated/validators.js';
import { imageField, wireContract } from '../../contract/wire-contract.js';
import type { RequestIssue } from '../../contract/issues.js';
import { imageCountIssue, judgeImage } from '../../contract/image-rules.js';
import { issuesFromAjvCapped } from '../../contract/issues.js';
import { decodeTextParts } from '../../contract/decode-parts.js';
import { MAX_REPORTED_ISSUES } from './error-answer.js';
import type { ReceivedFile, ReceivedText } from './types.js';

/** Values (objects, arrays and scalars) the JSON parts of one request may hold together: far above any real request. */
export const MAX_JSON_VALUES = 10_000;

/**
 * The file field a part name belongs to: the field itself, or the `name[]` spelling that OpenAI-compatible clients
 * use for arrays. Undefined for every other name.
 */
export function fileFieldOf(partName: string): string | undefined {
  if (partName === imageField.name || partName === `${imageField.name}[]`) return imageField.name;
  return undefined;
}

/**
 * Names each file part as a judge reports it, in the order they arrive: `image[0]`, `image[1]`, ... for the parts
 * of the file field (sent as `image` or `image[]`), with their `index` there; its own name for any other part. One
 * namer per request.
 */
export function fileFieldNamer(fileField: (partName: string) => string | undefined = fileFieldOf): (partName: string) => { field: string; index?: number } {
  const perField = new Map<string, number>();
  return (partName) => {
    const owner = fileField(partName);
    if (owner === undefined) return { field: partName };
    const index = perField.get(owner) ?? 0;
    perField.set(owner, index + 1);
    return { field: `${owner}[${index}]`, index };
  };
}

/**
 * The media type a file part declares, as the judge should take it. A part with no Content-Type of its own (what
 * Python's requests sends for `files=`) is text/plain by RFC 7578's default, and that is what busboy reports for it:
 * text/plain on a file part cannot be told from no declaration, so like none (and application/octet-stream,
 * "type unknown") it leaves the bytes to decide.
 */
export function declaredFileType(reported: string | undefined): string | undefined {
  const type = reported?.split(';')[0]!.trim().toLowerCase();
  return type && type !== 'text/plain' ? type : undefined;
}

/** Counts the values under `value`, stopping once past `budget`; iterative, so deep nesting cannot overflow the stack. */
function countValues(value: unknown, budget: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0 && count <= budget) {
    const next = stack.pop();
    count++;
    if (next !== null && typeof next === 'object') for (const child of Object.values(next)) stack.push(child);
  }
  return count;
}

/** JSON parts over the values budget, refused and left out of validation (their size is their problem). */
function overBudget(fields: Record<string, unknown>): RequestIssue[] {
  const issues: RequestIssue[] = [];
  let left = MAX_JSON_VALUES;
  for (const name of Object.keys(fields)) {
    if (wireContract.fields[name]?.part !== 'json') continue;
    const count = countValues(fields[name], left);
    if (count > left) {
      issues.push({ field: name, message: `holds more than ${left} JSON values (the mock judges at most ${MAX_JSON_VALUES} per request)` });
      delete fields[name];
    } else left -= count;
  }
  return issues;
}

function imageIssue(file: ReceivedFile): RequestIssue | undefined {
  const verdict = judgeImage(file.field, { size: file.size, head: file.head, filename: file.filename, declaredType: file.declaredType });
  return 'issue' in verdict ? verdict.issue : undefined;
}

export interface CheckedRequest {
  fields: Record<string, unknown>;
  files: ReceivedFile[];
  issues: RequestIssue[];
  /** Issues found beyond those listed. */
  omitted: number;
}

export function checkRequest(textParts: readonly ReceivedText[], files: readonly ReceivedFile[]): CheckedRequest {
  // `image[]` sent as a text part is still the file field, and is reported as such.
  const named = textParts.map((part) => ({ ...part, name: fileFieldOf(part.name) ?? part.name }));
  const { fields, issues } = decodeTextParts(named);
  for (const issue of overBudget(fields)) issues.push(issue);
  let omitted = 0;
  if (validateEditFields(fields) === false) {
    const found = issuesFromAjvCapped(validateEditFields.errors, fields, Math.max(0, MAX_REPORTED_ISSUES - issues.length));
    for (const issue of found.issues) issues.push(issue);
    omitted = found.omitted;
  }

  const images = files.filter((file) => fileFieldOf(file.name) !== undefined);
  for (const file of files) {
    if (fileFieldOf(file.name) !== undefined) continue;
    issues.push(
      wireContract.fields[file.name]
        ? { field: file.name, message: `must be a text part, got a file part${file.filename ? ` (${JSON.stringify(file.filename)})` : ''}` }
        : { field: file.name, message: 'is not a field of this request' },
    );
  }
  const sentAsText = named.some((part) => part.name === imageField.name);
  if (images.length === 0 && !sentAsText) issues.push({ field: imageField.name, message: 'is required' });
  else if (!sentAsText || images.length > 0) {
    const countIssue = imageCountIssue(images.length);
    if (countIssue) issues.push(countIssue);
  }
  for (const image of images) {
    const issue = imageIssue(image);
    if (issue) issues.push(issue);
  }
  return { fields, files: images, issues, omitted };
}
