/**
 * Validation issues, as every surface reports them: one problem with one field, named the way a caller wrote it
 * (`retry.count`, `fallbacks[0].model`, `image[3]`), with the limit it breaks. The client's RequestValidationError
 * and the mock's error bodies carry the same issues in the same words.
 */
import type { ValidationIssue } from '../../generated/validators.js';

/** One problem with one field of a request, e.g. `{ field: 'retry.count', message: 'must be <= 5' }`. */
export interface RequestIssue {
  /** The field, as a path: `n`, `retry.count`, `fallbacks[0].model`, `image[3]`. */
  field: string;
  /** What is wrong, naming the limit: `must be <= 10`, `is 52428801 bytes, over the limit of 52428800`. */
  message: string;
}

/** `field: message; field: message` — how every issue list reads, in errors and in the mock's error bodies. */
export function describeIssues(issues: readonly RequestIssue[]): string {
  return issues.map((issue) => `${issue.field}: ${issue.message}`).join('; ');
}

/** An ajv instance path (`/usage/input_tokens`), plus an optional child key, as a caller writes it: `usage.input_tokens`. */
export function fieldPath(pointer: string, child?: string): string {
  const parts = pointer.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (child !== undefined) parts.push(child);
  return parts.reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

/** The value at an ajv instance path of `data`. */
export function valueAt(data: unknown, pointer: string): unknown {
  return pointer
    .split('/')
    .slice(1)
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], data);
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
  if (/^(exclusive)?(M|m)(in|ax)imum$/.test(keyword)) return `must be ${String(params.comparison)} ${String(params.limit)}`;
  const count = /^(min|max)(Length|Items|Properties)$/.exec(keyword);
  if (count) return `must NOT have ${count[1] === 'min' ? 'fewer' : 'more'} than ${String(params.limit)} ${{ Length: 'characters', Items: 'items', Properties: 'properties' }[count[2]!]}`;
  if (keyword === 'format' || keyword === 'pattern') return `must match ${keyword} "${String(params[keyword])}"`;
  if (keyword === 'required') return `must have required property '${String(params.missingProperty)}'`;
  if (keyword === 'additionalProperties') return 'must NOT have additional properties';
  if (keyword === 'enum' || keyword === 'const') return `must be equal to ${keyword === 'enum' ? 'one of the allowed values' : 'constant'}`;
  if (keyword === 'multipleOf') return `must be multiple of ${String(params.multipleOf)}`;
  return `must pass "${keyword}" keyword validation`;
}

const TYPE_NAMES: Record<string, string> = { integer: 'an integer', number: 'a number', string: 'a string', boolean: 'a boolean', object: 'an object', array: 'an array', null: 'null' };

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
    const fits = (types.includes('number') && Number.isFinite(number)) || (types.includes('integer') && Number.isInteger(number));
    if (fits) fix = `; write ${number}, without quotes`;
    else if (types.includes('boolean') && (value === 'true' || value === 'false')) fix = `; write ${value}, without quotes`;
    else if ((types.includes('object') || types.includes('array')) && /^\s*[[{]/.test(value)) fix = `; give the ${types.includes('object') ? 'object' : 'array'} itself, not its JSON text`;
  }
  return `must be ${wanted} (got ${kindOf(value)}${fix})`;
}

/** ajv's wrappers ("if/oneOf/anyOf") repeat what their branches said. */
const isWrapper = (error: ValidationIssue) => error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if';

/** One issue per failure, deduplicated; `prefix` names the root (e.g. `body` for a response). */
export function issuesFromAjv(errors: readonly ValidationIssue[] | null | undefined, data: unknown, prefix = ''): RequestIssue[] {
  return issuesFromAjvCapped(errors, data, Infinity, prefix).issues;
}

/**
 * Like issuesFromAjv, but converts at most `limit` issues and only counts the failures after them (`omitted`, before
 * deduplication): turning a hundred thousand failures into messages is most of the work an invalid huge array costs.
 */
export function issuesFromAjvCapped(errors: readonly ValidationIssue[] | null | undefined, data: unknown, limit: number, prefix = ''): { issues: RequestIssue[]; omitted: number } {
  const issues: RequestIssue[] = [];
  const seen = new Set<string>();
  const list = errors ?? [];
  let index = 0;
  for (; index < list.length && issues.length < limit; index++) {
    const error = list[index]!;
    if (isWrapper(error)) continue;
    let field: string;
    let message: string;
    if (error.keyword === 'required') {
      field = fieldPath(error.instancePath, error.params.missingProperty);
      message = 'is required';
    } else if (error.keyword === 'additionalProperties') {
      field = fieldPath(error.instancePath, error.params.additionalProperty);
      message = 'is not a field of this request';
    } else if (error.keyword === 'type') {
      field = fieldPath(error.instancePath);
      message = typeMessage([error.params.type as string | string[]].flat(), valueAt(data, error.instancePath));
    } else if (error.keyword === 'enum') {
      field = fieldPath(error.instancePath);
      message = `must be one of ${(error.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')} (got ${shown(valueAt(data, error.instancePath))})`;
    } else {
      field = fieldPath(error.instancePath);
      message = `${ajvWording(error)} (got ${shown(valueAt(data, error.instancePath))})`;
    }
    if (prefix) field = field ? `${prefix}.${field}` : prefix;
    if (!field) field = '(body)';
    const key = `${field}\0${message}`;
    if (!seen.has(key)) {
      seen.add(key);
      issues.push({ field, message });
    }
  }
  let omitted = 0;
  for (; index < list.length; index++) if (!isWrapper(list[index]!)) omitted++;
  return { issues, omitted };
}
