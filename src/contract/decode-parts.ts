/**
 * The receiving side of the encoding map: text parts as they arrive → the field values the generated validators
 * check, each set as an own property (setOwnField, which the client's request uses too). Used by the mock and by the
 * tests' recording servers, so what the client encodes and what the servers decode are checked by one reading of the spec.
 */
import type { RequestIssue } from './issues.js';
import { wireContract } from './spec.js';

export interface TextPart {
  name: string;
  value: string;
  /** The part's own Content-Type, if it had one. */
  contentType?: string;
}

/** An own, enumerable property even for the name `__proto__`, which plain assignment would turn into a prototype. */
export function setOwnField(fields: Record<string, unknown>, name: string, value: unknown): void {
  Object.defineProperty(fields, name, { value, enumerable: true, writable: true, configurable: true });
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** Decodes text parts by the spec's field kinds: JSON parts parsed, numeric text parts as numbers, the rest as text. */
export function decodeTextParts(parts: readonly TextPart[]): {
  fields: Record<string, unknown>;
  issues: RequestIssue[];
} {
  const fields: Record<string, unknown> = {};
  const issues: RequestIssue[] = [];
  const counts = new Map<string, number>();
  for (const part of parts) counts.set(part.name, (counts.get(part.name) ?? 0) + 1);
  for (const part of parts) {
    const count = counts.get(part.name)!;
    if (count > 1) {
      if (!issues.some((issue) => issue.field === part.name))
        issues.push({ field: part.name, message: `was sent ${count} times; send it once` });
      continue;
    }
    // Own keys only: a part named `constructor` or `__proto__` is an unknown field, not Object.prototype's.
    const field = Object.hasOwn(wireContract.fields, part.name) ? wireContract.fields[part.name] : undefined;
    if (field?.part === 'file') {
      issues.push({ field: part.name, message: 'must be a file part (with a filename), got a text part' });
    } else if (field?.part === 'json') {
      try {
        setOwnField(fields, part.name, JSON.parse(part.value));
      } catch (error) {
        issues.push({ field: part.name, message: `is not valid JSON (${(error as Error).message})` });
      }
    } else if (
      field &&
      (field.types.includes('integer') || field.types.includes('number')) &&
      NUMBER.test(part.value.trim())
    ) {
      setOwnField(fields, part.name, Number(part.value.trim()));
    } else {
      setOwnField(fields, part.name, part.value);
    }
  }
  return { fields, issues };
}
