/** The few shapes of an OpenAPI 3.1 document that the generators walk, and $ref resolution within it. */
export type JsonSchema = { [key: string]: unknown };

export interface MediaTypeObject {
  schema?: JsonSchema;
  encoding?: Record<string, { contentType?: string }>;
  examples?: Record<string, { summary?: string; value: unknown }>;
}

export interface OperationObject {
  operationId: string;
  requestBody?: { required?: boolean; content: Record<string, MediaTypeObject> };
  responses: Record<string, unknown>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, OperationObject>>;
  components: { schemas: Record<string, JsonSchema>; [key: string]: unknown };
  [key: string]: unknown;
}

/** Follows a local `#/...` reference (or returns the object itself when it is not one). */
export function deref<T = JsonSchema>(doc: OpenApiDocument, node: unknown): T {
  let current = node as JsonSchema;
  const seen = new Set<string>();
  while (current && typeof current.$ref === 'string') {
    const ref = current.$ref;
    if (seen.has(ref)) throw new Error(`circular $ref ${ref}`);
    seen.add(ref);
    if (!ref.startsWith('#/')) throw new Error(`only local $refs are supported, got ${ref}`);
    current = ref
      .slice(2)
      .split('/')
      .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
      .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], doc) as JsonSchema;
    if (current === undefined) throw new Error(`unresolved $ref ${ref}`);
  }
  return current as T;
}

/** The one operation this project is about: the only operation under `paths`. */
export function theOperation(doc: OpenApiDocument): { path: string; method: string; operation: OperationObject } {
  const found: { path: string; method: string; operation: OperationObject }[] = [];
  for (const [p, item] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (['get', 'put', 'post', 'delete', 'patch'].includes(method)) found.push({ path: p, method, operation });
    }
  }
  if (found.length !== 1) throw new Error(`expected exactly one operation in the spec, found ${found.length}`);
  return found[0]!;
}
