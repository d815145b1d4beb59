/** spec → generated/schema.d.ts with openapi-typescript; binary parts become `Blob`, not `string`. */
import { createRequire } from 'node:module';
import type { OpenApiDocument } from './openapi-document.ts';

// Loaded with require, not import: these packages are CommonJS (openapi-typescript ships both forms), and Node 20
// importing a CommonJS file from an ES module first compiles it to detect its format and scans it for export names,
// which for TypeScript's 8.7 MB took about half a second of every generation. Same packages, same code.
const require = createRequire(import.meta.url);
const ts = require('typescript') as typeof import('typescript');
const { default: openapiTS, astToString } = await loadOpenapiTypescript();

/** Its CommonJS build requires change-case, an ES module: Node 20.19 and later can require that, older releases import. */
async function loadOpenapiTypescript(): Promise<typeof import('openapi-typescript')> {
  try {
    return require('openapi-typescript') as typeof import('openapi-typescript');
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_REQUIRE_ESM') throw error;
    return import('openapi-typescript');
  }
}

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));

export async function buildTypes(spec: OpenApiDocument): Promise<string> {
  const ast = await openapiTS(structuredClone(spec) as never, {
    // A property with a default is still optional for the caller (the server fills it in).
    defaultNonNullable: false,
    silent: true,
    transform(schema) {
      if (schema && typeof schema === 'object' && 'format' in schema && schema.format === 'binary') return BLOB;
      return undefined;
    },
  });
  return astToString(ast);
}
