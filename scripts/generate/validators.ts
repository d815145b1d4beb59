/**
 * spec → generated/validators.js: ajv validators compiled ahead of time to standalone ESM and bundled with esbuild,
 * so the client needs neither ajv's compiler nor `new Function` at run time (they run under a strict CSP).
 *
 * Compiled: the request's non-file fields (as decoded values), the 200 body and the error body.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { theOperation, type JsonSchema, type LoadedSpec } from './openapi-document.ts';

// Loaded with require, not import, as in types.ts (which says why).
const require = createRequire(import.meta.url);
const { Ajv } = require('ajv') as typeof import('ajv');
const { default: addFormats } = require('ajv-formats') as typeof import('ajv-formats');
const standaloneCode = require('ajv/dist/standalone/index.js') as typeof import('ajv/dist/standalone/index.js');
const { build } = require('esbuild') as typeof import('esbuild');
import { extractWireContract } from './wire-contract.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SCHEMA_ID = 'urn:orq-image-edits:schemas';
// Keys that carry no validation: OpenAPI-only ones that ajv's strict mode rejects, and annotations that would
// only make the compiled code bigger (the code embeds the schema objects it reads enums and limits from).
const NON_VALIDATING = new Set([
  'example',
  'examples',
  'xml',
  'discriminator',
  'externalDocs',
  'description',
  'title',
  'deprecated',
]);

/** Deep copy of a schema with OpenAPI-only keys removed and `#/components/schemas/X` rewritten to `#/$defs/X`. */
function forAjv(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(forAjv);
  if (!node || typeof node !== 'object') return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-') || NON_VALIDATING.has(key)) continue;
    if (key === '$ref' && typeof value === 'string') out[key] = value.replace('#/components/schemas/', '#/$defs/');
    else out[key] = forAjv(value);
  }
  return out;
}

/** Names of component schemas reachable from the given roots, so unrelated ones (the binary file) stay out. */
function reachable(defs: Record<string, JsonSchema>, roots: JsonSchema[]): Set<string> {
  const found = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (!node || typeof node !== 'object') return;
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string' && value.startsWith('#/$defs/')) {
        const name = value.slice('#/$defs/'.length);
        if (!found.has(name)) {
          found.add(name);
          visit(defs[name]);
        }
      } else visit(value);
    }
  };
  roots.forEach(visit);
  return found;
}

/** What the validators are compiled from: one schema document with every root in `$defs`, and each export's $ref. */
export interface ValidatorSchemas {
  document: { $id: string; $defs: Record<string, unknown> };
  exports: Record<'validateEditFields' | 'validateImageEditResponse' | 'validateErrorResponse', string>;
  fileFields: string[];
}

export function validatorSchemas({ raw, resolved }: LoadedSpec): ValidatorSchemas {
  const operation = theOperation(raw).operation;
  const contract = extractWireContract(resolved);
  const fileFields = Object.keys(contract.fields).filter((name) => contract.fields[name]!.part === 'file');
  const allDefs = forAjv(raw.components.schemas) as Record<string, JsonSchema>;
  const mediaSchema = (response: { content?: Record<string, { schema?: JsonSchema }> } | undefined, type: string) => {
    const schema = response?.content?.[type]?.schema;
    if (!schema) throw new Error(`the operation declares no ${type} schema where the validators need one`);
    return forAjv(schema) as JsonSchema;
  };

  // The request as the validators see it: every field but the files, whose bytes are checked separately. Its
  // schema is a component (`#/$defs/...` once rewritten for ajv), copied so the file fields can be left out.
  const requestRef = mediaSchema(operation.requestBody, contract.mediaType).$ref;
  const requestDef = typeof requestRef === 'string' ? allDefs[requestRef.slice('#/$defs/'.length)] : undefined;
  if (!requestDef) throw new Error('the request body schema must be a $ref to a component schema');
  const fields: JsonSchema = { ...requestDef };
  fields.properties = Object.fromEntries(
    Object.entries(requestDef.properties as JsonSchema).filter(([name]) => !fileFields.includes(name)),
  );
  fields.required = (requestDef.required as string[]).filter((name) => !fileFields.includes(name));
  // Every error status shares one body schema; the 400's (resolved: it is a shared response object) stands for all.
  const okSchema = mediaSchema(operation.responses['200'], 'application/json');
  const errorSchema = mediaSchema(theOperation(resolved).operation.responses['400'], 'application/json');

  const roots: Record<string, JsonSchema> = {
    CreateImageEditFields: fields,
    ImageEditResponseBody: okSchema,
    ErrorResponseBody: errorSchema,
  };
  const used = reachable(allDefs, Object.values(roots));
  const $defs: Record<string, unknown> = { ...roots };
  for (const name of [...used].sort()) $defs[name] = allDefs[name];
  return {
    document: { $id: SCHEMA_ID, $defs },
    exports: {
      validateEditFields: `${SCHEMA_ID}#/$defs/CreateImageEditFields`,
      validateImageEditResponse: `${SCHEMA_ID}#/$defs/ImageEditResponseBody`,
      validateErrorResponse: `${SCHEMA_ID}#/$defs/ErrorResponseBody`,
    },
    fileFields,
  };
}

/**
 * ajv's standalone code merges a called validator's failures with `vErrors = vErrors === null ? v.errors :
 * vErrors.concat(v.errors)`, which copies every failure found so far once per failing call: inside an item loop
 * (`data`, `fallbacks`, `models`) N bad items cost O(N²), 20,000 of them seconds with the event loop blocked.
 * Appending in place makes validating any body linear in its size. Generation fails if ajv ever words the merge
 * differently, rather than leaving a quadratic one behind.
 */
export function linearErrorMerge(source: string): string {
  const merge = /vErrors = vErrors === null \? (validate\d+)\.errors : vErrors\.concat\(\1\.errors\);/g;
  const linear = source.replace(
    merge,
    (_, callee: string) =>
      `if (vErrors === null) vErrors = ${callee}.errors; else for (const e of ${callee}.errors) vErrors.push(e);`,
  );
  if (/\.concat\(/.test(linear))
    throw new Error(
      'validators: ajv merged failures with a form other than the one linearErrorMerge rewrites; update it',
    );
  return linear;
}

/**
 * Whether every string-length limit in `node` is one that counting UTF-16 units and counting characters agree on:
 * `minLength` 0 or 1 (a string is empty either way) and no `maxLength`.
 */
export function lengthLimitsCountAlike(node: unknown): boolean {
  if (Array.isArray(node)) return node.every(lengthLimitsCountAlike);
  if (!node || typeof node !== 'object') return true;
  const schema = node as Record<string, unknown>;
  if ('maxLength' in schema || (typeof schema.minLength === 'number' && schema.minLength > 1)) return false;
  return Object.values(schema).every(lengthLimitsCountAlike);
}

const UCS2LENGTH = 'require("ajv/dist/runtime/ucs2length").default';

/**
 * ajv counts a string's length in characters with its ucs2length helper, which the bundle would carry with a
 * CommonJS wrapper around it. Where every limit is one that counting UTF-16 units gives the same answer for
 * (lengthLimitsCountAlike), the helper is swapped for `.length`; generation fails on a limit where they differ.
 */
export function lengthByUnits(source: string, schemas: unknown): string {
  if (!source.includes(UCS2LENGTH)) return source;
  if (!lengthLimitsCountAlike(schemas))
    throw new Error("validators: a maxLength, or a minLength over 1, must count characters: keep ajv's ucs2length");
  return source.replace(UCS2LENGTH, '(text) => text.length');
}

/**
 * ajv writes each failure found as an object literal and a null check, once per check of the spec (about 150 times):
 *
 *   const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "model"}};
 *   if(vErrors === null){vErrors = [err0];}else {vErrors.push(err0);}
 *
 * Written instead as `(vErrors ??= []).push(failure(instancePath,"#/required",{missingProperty: "model"}))`, with
 * `failure` building the same object, its keyword read from the end of the schema path (where ajv puts it; a site
 * whose path ends otherwise keeps its keyword written out). `vErrors` is only ever null or an array, so `??=` is the
 * null check. Generation fails if ajv ever writes a failure in another form, rather than leaving both forms behind.
 */
export function compactFailures(source: string): string {
  if (/\bfailure\b/.test(source)) throw new Error('validators: ajv used the name `failure` that compactFailures adds');
  const site =
    /const (err\d+) = \{instancePath(?::(.*?))?,schemaPath:"([^"]*)",keyword:"([^"]+)",params:(\{.*?\})\};if\(vErrors === null\)\{vErrors = \[\1\];\}else \{vErrors\.push\(\1\);\}/g;
  const compact = source.replace(site, (_, _name, path: string | undefined, schemaPath: string, keyword, params) => {
    const at = path ?? 'instancePath';
    const made = schemaPath.endsWith(`/${keyword}`)
      ? `failure(${at},"${schemaPath}",${params})`
      : `{instancePath:${at},schemaPath:"${schemaPath}",keyword:"${keyword}",params:${params}}`;
    return `(vErrors ??= []).push(${made});`;
  });
  if (/const err\d+ = /.test(compact))
    throw new Error('validators: ajv wrote a failure in a form compactFailures does not rewrite; update it');
  const helper =
    'const failure = (instancePath, schemaPath, params) => ({instancePath, schemaPath, keyword: schemaPath.slice(schemaPath.lastIndexOf("/") + 1), params});';
  return compact.replace(/^"use strict";/, (strict) => strict + helper);
}

/**
 * Every validator takes and passes on `parentData`, `parentDataProperty` and `rootData`, which only keywords these
 * schemas do not use read ($data references, defaults, type coercion): dropped from every signature and call, so a
 * caller's own are ignored as they already were. Generation fails if anything still names them.
 */
export function withoutParentData(source: string): string {
  const lean = source
    .replaceAll(', parentData, parentDataProperty, rootData=data}', '}')
    .replace(/,parentData:[^,]+,parentDataProperty:[^,]+,rootData\}/g, '}');
  if (/parentData|rootData/.test(lean))
    throw new Error('validators: a validator reads parentData or rootData; withoutParentData must keep them');
  return lean;
}

/** The end (exclusive) of the JSON value that starts at `start` in `text`: its brackets closed, strings skipped. */
function jsonEnd(text: string, start: number): number {
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const char = text[i];
    if (inString) {
      if (char === '\\') i++;
      else if (char === '"') inString = false;
    } else if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if ((char === '}' || char === ']') && --depth === 0) return i + 1;
  }
  throw new Error('validators: a schema literal in the compiled code does not end');
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * The parts of `value` that `paths` read, whole; an object that `byKey` paths only look keys up in (ajv's
 * hasOwnProperty check for additionalProperties) keeps its keys, each with an empty schema.
 */
function pruned(value: unknown, paths: readonly string[][], byKey: readonly string[][]): unknown {
  if (paths.some((path) => path.length === 0) || !isPlainObject(value)) return value;
  const kept: Record<string, unknown> = {};
  if (byKey.some((path) => path.length === 0)) for (const key of Object.keys(value)) kept[key] = {};
  const below = (key: string, list: readonly string[][]) =>
    list.filter((path) => path[0] === key).map((path) => path.slice(1));
  for (const key of new Set([...paths, ...byKey].flatMap((path) => path.slice(0, 1))))
    kept[key] = pruned(value[key], below(key, paths), below(key, byKey));
  return kept;
}

/**
 * ajv's code embeds every schema it reads a value from whole (`schema7.properties.quality.enum` for an enum's
 * allowed values, `schema7.properties` to look a key up), limits, defaults and $refs included. Each is cut down to
 * what the code reads. Generation fails if the code reads a schema in a way this does not see (whole, or by a
 * computed key).
 */
export function pruneSchemaLiterals(source: string): string {
  if (/\bschema\d+(?![\d.]| = )|\bschema\d+(?:\.\w+)*\[/.test(source))
    throw new Error('validators: the code reads a schema whole or by a computed key; update pruneSchemaLiterals');
  const reads = new Map<string, { paths: string[][]; byKey: string[][] }>();
  for (const match of source.matchAll(/(\.call\()?\b(schema\d+)((?:\.\w+)+)/g)) {
    const read = reads.get(match[2]!) ?? { paths: [], byKey: [] };
    (match[1] ? read.byKey : read.paths).push(match[3]!.slice(1).split('.'));
    reads.set(match[2]!, read);
  }
  let out = '';
  let from = 0;
  for (const match of source.matchAll(/const (schema\d+) = /g)) {
    const start = match.index + match[0].length;
    const end = jsonEnd(source, start);
    const read = reads.get(match[1]!) ?? { paths: [], byKey: [] };
    out +=
      source.slice(from, start) + JSON.stringify(pruned(JSON.parse(source.slice(start, end)), read.paths, read.byKey));
    from = end;
  }
  return out + source.slice(from);
}

export async function buildValidators(spec: LoadedSpec): Promise<{ js: string; dts: string }> {
  const { document, exports, fileFields } = validatorSchemas(spec);

  // Compiled for size as much as for speed: the validators are most of the client's browser bundle.
  // - Ajv's draft-07 class: these schemas use only keywords that mean the same in draft-07 and 2020-12 (strict mode
  //   refuses any other, so a 2020-only keyword fails generation), and the 2020 class adds bookkeeping for
  //   unevaluated*/$dynamicRef to every function. Prism validates against the same schemas by draft-07 rules too.
  // - inlineRefs: false: a schema used in two places (retry, fallbacks, cache... at the top and under `orq`) is one
  //   function, not two copies.
  // - messages: false: no English sentence per check in the bundle; src/contract/issues.ts words every failure from
  //   its keyword and params, exactly as ajv would (test/unit/validator-messages.test.ts).
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    inlineRefs: false,
    messages: false,
    code: { source: true, esm: true },
  });
  addFormats.default(ajv);
  ajv.addSchema(document);
  const source = pruneSchemaLiterals(
    withoutParentData(compactFailures(lengthByUnits(linearErrorMerge(standaloneCode.default(ajv, exports)), document))),
  );

  // standalone ESM still require()s ajv's runtime helpers and ajv-formats; bundling inlines them.
  const bundled = await build({
    stdin: { contents: source, resolveDir: root, loader: 'js', sourcefile: 'validators.js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'neutral',
    // The client's own target (scripts/client-bundle.ts): compactFailures' `??=` is kept as written, not spelled out.
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'silent',
  });
  const js = bundled.outputFiles[0]!.text;

  const omitted = fileFields.map((n) => JSON.stringify(n)).join(' | ') || 'never';
  const dts = `import type { components } from './schema.js';

/** One failed check, as ajv reports it. */
export interface ValidationIssue {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, any>;
  /** Not set: the validators are compiled without messages (the package words each issue from keyword and params). */
  message?: string;
}
/** A compiled validator: a type guard whose last failures are on \`.errors\`. */
export interface Validator<T> {
  (data: unknown): data is T;
  errors?: ValidationIssue[] | null;
}
/** The request's fields other than the files, as values (JSON parts decoded, numbers as numbers). */
export type EditFields = Omit<components['schemas']['CreateImageEditRequest'], ${omitted}>;
export declare const validateEditFields: Validator<EditFields>;
export declare const validateImageEditResponse: Validator<components['schemas']['ImageEditResponse']>;
export declare const validateErrorResponse: Validator<components['schemas']['ErrorResponse']>;
`;
  return { js, dts };
}
