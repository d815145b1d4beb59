/**
 * The spec as the generators read it, through Redocly's openapi-core (the parser and resolver behind `redocly lint`
 * and the docs): `raw` as written (its `$ref`s kept, for the bundled JSON, the types and the validators, which stay
 * small by sharing component schemas), and `resolved` with every `$ref` followed, for everything that only reads
 * values out of the spec. No generator follows a `$ref` by hand.
 */
import { createRequire } from 'node:module';

// Loaded with require, not import, as in types.ts (which says why).
const { bundle, createConfig } = createRequire(import.meta.url)(
  '@redocly/openapi-core',
) as typeof import('@redocly/openapi-core');

export type JsonSchema = { [key: string]: unknown };

export interface MediaTypeObject {
  schema?: JsonSchema;
  encoding?: Record<string, { contentType?: string }>;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

export interface ResponseObject {
  description: string;
  headers?: Record<string, unknown>;
  content?: Record<string, MediaTypeObject>;
}

export interface OperationObject {
  operationId: string;
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, ResponseObject>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; [key: string]: unknown };
  [key: string]: unknown;
}

export interface LoadedSpec {
  raw: OpenApiDocument;
  resolved: OpenApiDocument;
}

export async function loadSpec(specPath: string): Promise<LoadedSpec> {
  const config = await createConfig({});
  const [raw, resolved] = await Promise.all(
    [false, true].map(async (dereference) => {
      const { bundle: document, problems } = await bundle({ ref: specPath, config, dereference });
      const errors = problems.filter((problem) => problem.severity === 'error');
      if (errors.length > 0) throw new Error(`${specPath}: ${errors.map((problem) => problem.message).join('; ')}`);
      return document.parsed as OpenApiDocument;
    }),
  );
  return { raw: raw!, resolved: resolved! };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/**
 * The one operation this project is about: the only operation under `paths`. Every surface (client, mock, docs,
 * CLI) serves exactly one operation and reads it from generated/; this is the one place that enforces it.
 */
export function theOperation(doc: OpenApiDocument): { path: string; method: string; operation: OperationObject } {
  const found: { path: string; method: string; operation: OperationObject }[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (METHODS.includes(method)) found.push({ path: p, method, operation });
    }
  }
  if (found.length !== 1)
    throw new Error(
      `expected exactly one operation in the spec, found ${found.length}: a second endpoint needs the surfaces that refuse it today (see README, "Where a change goes")`,
    );
  return found[0]!;
}
