/**
 * The console's form, read from the spec: one descriptor per request field of the operation, in the spec's order,
 * with what a control needs (kind, enum, limits, default, description) and, for a JSON part, every nested field with
 * its limits as dotted paths (`load_balancer.models[].weight  number 0.001–1, default 0.5`).
 */
import { specFacts, wireContract } from '../../contract/spec.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  format?: string;
  description?: string;
  examples?: unknown[];
  deprecated?: boolean;
  required?: string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  oneOf?: Schema[];
};

export type FieldKind = 'file' | 'enum' | 'number' | 'text' | 'json';

export interface FieldDescriptor {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string;
  /** The spec's limits in words: `integer 1–10, default 1`. */
  limits: string;
  enum?: string[];
  minimum?: number;
  maximum?: number;
  integer?: boolean;
  example?: unknown;
  /** JSON parts: every nested field, as `path  limits`. */
  nested?: string[];
}

function types(schema: Schema): string[] {
  return [schema.type ?? []].flat().filter((type) => type !== 'null');
}

function limitsOf(schema: Schema): string {
  const words: string[] = [types(schema).join(' or ') || 'value'];
  if (schema.enum) words.push(`one of ${schema.enum.filter((value) => value !== null).join(', ')}`);
  if (schema.minimum !== undefined && schema.maximum !== undefined) words.push(`${schema.minimum}–${schema.maximum}`);
  else if (schema.minimum !== undefined) words.push(`≥ ${schema.minimum}`);
  else if (schema.maximum !== undefined) words.push(`≤ ${schema.maximum}`);
  if (schema.minLength) words.push('non-empty');
  if (schema.minItems !== undefined || schema.maxItems !== undefined) {
    words.push(`${schema.minItems ?? 0}${schema.maxItems !== undefined ? `–${schema.maxItems}` : '+'} items`);
  }
  if (schema.format) words.push(`format ${schema.format}`);
  if (schema.default !== undefined) words.push(`default ${JSON.stringify(schema.default)}`);
  if (schema.deprecated) words.push('deprecated');
  return words.join(', ');
}

/** Every field under a JSON part, depth first, as `path  limits` lines (bounded: the resolved schema is finite). */
function nestedFields(resolved: Schema, path: string, lines: string[], depth = 0): string[] {
  if (depth > 6) return lines;
  if (types(resolved).includes('array') && resolved.items) return nestedFields(resolved.items, `${path}[]`, lines, depth + 1);
  for (const [name, target] of Object.entries(resolved.properties ?? {})) {
    const required = resolved.required?.includes(name) ? ', required' : '';
    lines.push(`${path}.${name}  ${limitsOf(target)}${required}`);
    nestedFields(target, `${path}.${name}`, lines, depth + 1);
  }
  return lines;
}

/** The request body's schema, every `$ref` already resolved by the generator. */
const requestSchema = specFacts.requestSchema as Schema;

/** An example value for a field, from the spec's largest named request example (`every_option`-like). */
function exampleOf(name: string): unknown {
  for (const example of [...specFacts.requestExamples].reverse()) {
    if (example.value[name] !== undefined) return example.value[name];
  }
  return undefined;
}

export const requestFields: FieldDescriptor[] = Object.entries(requestSchema.properties ?? {}).map(([name, schema]) => {
  const contract = wireContract.fields[name];
  const required = wireContract.required.includes(name);
  const description = (schema.description ?? '').replace(/\s+/g, ' ').trim();
  const base = { name, required, description, example: exampleOf(name) };
  if (contract?.part === 'file') {
    const { minItems, maxItems, maxBytes, mediaTypes } = contract;
    return { ...base, kind: 'file', limits: `${minItems}–${maxItems} files, ${mediaTypes.join(', ')}, ≤ ${maxBytes.toLocaleString('en')} bytes each` };
  }
  if (contract?.part === 'json') return { ...base, kind: 'json', limits: `JSON ${types(schema).join(' or ')}`, nested: nestedFields(schema, name, []) };
  if (schema.enum) return { ...base, kind: 'enum', limits: limitsOf(schema), enum: schema.enum.filter((value): value is string => typeof value === 'string') };
  if (types(schema).some((type) => type === 'integer' || type === 'number')) {
    return {
      ...base,
      kind: 'number',
      limits: limitsOf(schema),
      integer: types(schema).includes('integer'),
      ...(schema.minimum !== undefined ? { minimum: schema.minimum } : {}),
      ...(schema.maximum !== undefined ? { maximum: schema.maximum } : {}),
    };
  }
  return { ...base, kind: 'text', limits: limitsOf(schema), example: schema.examples?.[0] ?? base.example };
});
