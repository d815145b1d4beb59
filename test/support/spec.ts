/**
 * The spec as the tests read it: its generated facts (generated/spec-facts.js, every `$ref` already resolved by the
 * generator), in the shapes the tests index by name or status, and the bundled document itself for the few tests that
 * look at the whole (info, servers). No test resolves a `$ref` by hand.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { specFacts } from '../../generated/spec-facts.js';

export const specPath = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));
export const spec = JSON.parse(readFileSync(specPath, 'utf8'));

/** The request body's schema, every `$ref` resolved. */
export const requestSchema: any = specFacts.requestSchema;

/** The named request examples, by name. */
export const requestExamples: Record<string, { summary?: string; value: Record<string, unknown> }> = Object.fromEntries(
  specFacts.requestExamples.map(({ name, ...example }) => [name, example]),
);

type Examples = Record<string, { summary?: string; value: any }>;

/** Every documented response, shaped as in the spec: status → description, declared headers and content's examples. */
export const responses: Record<
  string,
  {
    description: string;
    headers: Record<string, { description?: string; schema?: any }>;
    content: Record<string, { examples: Examples }>;
  }
> = Object.fromEntries(
  specFacts.responses.map((response) => [
    response.status,
    {
      description: response.description,
      headers: response.headers,
      content: response.contentType
        ? {
            [response.contentType]: {
              examples: Object.fromEntries(response.examples.map(({ name, ...example }) => [name, example])),
            },
          }
        : {},
    },
  ]),
);
