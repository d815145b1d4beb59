/**
 * The bundled spec (generated/openapi.json), whole, for Prism: it routes, checks credentials and builds answers from
 * the document itself. Everything else the mock knows of the spec (examples, statuses) comes from
 * src/contract/spec-facts.ts.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** generated/openapi.json beside src/ (from src/mock) or dist/src/ (from dist/src/mock). */
const documentPath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));

export function loadPrismDocument(): Record<string, unknown> {
  return JSON.parse(readFileSync(documentPath, 'utf8')) as Record<string, unknown>;
}
