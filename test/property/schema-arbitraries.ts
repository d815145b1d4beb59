/**
 * fast-check arbitraries read from the spec itself (generated/openapi.json): the request schema
 * `CreateImageEditRequest` and every component it references are walked, and each type, enum, minimum, maximum,
 * minLength, minItems, maxItems, `required`, `additionalProperties: false` and nullability becomes a generator of
 * valid values and a list of "sites": one place in a request where one mutation makes it invalid (or, for edge
 * sites, pins it to a limit and keeps it valid). Nothing here names a field of the spec: add a field or change a
 * limit in spec/openapi.yaml and the cases follow.
 */
import fc from 'fast-check';
import { imageField } from '../../src/contract/spec.js';
import { requestSchema as resolvedRequestSchema } from '../support/spec.js';

export type Segment = string | number;
export type Path = readonly Segment[];

/** A schema node as found in the bundled spec (after `$ref` resolution). */
export interface SchemaNode {
  type?: string | string[];
  enum?: unknown[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  format?: string;
  items?: SchemaNode;
  properties?: Record<string, SchemaNode>;
  required?: string[];
  additionalProperties?: boolean | SchemaNode;
  oneOf?: SchemaNode[];
  $ref?: string;
}

/** The request body's schema, every `$ref` resolved by the generator. */
export const requestSchema: SchemaNode = resolvedRequestSchema;
/** Non-file fields of the request, in spec order. */
export const fieldNames: string[] = Object.keys(requestSchema.properties ?? {}).filter(
  (name) => name !== imageField.name,
);
export const requiredFields: string[] = (requestSchema.required ?? []).filter((name) => name !== imageField.name);

/** `retry.count`, `fallbacks[0].model`: how RequestIssue names a path. */
export function formatPath(path: Path): string {
  return path.reduce<string>(
    (out, segment) => (typeof segment === 'number' ? `${out}[${segment}]` : out ? `${out}.${segment}` : segment),
    '',
  );
}

function typesOf(node: SchemaNode): string[] {
  if (Array.isArray(node.type)) return node.type;
  if (typeof node.type === 'string') return [node.type];
  if (node.properties) return ['object'];
  if (node.items) return ['array'];
  return [];
}

/** A short label for a value's JSON type. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

// Strings: well-formed Unicode (graphemes), so that a value survives UTF-8 on the wire unchanged.
const MAX_STRING = 24;
const MAX_ARRAY = 3; // arrays without a maxItems of their own
const MAX_DEPTH_FREE = 2;

/** An e-mail address built from parts the `email` format accepts (ajv-formats' full mode). */
const emailArb: fc.Arbitrary<string> = fc
  .tuple(
    fc.stringMatching(/^[a-z0-9][a-z0-9._+-]{0,10}[a-z0-9]$/),
    fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/),
    fc.stringMatching(/^[a-z]{2,6}$/),
  )
  .filter(([local]) => !local.includes('..'))
  .map(([local, domain, tld]) => `${local}@${domain}.${tld}`);

/** A free-form JSON object (a schema `type: object` with no properties). */
const freeObjectArb = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: MAX_DEPTH_FREE }), {
  maxKeys: 3,
});

/**
 * Valid values of `node`. `force` is a path that must exist in the value: objects along it include the key,
 * arrays have an element at the index (always 0 here), and nullable nodes on it are not null.
 */
export function validArb(input: SchemaNode, force: Path = []): fc.Arbitrary<unknown> {
  const node = input;
  const types = typesOf(node);
  const nullable = types.includes('null');
  const nonNull = types.filter((t) => t !== 'null');
  let base: fc.Arbitrary<unknown>;
  if (node.enum) {
    const values = node.enum.filter((v) => v !== null);
    base = fc.constantFrom(...values);
  } else if (nonNull[0] === 'object') {
    base = objectArb(node, force);
  } else if (nonNull[0] === 'array') {
    base = arrayArb(node, force);
  } else if (nonNull[0] === 'integer') {
    const min = node.minimum ?? -(2 ** 31);
    const max = node.maximum ?? 2 ** 31 - 1;
    base = fc.oneof(fc.constantFrom(min, max), fc.integer({ min, max }));
  } else if (nonNull[0] === 'number') {
    const min = node.minimum ?? -1e9;
    const max = node.maximum ?? 1e9;
    base = fc.oneof(
      fc.constantFrom(min, max),
      fc.double({ min, max, noNaN: true, noDefaultInfinity: true }).filter((v) => !Object.is(v, -0)),
    );
  } else if (nonNull[0] === 'string') {
    base =
      node.format === 'email'
        ? emailArb
        : fc.string({
            unit: 'grapheme',
            minLength: node.minLength ?? 0,
            maxLength: Math.max(node.minLength ?? 0, MAX_STRING),
          });
  } else if (nonNull[0] === 'boolean') {
    base = fc.boolean();
  } else {
    throw new Error(`schema-arbitraries: no generator for schema ${JSON.stringify(node).slice(0, 120)}`);
  }
  return nullable && force.length === 0
    ? fc.oneof({ weight: 4, arbitrary: base }, { weight: 1, arbitrary: fc.constant(null) })
    : base;
}

function objectArb(node: SchemaNode, force: Path): fc.Arbitrary<unknown> {
  const properties = node.properties;
  if (!properties) return freeObjectArb;
  const [head, ...rest] = force;
  const model: Record<string, fc.Arbitrary<unknown>> = {};
  for (const [key, child] of Object.entries(properties)) model[key] = validArb(child, key === head ? rest : []);
  const requiredKeys = [...new Set([...(node.required ?? []), ...(typeof head === 'string' ? [head] : [])])];
  return fc.record(model, { requiredKeys });
}

function arrayArb(node: SchemaNode, force: Path): fc.Arbitrary<unknown> {
  const item = node.items!;
  const minLength = Math.max(node.minItems ?? 0, force.length > 0 ? 1 : 0);
  const maxLength = Math.max(minLength, Math.min(node.maxItems ?? MAX_ARRAY, 16));
  if (force.length === 0) return fc.array(validArb(item), { minLength, maxLength });
  const [, ...rest] = force;
  return fc
    .tuple(validArb(item, rest), fc.array(validArb(item), { minLength: minLength - 1, maxLength: maxLength - 1 }))
    .map(([first, others]) => [first, ...others]);
}

/** Valid request fields (no image), every optional field sometimes present; `force` as in validArb. */
export function validFieldsArb(force: Path = []): fc.Arbitrary<Record<string, unknown>> {
  const fields: SchemaNode = {
    ...requestSchema,
    properties: Object.fromEntries(fieldNames.map((name) => [name, requestSchema.properties![name]!])),
    required: requiredFields,
  };
  return validArb(fields, force) as fc.Arbitrary<Record<string, unknown>>;
}

/** Every optional field present. */
export function everyFieldArb(): fc.Arbitrary<Record<string, unknown>> {
  const fields: SchemaNode = {
    ...requestSchema,
    properties: Object.fromEntries(fieldNames.map((name) => [name, requestSchema.properties![name]!])),
    required: fieldNames,
  };
  return validArb(fields) as fc.Arbitrary<Record<string, unknown>>;
}

export const DELETE = Symbol('delete');

/** One place in the request and what is done there. */
export interface Site {
  /** e.g. `retry.count: maximum + 1`. */
  label: string;
  /** Where the request must have a value for the mutation to apply (the parent, for added or deleted keys). */
  force: Path;
  /** The path that is set (or deleted). */
  path: Path;
  value: fc.Arbitrary<unknown> | typeof DELETE;
  /** Does the request stay valid? */
  valid: boolean;
  /** The field the verdict must name when invalid (RequestIssue form). */
  field: string;
}

/** A value of some JSON type other than `types` (for "wrong type" mutations). */
function wrongTypeValues(types: string[]): unknown[] {
  const candidates: [string, unknown][] = [
    ['string', 'not-a-number'],
    ['integer', 42],
    ['number', 1.5],
    ['object', { unexpected: true }],
    ['array', [1]],
    ['boolean', true],
  ];
  const accepts = (kind: string) => types.includes(kind) || (kind === 'integer' && types.includes('number'));
  const out = candidates.filter(([kind]) => !accepts(kind)).map(([, value]) => value);
  // Prefer a scalar and a container, so both kinds of wrong type are tried.
  const scalar = out.find((v) => typeof v !== 'object');
  const container = out.find((v) => typeof v === 'object');
  return [scalar, container].filter((v) => v !== undefined);
}

/** Every mutation and edge site below `node` at `path`. */
function sitesOf(input: SchemaNode, path: Path, out: Site[]): void {
  const node = input;
  const types = typesOf(node);
  const field = formatPath(path);
  const set = (label: string, value: unknown, valid: boolean) =>
    out.push({ label: `${field}: ${label}`, force: path, path, value: fc.constant(value), valid, field });

  // Type and nullability.
  for (const wrong of wrongTypeValues(types)) set(`wrong type (${jsonType(wrong)})`, wrong, false);
  // Objects that are not plain: \`typeof\` says object, but what travels is their JSON (a number, a date string).
  if (path.length === 1 && types.includes('object') && !types.includes('string') && !types.includes('number')) {
    out.push({
      label: `${field}: a boxed number (new Number(1)), sent as 1`,
      force: path,
      path,
      value: fc.constant(null).map(() => new Number(1)),
      valid: false,
      field,
    });
    out.push({
      label: `${field}: a Date, sent as a date string`,
      force: path,
      path,
      value: fc.constant(null).map(() => new Date(0)),
      valid: false,
      field,
    });
  }
  if (types.includes('null')) set('null (nullable)', null, true);
  else set('null (not nullable)', null, false);

  if (node.enum) {
    for (const value of node.enum) set(`enum ${JSON.stringify(value)}`, value, true);
    set('not in enum', types.includes('string') ? 'not-in-enum' : 12345, false);
  }
  if (typeof node.minimum === 'number') {
    const integer = types.includes('integer');
    set(`minimum ${node.minimum}`, node.minimum, true);
    set(
      `below minimum ${node.minimum}`,
      integer ? node.minimum - 1 : node.minimum > 0 ? node.minimum / 2 : node.minimum - 1,
      false,
    );
  }
  if (typeof node.maximum === 'number') {
    const integer = types.includes('integer');
    set(`maximum ${node.maximum}`, node.maximum, true);
    set(`above maximum ${node.maximum}`, integer ? node.maximum + 1 : node.maximum + 0.5, false);
  }
  if (types.includes('integer') && node.enum === undefined) set('not an integer', (node.minimum ?? 1) + 0.5, false);
  if (typeof node.minLength === 'number' && node.minLength > 0) {
    set(`minLength ${node.minLength}`, 'x'.repeat(node.minLength), true);
    set(`shorter than minLength ${node.minLength}`, 'x'.repeat(node.minLength - 1), false);
  }
  if (node.format === 'email') set('not an email', 'not-an-email', false);

  if (types.includes('array') && node.items) {
    const item = node.items;
    const min = node.minItems ?? 0;
    const arrayOf = (length: number) => fc.array(validArb(item), { minLength: length, maxLength: length });
    out.push({ label: `${field}: minItems ${min}`, force: path, path, value: arrayOf(min), valid: true, field });
    if (min > 0)
      out.push({
        label: `${field}: fewer than minItems ${min}`,
        force: path,
        path,
        value: arrayOf(min - 1),
        valid: false,
        field,
      });
    if (typeof node.maxItems === 'number') {
      out.push({
        label: `${field}: maxItems ${node.maxItems}`,
        force: path,
        path,
        value: arrayOf(node.maxItems),
        valid: true,
        field,
      });
      out.push({
        label: `${field}: more than maxItems ${node.maxItems}`,
        force: path,
        path,
        value: arrayOf(node.maxItems + 1),
        valid: false,
        field,
      });
    }
    sitesOf(item, [...path, 0], out);
  }

  if (types.includes('object') && node.properties) {
    for (const key of node.required ?? []) {
      const child = [...path, key];
      out.push({
        label: `${formatPath(child)}: required, dropped`,
        force: path,
        path: child,
        value: DELETE,
        valid: false,
        field: formatPath(child),
      });
    }
    if (node.additionalProperties === false) {
      const child = [...path, 'x_not_in_spec'];
      out.push({
        label: `${formatPath(child)}: unknown key (additionalProperties: false)`,
        force: path,
        path: child,
        value: fc.constant(1),
        valid: false,
        field: formatPath(child),
      });
    }
    for (const [key, child] of Object.entries(node.properties)) sitesOf(child, [...path, key], out);
  }
}

/** Every site of the request's non-file fields, derived from the schema. */
export function fieldSites(): Site[] {
  const out: Site[] = [];
  for (const name of requiredFields)
    out.push({
      label: `${name}: required, dropped`,
      force: [],
      path: [name],
      value: DELETE,
      valid: false,
      field: name,
    });
  if (requestSchema.additionalProperties === false) {
    out.push({
      label: 'x_not_in_spec: unknown field (additionalProperties: false)',
      force: [],
      path: ['x_not_in_spec'],
      value: fc.constant('1'),
      valid: false,
      field: 'x_not_in_spec',
    });
  }
  for (const name of fieldNames) sitesOf(requestSchema.properties![name]!, [name], out);
  return out;
}

/** Sets (or deletes) `path` in a deep copy of `root`. */
export function setAt(root: Record<string, unknown>, path: Path, value: unknown): Record<string, unknown> {
  const copy = structuredClone(root);
  let node: any = copy;
  for (const segment of path.slice(0, -1)) node = node[segment];
  const last = path[path.length - 1]!;
  if (value === DELETE) {
    if (Array.isArray(node)) node.splice(last as number, 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** The field arbitraries for one site: a valid base with the path forced, then the site's change. */
export function siteFieldsArb(site: Site): fc.Arbitrary<Record<string, unknown>> {
  const base = validFieldsArb(site.force);
  if (site.value === DELETE) return base.map((fields) => setAt(fields, site.path, DELETE));
  return fc.tuple(base, site.value).map(([fields, value]) => setAt(fields, site.path, value));
}
