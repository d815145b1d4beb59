/**
 * The bundled spec (generated/openapi.json) as the mock reads it: the operation's documented responses and their
 * named examples. Error bodies the mock writes itself (400, 413) start from these examples, so their code and
 * doc_url are the spec's, not copies.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** generated/openapi.json beside src/ (from src/mock) or dist/src/ (from dist/src/mock). */
export const defaultSpecPath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));

interface ResponseObject {
  content?: Record<string, { examples?: Record<string, { value?: unknown }> }>;
}

export interface SpecDocument {
  path: string;
  document: Record<string, unknown>;
  /** The named examples of one documented status, in the spec's order (refs resolved). */
  examples(status: number | string): Array<{ name: string; value: unknown }>;
}

export function loadSpecDocument(specPath = defaultSpecPath): SpecDocument {
  const document = JSON.parse(readFileSync(specPath, 'utf8')) as Record<string, any>;
  const deref = (node: any): any => {
    while (node && typeof node.$ref === 'string') {
      node = (node.$ref as string)
        .slice(2)
        .split('/')
        .reduce((value: any, key: string) => value?.[key.replace(/~1/g, '/').replace(/~0/g, '~')], document);
    }
    return node;
  };
  const operations = Object.values(document.paths as Record<string, Record<string, any>>).flatMap((item) => Object.values(item));
  if (operations.length !== 1) throw new Error(`${specPath}: the mock serves exactly one operation, found ${operations.length}`);
  const responses = operations[0].responses as Record<string, unknown>;
  return {
    path: specPath,
    document,
    examples(status) {
      const response = deref(responses[String(status)]) as ResponseObject | undefined;
      const json = Object.entries(response?.content ?? {}).find(([type]) => /json/.test(type))?.[1];
      return Object.entries(json?.examples ?? {}).map(([name, example]) => ({ name, value: deref(example).value }));
    },
  };
}
