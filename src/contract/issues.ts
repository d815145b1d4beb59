/**
 * Validation issues and drift, as every surface reports them. A RequestIssue is one problem with one field, named the
 * way a caller wrote it (`retry.count`, `fallbacks[0].model`, `image[3]`), with the limit it breaks: the client's
 * RequestValidationError and the mock's error bodies carry the same issues in the same words. A Drift is one way a
 * live response departs from the spec (the client, the CLI, the validating proxy, the server check): the field, what
 * the spec says and what came. Both come out of the validator's failures by one walk, and both lists are capped by
 * one number, MAX_LISTED_ISSUES.
 */
import type { ValidationIssue } from '../../generated/validators.js';

/** One problem with one field of a request, e.g. `{ field: 'retry.count', message: 'must be <= 5' }`. */
export interface RequestIssue {
  /** The field, as a path: `n`, `retry.count`, `fallbacks[0].model`, `image[3]`. */
  field: string;
  /** What is wrong, naming the limit: `must be <= 10`, `is 52428801 bytes, over the limit of 52428800`. */
  message: string;
}

/**
 * How many issues (or drift entries) a list names; the rest are counted. A caller's array of 200,000 bad items would
 * otherwise make an error, a mock's 400 or a proxy's line as large as the request.
 */
export const MAX_LISTED_ISSUES = 20;

/** One way a live response departs from the spec, in the one format every surface reports it in (and records as JSON). */
export interface Drift {
  /** Where, as a path from the response's root: `body.usage.input_tokens_details`, `body.data[0].b64_json`, `status`. */
  field: string;
  /** What the spec says: `required`, `type integer`, `one of "url", "b64_json"`, `>= 0`, `base64 image data`. */
  expected: string;
  /** What came: a short JSON excerpt (at most 60 characters, e.g. `"1700000000"`), or `missing`. */
  received: string;
}

/** What came at `field`, for a Drift: `missing` when there was nothing. */
export function receivedValue(value: unknown): string {
  return value === undefined ? 'missing' : shown(value);
}

/** One line: `body.created: the spec says type integer, received "1700000000"`. */
export function describeDrift(drift: Drift): string {
  return `${drift.field}: the spec says ${drift.expected}, received ${drift.received}`;
}

/** `field: message; field: message` — how every issue list reads, in errors and in the mock's error bodies. */
export function describeIssues(issues: readonly RequestIssue[]): string {
  return issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
}

/** An ajv instance path (`/usage/input_tokens`), plus an optional child key, as a caller writes it: `usage.input_tokens`. */
function fieldPath(pointer: string, child?: string): string {
  const parts = pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** The value at an ajv instance path of `data`. */
function valueAt(data: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>(
      (value, key) => (value as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')],
      data,
    );
}

/** A value as a short JSON excerpt (at most 60 characters) for a message. */
export function shown(value: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    // BigInt, cycles: not JSON, but still worth naming.
    text = undefined;
  }
  if (text === undefined) text = typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * What ajv would say of a failure, from its keyword and params: the generated validators are compiled without
 * messages (one sentence per check would be most of their size in a browser bundle), so the words are put together
 * here once, the same as ajv's (test/unit/validator-messages.test.ts compares them with ajv's own).
 */
export function ajvWording({ keyword, params, message }: ValidationIssue): string {
  if (message) return message;
  if (keyword === 'type') return `must be ${[params.type].flat().join(',')}`;
  if (/^(exclusive)?(M|m)(in|ax)imum$/.test(keyword))
    return `must be ${String(params.comparison)} ${String(params.limit)}`;
  const count = /^(min|max)(Length|Items|Properties)$/.exec(keyword);
  if (count)
    return `must NOT have ${count[1] === 'min' ? 'fewer' : 'more'} than ${String(params.limit)} ${{ Length: 'characters', Items: 'items', Properties: 'properties' }[count[2]!]}`;
  if (keyword === 'format' || keyword === 'pattern') return `must match ${keyword} "${String(params[keyword])}"`;
  if (keyword === 'required') return `must have required property '${String(params.missingProperty)}'`;
  if (keyword === 'additionalProperties') return 'must NOT have additional properties';
  if (keyword === 'enum' || keyword === 'const')
    return `must be equal to ${keyword === 'enum' ? 'one of the allowed values' : 'constant'}`;
  if (keyword === 'multipleOf') return `must be multiple of ${String(params.multipleOf)}`;
  return `must pass "${keyword}" keyword validation`;
}

const TYPE_NAMES: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'a boolean',
  object: 'an object',
  array: 'an array',
  null: 'null',
};

/** A value by its kind, for a type message: `the string "2"`, `the number 2.5`, `an object`. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `the array ${shown(value)}`;
  if (typeof value === 'object') return `the object ${shown(value)}`;
  return `the ${typeof value} ${shown(value)}`;
}

/**
 * A type failure in words that name the fix: `must be an integer or null (got the string "2"; write 2, without
 * quotes)`. A number or boolean given as its text is the usual slip (a form field, an environment variable), so it
 * is named as such, and so is an object given as its JSON text; ajv's own words (`must be integer,null`) read like a schema dump.
 */
function typeMessage(types: readonly string[], value: unknown): string {
  const wanted = types.map((type) => TYPE_NAMES[type] ?? type).join(' or ');
  let fix = '';
  if (typeof value === 'string' && value.trim() !== '') {
    const number = Number(value);
    const fits =
      (types.includes('number') && Number.isFinite(number)) || (types.includes('integer') && Number.isInteger(number));
    if (fits) fix = `; write ${number}, without quotes`;
    else if (types.includes('boolean') && (value === 'true' || value === 'false'))
      fix = `; write ${value}, without quotes`;
    else if ((types.includes('object') || types.includes('array')) && /^\s*[[{]/.test(value))
      fix = `; give the ${types.includes('object') ? 'object' : 'array'} itself, not its JSON text`;
  }
  return `must be ${wanted} (got ${kindOf(value)}${fix})`;
}

/** What one ajv failure says the spec wants, in a few words. */
function expectation(error: ValidationIssue): string {
  const { params } = error;
  switch (error.keyword) {
    case 'required':
      return 'required';
    case 'type':
      return `type ${String(params.type)}`;
    case 'enum':
      return `one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'const':
      return JSON.stringify(params.allowedValue);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return `${String(params.comparison)} ${String(params.limit)}`;
    case 'minItems':
      return `at least ${String(params.limit)} items`;
    case 'maxItems':
      return `at most ${String(params.limit)} items`;
    case 'minLength':
      return `at least ${String(params.limit)} characters`;
    case 'maxLength':
      return `at most ${String(params.limit)} characters`;
    case 'format':
      return `format ${String(params.format)}`;
    case 'additionalProperties':
      return 'no such field';
    default:
      return ajvWording(error);
  }
}

/** ajv's wrappers ("if/oneOf/anyOf") repeat what their branches said. */
const isWrapper = (error: ValidationIssue) =>
  error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if';

/**
 * The one walk over the validator's failures: wrappers skipped, each failure's field named as a caller writes it
 * (under `prefix`), the value there read and `convert`ed, duplicates (same `key`) dropped; at most `limit` entries are
 * made, the failures after them only counted (`omitted`, before deduplication): turning a hundred thousand failures
 * into words is most of the work an invalid huge array costs.
 */
function convertFailures<T>(
  errors: readonly ValidationIssue[] | null | undefined,
  data: unknown,
  prefix: string,
  limit: number,
  convert: (error: ValidationIssue, field: string, value: unknown) => T,
  key: (entry: T) => string,
): { listed: T[]; omitted: number } {
  const listed: T[] = [];
  const seen = new Set<string>();
  const list = errors ?? [];
  let index = 0;
  for (; index < list.length && listed.length < limit; index++) {
    const error = list[index]!;
    if (isWrapper(error)) continue;
    // A missing or unknown property is named by its own path, and its value (if any) read there.
    const child =
      error.keyword === 'required'
        ? error.params.missingProperty
        : error.keyword === 'additionalProperties'
          ? error.params.additionalProperty
          : undefined;
    const pointer =
      child === undefined
        ? error.instancePath
        : `${error.instancePath}/${String(child).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const path = fieldPath(error.instancePath, child === undefined ? undefined : String(child));
    const field = prefix ? (path ? `${prefix}.${path}` : prefix) : path || '(body)';
    const entry = convert(error, field, valueAt(data, pointer));
    if (!seen.has(key(entry))) {
      seen.add(key(entry));
      listed.push(entry);
    }
  }
  let omitted = 0;
  for (; index < list.length; index++) if (!isWrapper(list[index]!)) omitted++;
  return { listed, omitted };
}

/** A request issue's words for one failure, naming the fix where there is one. */
function issueMessage(error: ValidationIssue, value: unknown): string {
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not a field of this request';
    case 'type':
      return typeMessage([error.params.type as string | string[]].flat(), value);
    case 'enum':
      return `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${shown(value)})`;
    default:
      return `${ajvWording(error)} (got ${shown(value)})`;
  }
}

/**
 * One issue per failure, deduplicated, the first `limit` (MAX_LISTED_ISSUES) of them; `omitted` counts the failures
 * after them. `prefix` names the root (e.g. `body` for a response).
 */
export function issuesFromAjv(
  errors: readonly ValidationIssue[] | null | undefined,
  data: unknown,
  { prefix = '', limit = MAX_LISTED_ISSUES }: { prefix?: string; limit?: number } = {},
): { issues: RequestIssue[]; omitted: number } {
  const { listed, omitted } = convertFailures(
    errors,
    data,
    prefix,
    limit,
    (error, field, value): RequestIssue => ({ field, message: issueMessage(error, value) }),
    (issue) => `${issue.field}\0${issue.message}`,
  );
  return { issues: listed, omitted };
}

/** The issue that closes a capped list in an error: how many failures it does not name. */
export function omittedIssue(omitted: number): RequestIssue {
  return { field: '(more)', message: `${omitted} more failures of the checks above are not listed` };
}

/**
 * One Drift per failure of a response's body `data`, deduplicated, the received value attached, each field named from
 * the root `body`. At most MAX_LISTED_ISSUES are named, and one closing entry counts the failures after them.
 */
export function driftFromAjv(errors: readonly ValidationIssue[] | null | undefined, data: unknown): Drift[] {
  const { listed, omitted } = convertFailures(
    errors,
    data,
    'body',
    MAX_LISTED_ISSUES,
    (error, field, value): Drift => ({ field, expected: expectation(error), received: receivedValue(value) }),
    (drift) => `${drift.field}\0${drift.expected}`,
  );
  if (omitted > 0)
    listed.push({ field: '(more)', expected: 'the checks above', received: `${omitted} more failures, not listed` });
  return listed;
}
