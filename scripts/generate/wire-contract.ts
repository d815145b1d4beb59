/**
 * spec → generated/wire-contract.js: the multipart encoding of the request, read out of the spec once so the
 * client, the mock and the tests share one small runtime object (the whole spec is too big for a browser bundle).
 */
import { readFileSync } from 'node:fs';
import { theOperation, type JsonSchema, type OpenApiDocument } from './openapi-document.ts';
import type { FieldContract, FileFieldContract } from './wire-contract-types.ts';

/** The field contract types, as written once in wire-contract-types.ts (its first comment line left out). */
const typesSource = readFileSync(new URL('./wire-contract-types.ts', import.meta.url), 'utf8').replace(
  /^\/\*\*.*\*\/\n/,
  '',
);

const FILE_LIMIT_KEY = 'x-max-file-bytes';
const RESULT_IMAGE_LIMIT_KEY = 'x-max-image-bytes';
const RESPONSE_LIMIT_KEY = 'x-max-response-bytes';

function isBinary(schema: JsonSchema): boolean {
  return schema.type === 'string' && schema.format === 'binary';
}

function fileField(name: string, schema: JsonSchema, contentType: string | undefined): FileFieldContract | undefined {
  const variants = (schema.oneOf ?? schema.anyOf ?? [schema]) as JsonSchema[];
  let single: JsonSchema | undefined;
  let array: JsonSchema | undefined;
  for (const variant of variants) {
    if (isBinary(variant)) single = variant;
    else if (variant.type === 'array' && isBinary(variant.items as JsonSchema)) array = variant;
  }
  if (!single && !array) return undefined;
  const item: JsonSchema = single ?? (array!.items as JsonSchema);
  const maxBytes = item[FILE_LIMIT_KEY];
  if (typeof maxBytes !== 'number') throw new Error(`file field ${name}: its binary schema needs ${FILE_LIMIT_KEY}`);
  if (!contentType) throw new Error(`file field ${name}: the encoding map must list its media types`);
  return {
    part: 'file',
    mediaTypes: contentType
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    minItems: array ? ((array.minItems as number | undefined) ?? 0) : 1,
    maxItems: array ? ((array.maxItems as number | undefined) ?? Number.MAX_SAFE_INTEGER) : 1,
    maxBytes,
  };
}

function valueTypes(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type as string[];
  if (typeof schema.type === 'string') return [schema.type];
  return ['string'];
}

/** What the 200 response's images may be: the byte limit of one image (`x-max-image-bytes` on `data`'s items). */
function resultImageLimits(responses: Record<string, { content?: Record<string, { schema?: JsonSchema }> }>): {
  maxBytes: number;
} {
  const body = responses['200']?.content?.['application/json']?.schema;
  const items = ((body?.properties as Record<string, JsonSchema> | undefined)?.data?.items ?? {}) as JsonSchema;
  const maxBytes = items[RESULT_IMAGE_LIMIT_KEY];
  if (typeof maxBytes !== 'number') throw new Error(`the 200 response's data items need ${RESULT_IMAGE_LIMIT_KEY}`);
  return { maxBytes };
}

/** The request's wire form, from the spec with every `$ref` resolved. */
export function extractWireContract(spec: OpenApiDocument) {
  const { path, method, operation } = theOperation(spec);
  const content = operation.requestBody?.content ?? {};
  const mediaType = Object.keys(content)[0];
  if (mediaType !== 'multipart/form-data')
    throw new Error(`expected a multipart/form-data request body, got ${mediaType}`);
  const media = content[mediaType]!;
  const body = media.schema!;
  const encoding = media.encoding ?? {};
  const fields: Record<string, FieldContract> = {};
  for (const [name, schema] of Object.entries(body.properties as Record<string, JsonSchema>)) {
    const contentType = encoding[name]?.contentType;
    const file = fileField(name, schema, contentType);
    if (file) fields[name] = file;
    else if (contentType && /json/.test(contentType))
      fields[name] = { part: 'json', types: valueTypes(schema), contentType };
    else fields[name] = { part: 'text', types: valueTypes(schema) };
  }
  const servers = ((spec.servers as { url: string }[] | undefined) ?? []).map((server) => server.url);
  const maxResponseBytes = (operation as unknown as Record<string, unknown>)[RESPONSE_LIMIT_KEY];
  if (typeof maxResponseBytes !== 'number' || !Number.isSafeInteger(maxResponseBytes) || maxResponseBytes <= 0) {
    throw new Error(`the operation needs ${RESPONSE_LIMIT_KEY}: the largest response a client reads, in bytes`);
  }
  return {
    operationId: operation.operationId,
    servers,
    method: method.toUpperCase(),
    path,
    mediaType,
    required: (body.required as string[] | undefined) ?? [],
    fields,
    resultImage: resultImageLimits(operation.responses),
    maxResponseBytes,
  };
}

export function buildWireContract(spec: OpenApiDocument): { js: string; dts: string } {
  const contract = extractWireContract(spec);
  const js = `export const wireContract = ${JSON.stringify(contract, null, 2)};\n`;
  const fileNames = Object.entries(contract.fields)
    .filter(([, f]) => f.part === 'file')
    .map(([n]) => JSON.stringify(n));
  const dts = `${typesSource}/** Names of the request's file fields. */
export type FileFieldName = ${fileNames.join(' | ') || 'never'};
export declare const wireContract: {
  operationId: ${JSON.stringify(contract.operationId)};
  /** The spec's servers, in order; the first is the client's default base URL. */
  servers: string[];
  method: ${JSON.stringify(contract.method)};
  path: ${JSON.stringify(contract.path)};
  mediaType: ${JSON.stringify(contract.mediaType)};
  required: string[];
  fields: Record<string, FieldContract>;
  /** One image of the 200 response: its largest size in bytes, decoded or downloaded (the spec's x-max-image-bytes). */
  resultImage: { maxBytes: number };
  /** Largest response (any status) a client reads, in bytes once decoded (the spec's x-max-response-bytes). */
  maxResponseBytes: number;
};
`;
  return { js, dts };
}
