/**
 * The pre-flight check: a request is checked whole against the spec (generated validators for the fields, the
 * spec's file limits for the images) before anything is sent. Every problem is reported at once.
 */
import { validateEditFields, type EditFields } from '../generated/validators.js';
import type { components } from '../generated/schema.js';
import { imageField, type FileFieldName } from './contract.js';
import { RequestValidationError, type RequestIssue } from './errors.js';
import { prepareImage, type ImageInput, type PreparedImage } from './images.js';
import { issuesFromAjv } from './validation-issues.js';

type SpecRequest = components['schemas']['CreateImageEditRequest'];

/** The request as a caller writes it: the spec's fields (snake_case, as on the wire), images in any accepted form. */
export type ImageEditRequest = Omit<SpecRequest, FileFieldName> & {
  [K in FileFieldName]: ImageInput | ImageInput[];
};

/** A request that passed the check: its fields as values and its images ready to send. */
export interface PreparedRequest {
  fields: EditFields;
  images: PreparedImage[];
}

function countIssue(count: number): RequestIssue | undefined {
  const { minItems, maxItems } = imageField.limits;
  if (count < minItems) return { field: imageField.name, message: `has ${count} images, fewer than the minimum of ${minItems}` };
  if (count > maxItems) return { field: imageField.name, message: `has ${count} images, more than the limit of ${maxItems}` };
  return undefined;
}

/** Checks `request` against the spec; throws RequestValidationError naming every offending field. */
export async function prepareRequest(request: unknown): Promise<PreparedRequest> {
  if (typeof request !== 'object' || request === null || Array.isArray(request)) {
    throw new RequestValidationError([{ field: '(request)', message: 'must be an object of request fields' }]);
  }
  const { [imageField.name]: imageValue, ...rest } = request as Record<string, unknown>;
  // `undefined` means "not given"; the validators see only what would be sent.
  const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const issues: RequestIssue[] = validateEditFields(fields) ? [] : issuesFromAjv(validateEditFields.errors, fields);

  const images: PreparedImage[] = [];
  if (imageValue === undefined || imageValue === null) {
    issues.push({ field: imageField.name, message: 'is required' });
  } else {
    const list = Array.isArray(imageValue) ? imageValue : [imageValue];
    const tooMany = Array.isArray(imageValue) ? countIssue(list.length) : undefined;
    if (tooMany) issues.push(tooMany);
    const prepared = await Promise.all(
      list.map((input, index) => prepareImage(input, Array.isArray(imageValue) ? `${imageField.name}[${index}]` : imageField.name, index)),
    );
    for (const result of prepared) {
      if (Array.isArray(result)) issues.push(...result);
      else images.push(result);
    }
  }
  if (issues.length > 0) throw new RequestValidationError(issues);
  return { fields: fields as EditFields, images };
}
