/** spec → generated/schema.d.ts with openapi-typescript; binary parts become `Blob`, not `string`. */
import ts from 'typescript';
import openapiTS, { astToString } from 'openapi-typescript';
import type { OpenApiDocument } from './openapi-document.ts';

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
