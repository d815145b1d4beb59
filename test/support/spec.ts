/** The bundled spec (generated/openapi.json), for tests that read examples and statuses from the contract itself. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const specPath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));
export const spec = JSON.parse(readFileSync(specPath, 'utf8'));

// The spec has exactly one operation (scripts/generate enforces it).
const operation: any = Object.values(spec.paths as Record<string, Record<string, unknown>>).flatMap((item) => Object.values(item))[0];

/** Resolves a local `#/...` reference. */
export function deref<T = any>(node: any): T {
  while (node && typeof node.$ref === 'string') {
    node = node.$ref
      .slice(2)
      .split('/')
      .reduce((value: any, key: string) => value?.[key], spec);
  }
  return node;
}

export const requestExamples: Record<string, { summary?: string; value: Record<string, unknown> }> =
  operation.requestBody.content['multipart/form-data'].examples;

/** Every documented response: status → its content's examples and declared headers. */
export const responses: Record<string, { description: string; headers?: Record<string, any>; content: Record<string, { examples: Record<string, { value: unknown }> }> }> =
  Object.fromEntries(Object.entries(operation.responses).map(([status, response]) => [status, deref(response)]));
