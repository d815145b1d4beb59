/**
 * Judges a received multipart request by the spec, with the same pieces the client uses: `decodeTextParts` for
 * the encoding map, `validateEditFields` (generated) for the values, and the spec's file limits for the images.
 * Every problem is reported, each naming its field.
 */
import { validateEditFields } from '../../generated/validators.js';
import { imageField, wireContract } from '../contract.js';
import type { RequestIssue } from '../errors.js';
import { sniffImageType } from '../sniff.js';
import { issuesFromAjv } from '../validation-issues.js';
import { decodeTextParts, type TextPart } from '../wire-decode.js';
import type { ReceivedFile } from './multipart-intake.js';

/** The generic type a client sends for a file whose type it does not know (curl, browsers, busboy's default). */
const UNKNOWN_FILE_TYPE = 'application/octet-stream';

/**
 * The file field a part name belongs to: the field itself, or the `name[]` spelling that OpenAI-compatible clients
 * use for arrays. Undefined for every other name.
 */
export function fileFieldOf(partName: string): string | undefined {
  if (partName === imageField.name || partName === `${imageField.name}[]`) return imageField.name;
  return undefined;
}

function imageIssues(file: ReceivedFile): RequestIssue[] {
  const { mediaTypes } = imageField.limits;
  if (file.size === 0) return [{ field: file.field, message: `is empty (0 bytes)${file.filename ? ` in ${JSON.stringify(file.filename)}` : ''}` }];
  const detected = sniffImageType(file.head);
  if (!detected || !mediaTypes.includes(detected)) {
    return [{ field: file.field, message: `is not ${mediaTypes.join(', ')} (its bytes${file.filename ? ` in ${JSON.stringify(file.filename)}` : ''} have no such signature)` }];
  }
  // The bytes decide the type; a declared type is judged only when it names something that is not an allowed image.
  const declared = file.declaredType.toLowerCase();
  if (declared !== UNKNOWN_FILE_TYPE && !mediaTypes.includes(declared)) {
    return [{ field: file.field, message: `is declared ${file.declaredType}, not one of ${mediaTypes.join(', ')}` }];
  }
  return [];
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
  const { minItems, maxItems } = imageField.limits;
  const sentAsText = named.some((part) => part.name === imageField.name);
  if (images.length === 0 && !sentAsText) issues.push({ field: imageField.name, message: 'is required' });
  else if (images.length < minItems && !sentAsText) issues.push({ field: imageField.name, message: `has ${images.length} images, fewer than the minimum of ${minItems}` });
  if (images.length > maxItems) issues.push({ field: imageField.name, message: `has ${images.length} images, more than the limit of ${maxItems}` });
  for (const image of images) issues.push(...imageIssues(image));
  return { fields, issues };
}
