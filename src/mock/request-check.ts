/**
 * Judges a received multipart request by the spec, with the same pieces the client uses: `decodeTextParts` for
 * the encoding map, `validateEditFields` (generated) for the values, and the spec's file limits for the images.
 * Every problem is reported, each naming its field.
 */
import { validateEditFields } from '../../generated/validators.js';
import { imageField, wireContract } from '../contract/wire-contract.js';
import type { RequestIssue } from '../contract/issues.js';
import { imageCountIssue, judgeImage } from '../contract/image-rules.js';
import { issuesFromAjv } from '../contract/issues.js';
import { decodeTextParts, type TextPart } from '../contract/decode-parts.js';
import type { ReceivedFile } from './multipart-intake.js';

/**
 * The file field a part name belongs to: the field itself, or the `name[]` spelling that OpenAI-compatible clients
 * use for arrays. Undefined for every other name.
 */
export function fileFieldOf(partName: string): string | undefined {
  if (partName === imageField.name || partName === `${imageField.name}[]`) return imageField.name;
  return undefined;
}

function imageIssues(file: ReceivedFile): RequestIssue[] {
  const verdict = judgeImage(file.field, { size: file.size, head: file.head, filename: file.filename, declaredType: file.declaredType });
  return 'issue' in verdict ? [verdict.issue] : [];
}

export function checkRequest(textParts: readonly TextPart[], files: readonly ReceivedFile[]): { fields: Record<string, unknown>; issues: RequestIssue[] } {
  // `image[]` sent as a text part is still the file field, and is reported as such.
  const named = textParts.map((part) => ({ ...part, name: fileFieldOf(part.name) ?? part.name }));
  const { fields, issues } = decodeTextParts(named);
  if (validateEditFields(fields) === false) issues.push(...issuesFromAjv(validateEditFields.errors, fields));

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
  for (const image of images) issues.push(...imageIssues(image));
  return { fields, issues };
}
