/**
 * Drift: one way a live answer departs from the spec, in the one format every surface that judges real traffic
 * reports it in: the client and the CLI (a 2xx answer whose images are usable but whose other fields are not as the
 * spec says), the validating proxy and the server-checking script. Each entry names the field, what the spec says
 * and what came, so a report reads the same wherever it is printed and records as plain JSON.
 */
import type { ValidationIssue } from '../../generated/validators.js';
import { ajvWording, fieldPath, shown, valueAt } from './issues.js';

export interface Drift {
  /** Where, as a path from the answer's root: `body.usage.input_tokens_details`, `body.data[0].b64_json`, `status`. */
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

/** One Drift per ajv failure of `data`, deduplicated; `prefix` names the root (`body`). */
export function driftFromAjv(errors: readonly ValidationIssue[] | null | undefined, data: unknown, prefix = 'body'): Drift[] {
  const found: Drift[] = [];
  const seen = new Set<string>();
  for (const error of errors ?? []) {
    // The "if/oneOf/anyOf" wrappers repeat what their branches said.
    if (error.keyword === 'oneOf' || error.keyword === 'anyOf' || error.keyword === 'if') continue;
    const child = error.keyword === 'required' ? error.params.missingProperty : error.keyword === 'additionalProperties' ? error.params.additionalProperty : undefined;
    const pointer = child === undefined ? error.instancePath : `${error.instancePath}/${String(child).replace(/~/g, '~0').replace(/\//g, '~1')}`;
    const path = fieldPath(error.instancePath, child === undefined ? undefined : String(child));
    const entry: Drift = { field: path ? `${prefix}.${path}` : prefix, expected: expectation(error), received: receivedValue(valueAt(data, pointer)) };
    const key = `${entry.field}\0${entry.expected}`;
    if (!seen.has(key)) {
      seen.add(key);
      found.push(entry);
    }
  }
  return found;
}

/** One line: `body.created: the spec says type integer, received "1700000000"`. */
export function describeDrift(drift: Drift): string {
  return `${drift.field}: the spec says ${drift.expected}, received ${drift.received}`;
}
