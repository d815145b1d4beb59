/**
 * spec → generated/spec-facts.js: what the surfaces other than the client need to know of the spec, read once here
 * (from the spec with every `$ref` resolved) so that no code under src/, test/, scripts/ or bench/ walks the spec
 * itself: the operation, the allowed values of every request field that has an enum, the named request examples
 * (and the smallest), the request schema resolved, every documented status with its declared headers and named
 * examples, the operation's security requirements (with their schemes), and its code samples (`x-codeSamples`).
 *
 * The client reads generated/wire-contract.js instead: these facts carry example bodies a browser bundle does
 * not need.
 */
import { readFileSync } from 'node:fs';
import { theOperation, type JsonSchema, type OpenApiDocument, type OperationObject } from './openapi-document.ts';
import type { CodeSample, HeaderFacts, NamedExample, SecurityScheme } from './spec-facts-types.ts';

/** The spec-independent types, as written once in spec-facts-types.ts (its first comment line left out). */
const typesSource = readFileSync(new URL('./spec-facts-types.ts', import.meta.url), 'utf8').replace(
  /^\/\*\*.*\*\/\n/,
  '',
);

/** Every string value an enum allows at `schema`, through anyOf/oneOf/allOf branches. */
function enumValues(schema: JsonSchema): string[] {
  const values = new Set<string>();
  const visit = (node: JsonSchema | undefined) => {
    if (!node) return;
    for (const value of (node.enum as unknown[] | undefined) ?? []) if (typeof value === 'string') values.add(value);
    for (const key of ['anyOf', 'oneOf', 'allOf'])
      for (const branch of (node[key] as JsonSchema[] | undefined) ?? []) visit(branch);
  };
  visit(schema);
  return [...values];
}

/** `field path → allowed values` for every enum in the request, nested ones by dotted path (`cache.type`). */
function requestEnums(body: JsonSchema): Record<string, string[]> {
  const enums: Record<string, string[]> = {};
  const walk = (schema: JsonSchema | undefined, path: string, depth: number) => {
    if (!schema || depth > 8) return;
    const values = enumValues(schema);
    if (path && values.length > 0) enums[path] = values;
    const branches = [schema, ...((schema.anyOf ?? schema.oneOf ?? []) as JsonSchema[])];
    for (const branch of branches) {
      for (const [name, child] of Object.entries((branch.properties ?? {}) as Record<string, JsonSchema>))
        walk(child, path ? `${path}.${name}` : name, depth + 1);
      if (branch.items && typeof branch.items === 'object') walk(branch.items as JsonSchema, `${path}[]`, depth + 1);
    }
  };
  walk(body, '', 0);
  return enums;
}

/** The operation's security requirements (its own, or the document's): alternatives, each a list of schemes. */
function securityOf(resolved: OpenApiDocument, operation: OperationObject): SecurityScheme[][] {
  const requirements = ((operation as { security?: unknown }).security ?? resolved.security ?? []) as Record<
    string,
    unknown
  >[];
  const schemes =
    (resolved.components as { securitySchemes?: Record<string, Record<string, string | undefined>> }).securitySchemes ??
    {};
  return requirements.map((requirement) =>
    Object.keys(requirement).map((name) => {
      const scheme = schemes[name];
      if (!scheme?.type)
        throw new Error(`the security requirement ${name} names no entry of components.securitySchemes`);
      return {
        name,
        type: scheme.type,
        ...(scheme.scheme ? { scheme: scheme.scheme } : {}),
        ...(scheme.in ? { in: scheme.in } : {}),
        ...(scheme.name ? { paramName: scheme.name } : {}),
      };
    }),
  );
}

function namedExamples(examples: Record<string, { summary?: string; value: unknown }> | undefined): NamedExample[] {
  return Object.entries(examples ?? {}).map(([name, example]) => ({
    name,
    ...(example.summary ? { summary: example.summary } : {}),
    value: example.value,
  }));
}

export function extractSpecFacts(resolved: OpenApiDocument) {
  const { path, method, operation } = theOperation(resolved);
  const [mediaType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
  if (!mediaType || !media?.schema) throw new Error('the operation has no request body schema');
  const requestExamples = namedExamples(media.examples) as (NamedExample & { value: Record<string, unknown> })[];
  const smallest = [...requestExamples].sort((a, b) => Object.keys(a.value).length - Object.keys(b.value).length)[0];
  if (!smallest)
    throw new Error(
      'the request body needs at least one named example (the mock prints the smallest as its curl example)',
    );
  const responses = Object.entries(operation.responses).map(([status, response]) => {
    const [contentType, content] = Object.entries(response.content ?? {})[0] ?? [];
    return {
      status,
      description: response.description,
      headers: (response.headers ?? {}) as Record<string, HeaderFacts>,
      contentType: contentType ?? null,
      examples: namedExamples(content?.examples),
    };
  });
  const codeSamples = ((operation as { 'x-codeSamples'?: CodeSample[] })['x-codeSamples'] ?? []).map(
    ({ lang, label, source }) => ({ lang, ...(label ? { label } : {}), source }),
  );
  return {
    operation: { operationId: operation.operationId, method: method.toUpperCase(), path, mediaType },
    requestSchema: media.schema,
    enums: requestEnums(media.schema),
    requestExamples,
    smallestRequestExample: smallest.name,
    responses,
    security: securityOf(resolved, operation),
    codeSamples,
  };
}

export function buildSpecFacts(resolved: OpenApiDocument): { js: string; dts: string } {
  const facts = extractSpecFacts(resolved);
  const js = `export const specFacts = ${JSON.stringify(facts, null, 2)};\n`;
  const literal = (values: readonly string[]) => values.map((value) => JSON.stringify(value)).join(' | ') || 'never';
  const enums = Object.entries(facts.enums).map(
    ([field, values]) => `    ${JSON.stringify(field)}: (${literal(values)})[];`,
  );
  const dts = `${typesSource}/** A documented status of the operation. */
export interface ResponseFacts {
  status: DocumentedStatus;
  description: string;
  /** The headers it declares (e.g. Retry-After), by name, resolved. */
  headers: Record<string, HeaderFacts>;
  /** Its body's media type, or null when it has none. */
  contentType: string | null;
  /** Its named examples, in the spec's order; the first is what an unnamed request for this status gets. */
  examples: NamedExample[];
}
/** Every status the spec documents for the operation. */
export type DocumentedStatus = ${literal(facts.responses.map((response) => response.status))};
export declare const specFacts: {
  operation: { operationId: ${JSON.stringify(facts.operation.operationId)}; method: ${JSON.stringify(facts.operation.method)}; path: ${JSON.stringify(facts.operation.path)}; mediaType: ${JSON.stringify(facts.operation.mediaType)} };
  /** The request body's JSON Schema with every \`$ref\` resolved (descriptions, limits and examples included). */
  requestSchema: Record<string, any>;
  /** Allowed values of every request field with an enum, by field path (nested: \`cache.type\`, items: \`models[]\`). */
  enums: {
${enums.join('\n')}
  };
  /** The named request examples, in the spec's order (images as file names). */
  requestExamples: NamedExample<Record<string, unknown>>[];
  /** The name of the request example with the fewest fields. */
  smallestRequestExample: string;
  /** Every documented status, in the spec's order. */
  responses: ResponseFacts[];
  /** The operation's security requirements: any one alternative suffices, and every scheme of it is needed. */
  security: SecurityScheme[][];
  /** The operation's code samples (\`x-codeSamples\`), in the spec's order. */
  codeSamples: CodeSample[];
};
`;
  return { js, dts };
}
