/**
 * The pre-flight check: a request is checked whole against the spec (generated validators for the fields, the
 * spec's file limits for the images) before anything is sent. Every problem is reported at once.
 */
import { validateEditFields, type EditFields } from '../generated/validators.js';
import type { components } from '../generated/schema.js';
import { imageField, type FileFieldName } from './contract.js';
import { RequestValidationError, type RequestIssue } from './errors.js';
import { prepareImage, type ImageInput, type PreparedImage, type PrepareImageOptions } from './images.js';
import { issuesFromAjv } from './validation-issues.js';
import { imageCountIssue } from './image-rules.js';

type SpecRequest = components['schemas']['CreateImageEditRequest'];

/** The request as a caller writes it: the spec's fields (snake_case, as on the wire), images in any accepted form. */
export type ImageEditRequest = Omit<SpecRequest, FileFieldName> & {
  [K in FileFieldName]: ImageInput | ImageInput[];
};

/** A request that passed the check: its fields as values and its images ready to send. */
export interface PreparedRequest {
  fields: EditFields;
  images: PreparedImage[];
  /** Removes the temporary files made for stream inputs; the client calls it once the call is over. */
  dispose(): Promise<void>;
}

async function disposeAll(images: readonly PreparedImage[]): Promise<void> {
  await Promise.all(images.map((image) => image.dispose?.()));
}

/**
 * Checks `request` against the spec; throws RequestValidationError naming every offending field. Images are
 * resolved (stream inputs drained, to a temporary file on Node) and checked; `signal` stops that early.
 */
export async function prepareRequest(request: unknown, options: PrepareImageOptions = {}): Promise<PreparedRequest> {
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
    const tooMany = Array.isArray(imageValue) ? imageCountIssue(list.length) : undefined;
    if (tooMany) issues.push(tooMany);
    // Over the count limit, the images are not even opened: the request is refused whatever they hold.
    if (!tooMany) {
      const settled = await Promise.allSettled(
        list.map((input, index) => prepareImage(input, Array.isArray(imageValue) ? `${imageField.name}[${index}]` : imageField.name, index, options)),
      );
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      for (const result of settled) {
        if (result.status !== 'fulfilled') continue;
        if (Array.isArray(result.value)) issues.push(...result.value);
        else images.push(result.value);
      }
      if (failed) {
        await disposeAll(images);
        throw failed.reason;
      }
    }
  }
  if (issues.length > 0) {
    await disposeAll(images);
    throw new RequestValidationError(issues);
  }
  return { fields: fields as EditFields, images, dispose: () => disposeAll(images) };
}
