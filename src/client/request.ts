/**
 * The pre-flight check: a request is checked whole against the spec (generated validators for the fields, the
 * spec's file limits for the images) before anything is sent. Every problem is reported at once.
 */
import type { components } from '../../generated/schema.js';
import { validateEditFields, type EditFields } from '../../generated/validators.js';
import { imageCountIssue } from '../contract/images.js';
import { issuesFromAjv, omittedIssue, type RequestIssue } from '../contract/issues.js';
import { setOwnField } from '../contract/decode-parts.js';
import { imageField, wireContract, type FileFieldName } from '../contract/spec.js';
import { RequestValidationError } from './errors.js';
import { prepareImage, type ImageInput, type PreparedImage, type PrepareImageOptions } from './images.js';

type SpecRequest = components['schemas']['CreateImageEditRequest'];

/** The validator's failures as issues, the first MAX_LISTED_ISSUES of them, then how many more there were. */
function fieldIssues(fields: Record<string, unknown>): RequestIssue[] {
  const { issues, omitted } = issuesFromAjv(validateEditFields.errors, fields);
  return omitted > 0 ? [...issues, omittedIssue(omitted)] : issues;
}

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

/** Deeper than this, a value is checked through its JSON text (which also finds a cycle) rather than walked. */
const PLAIN_WALK_DEPTH = 32;

/**
 * Whether `value` is already what its JSON text decodes to (plain objects and arrays of strings, finite numbers,
 * booleans and null): then it needs no round trip through JSON, which is most of what the check costs.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return true;
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || depth > PLAIN_WALK_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !isPlainJson(value[i], depth + 1)) return false;
    return true;
  }
  const prototype = Object.getPrototypeOf(value);
  if ((prototype !== Object.prototype && prototype !== null) || 'toJSON' in value) return false;
  for (const key in value) {
    if (!Object.hasOwn(value, key) || !isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * The fields as the server will receive them, which is what the validators must check: `undefined` means "not
 * given", and a JSON part's value is what its JSON text decodes to (a `new Number(1)` or a Date passes an "object"
 * check but travels as `1` or a date string; a value JSON cannot carry is refused here, by name).
 */
function asSent(given: Record<string, unknown>): { fields: Record<string, unknown>; issues: RequestIssue[] } {
  const fields: Record<string, unknown> = {};
  const issues: RequestIssue[] = [];
  for (const name of Object.keys(given)) {
    const value = given[name];
    if (value === undefined) continue;
    const known = Object.hasOwn(wireContract.fields, name);
    // A known field's name is an ordinary key; any other (`__proto__` included) becomes an own field all the same.
    const set = (sent: unknown) => (known ? (fields[name] = sent) : setOwnField(fields, name, sent));
    if (!known || wireContract.fields[name]!.part !== 'json' || value === null || isPlainJson(value)) {
      set(value);
      continue;
    }
    let text: string | undefined;
    let why = `a ${typeof value} has no JSON form`;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      why = error instanceof Error ? error.message : String(error);
    }
    if (text === undefined) issues.push({ field: name, message: `cannot be sent as JSON (${why})` });
    else set(JSON.parse(text));
  }
  return { fields, issues };
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
  const { fields, issues } = asSent(rest);
  // Appended one by one: spreading a caller-sized list into push() throws a RangeError past about 100,000 items.
  if (!validateEditFields(fields)) for (const issue of fieldIssues(fields)) issues.push(issue);

  const images: PreparedImage[] = [];
  if (imageValue === undefined || imageValue === null) {
    issues.push({ field: imageField.name, message: 'is required' });
  } else {
    // Array.from fills holes with undefined, which is then refused by name like any other non-image.
    const list = Array.isArray(imageValue) ? Array.from(imageValue) : [imageValue];
    const tooMany = Array.isArray(imageValue) ? imageCountIssue(list.length) : undefined;
    if (tooMany) issues.push(tooMany);
    // Over the count limit, the images are not even opened: the request is refused whatever they hold.
    if (!tooMany) {
      const settled = await Promise.allSettled(
        list.map((input, index) =>
          prepareImage(
            input,
            Array.isArray(imageValue) ? `${imageField.name}[${index}]` : imageField.name,
            index,
            options,
          ),
        ),
      );
      const failed = settled.find((result): result is PromiseRejectedResult => result.status === 'rejected');
      for (const result of settled) {
        if (result.status !== 'fulfilled') continue;
        if (Array.isArray(result.value)) for (const issue of result.value) issues.push(issue);
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
