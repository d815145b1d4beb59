/**
 * Conformance cases and the checks that give each one a verdict. A case is a request built from the spec's
 * schemas (valid, or invalid by exactly one mutation), either as the object a caller passes to the client or as
 * raw multipart parts (for what only the wire can express). Checks:
 *   client: prepareRequest, the pre-flight check;
 *   wire:   encodeMultipart's bytes, parsed back by busboy and checked by the spec (decodeTextParts, validators, file limits);
 *   mock:   the mock server's response to those bytes.
 * Every check must reach the expected verdict, and an invalid verdict must name the mutated field.
 */
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { RequestValidationError } from '../../src/client/errors.js';
import { encodeMultipart } from '../../src/client/multipart.js';
import { prepareRequest } from '../../src/client/request.js';
import { DELETE, everyFieldArb, fieldSites, siteFieldsArb, validFieldsArb, type Site } from './schema-arbitraries.js';
import { writeMultipart, type RawPart } from '../../scripts/multipart-writer.js';
import { imageSites, rawParts, readWire, validImageValueArb, wireImages, wireSites } from './wire.js';

const IMAGE = imageField.name;

export interface Expected {
  valid: boolean;
  /** The field an invalid verdict must name. */
  field: string;
}

export type Case =
  | { kind: 'object'; label: string; expected: Expected; request: Record<string, unknown> }
  | {
      kind: 'raw';
      label: string;
      expected: Expected;
      fields: Record<string, unknown>;
      image: unknown;
      mutate: (parts: RawPart[]) => RawPart[];
    };

export interface Verdict {
  valid: boolean;
  /** Fields the check named. */
  fields: string[];
  /** Extra facts for a report (status, message). */
  note?: string;
}

/** `image[2]` names `image`; `retry.count` names `retry`, and the other way round: a check may be more or less precise. */
export function names(verdict: Verdict, field: string): boolean {
  return verdict.fields.some(
    (named) =>
      named === field ||
      field.startsWith(`${named}.`) ||
      field.startsWith(`${named}[`) ||
      named.startsWith(`${field}.`) ||
      named.startsWith(`${field}[`),
  );
}

export function agrees(expected: Expected, verdict: Verdict): boolean {
  return verdict.valid === expected.valid && (expected.valid || names(verdict, expected.field));
}

// ---------------------------------------------------------------------------------------------------------------
// Case arbitraries

function withImage(fields: Record<string, unknown>, image: unknown): Record<string, unknown> {
  return image === DELETE ? fields : { ...fields, [IMAGE]: image };
}

export interface CaseSource {
  label: string;
  arb: fc.Arbitrary<Case>;
}

/** Every source of cases: valid requests, every field site, every image site, every wire-only site. */
export function caseSources(): CaseSource[] {
  const sources: CaseSource[] = [];
  sources.push({
    label: 'valid: random optional fields',
    arb: fc.tuple(validFieldsArb(), validImageValueArb).map(([fields, image]) => ({
      kind: 'object',
      label: 'valid: random optional fields',
      expected: { valid: true, field: '' },
      request: withImage(fields, image),
    })),
  });
  sources.push({
    label: 'valid: every optional field',
    arb: fc.tuple(everyFieldArb(), validImageValueArb).map(([fields, image]) => ({
      kind: 'object',
      label: 'valid: every optional field',
      expected: { valid: true, field: '' },
      request: withImage(fields, image),
    })),
  });
  for (const site of fieldSites()) sources.push(fieldSiteSource(site));
  for (const site of imageSites()) {
    const arb =
      site.value === DELETE
        ? validFieldsArb().map((fields) => ({ request: fields, index: undefined as number | undefined }))
        : fc
            .tuple(validFieldsArb(), site.value)
            .map(([fields, image]) => ({ request: withImage(fields, image.value), index: image.index }));
    sources.push({
      label: site.label,
      arb: arb.map(({ request, index }) => ({
        kind: 'object',
        label: site.label,
        expected: { valid: site.valid, field: index === undefined ? IMAGE : `${IMAGE}[${index}]` },
        request,
      })),
    });
  }
  for (const site of wireSites()) {
    sources.push({
      label: `wire: ${site.label}`,
      arb: fc.tuple(validFieldsArb(site.force ? [site.force] : []), validImageValueArb).map(([fields, image]) => ({
        kind: 'raw',
        label: `wire: ${site.label}`,
        expected: { valid: site.valid, field: site.field },
        fields,
        image,
        mutate: site.mutate,
      })),
    });
  }
  return sources;
}

function fieldSiteSource(site: Site): CaseSource {
  return {
    label: site.label,
    arb: fc.tuple(siteFieldsArb(site), validImageValueArb).map(([fields, image]) => ({
      kind: 'object',
      label: site.label,
      expected: { valid: site.valid, field: site.field },
      request: withImage(fields, image),
    })),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

export async function clientVerdict(request: Record<string, unknown>): Promise<Verdict> {
  try {
    await prepareRequest(request);
    return { valid: true, fields: [] };
  } catch (error) {
    if (error instanceof RequestValidationError)
      return { valid: false, fields: error.issues.map((issue) => issue.field), note: error.message };
    throw error;
  }
}

/** The request as the wire can carry it: null on a nullable field is an absent part (the spec's rule). */
function wireMeaning(fields: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).filter(([name, value]) => {
      if (value === undefined) return false;
      if (value !== null) return true;
      const field = wireContract.fields[name];
      return !(field && field.part !== 'file' && field.types.includes('null'));
    }),
  );
}

export interface WireBody {
  body: Blob;
  contentType: string;
}

/**
 * The bytes for a case: the client's encoder for object cases, the raw writer for raw ones. `undefined` when the
 * case cannot be written on the wire unchanged (the multipart form has no way to say it: a number where text is
 * expected reads back as text, a null on a non-nullable field is an absent part, a field the spec does not have is
 * not written); such a case is the client's alone.
 */
export async function wireBody(testCase: Case): Promise<{ wire?: WireBody; why?: string }> {
  if (testCase.kind === 'raw') {
    const images = await wireImages(testCase.image);
    return { wire: writeMultipart(testCase.mutate(rawParts(testCase.fields, images ?? []))) };
  }
  const { [IMAGE]: image, ...rest } = testCase.request;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, value]) => value !== undefined));
  const images = await wireImages(image);
  if (!images) return { why: `${IMAGE} is not bytes` };
  const { body, contentType } = encodeMultipart(fields, images);
  // Read the bytes back and compare them with the request: what the form cannot say is not a wire case.
  const reading = await readWire(body, contentType);
  // Bytes that are not even multipart are the wire's own verdict, not a value the form could not carry.
  if (reading.issues.some((issue) => issue.field === '(body)')) return { wire: { body, contentType } };
  // JSON-plain copy: the generators also make null-prototype objects, which the wire cannot (and need not) keep.
  if (!isDeepStrictEqual(reading.fields, JSON.parse(JSON.stringify(wireMeaning(fields)))))
    return { why: 'the multipart form cannot carry this value unchanged', wire: { body, contentType } };
  return { wire: { body, contentType } };
}

export async function wireVerdict(wire: WireBody): Promise<Verdict> {
  const reading = await readWire(wire.body, wire.contentType);
  return {
    valid: reading.issues.length === 0,
    fields: reading.issues.map((issue) => issue.field),
    note: reading.issues.map((i) => `${i.field}: ${i.message}`).join('; '),
  };
}

/** Fields an error body names: `details.field`, `details.issues[].field`, and `field:` prefixes of the message. */
export function fieldsOfErrorBody(body: unknown): string[] {
  const error = (body as { error?: { message?: unknown; details?: { field?: unknown; issues?: unknown } } } | null)
    ?.error;
  const out: string[] = [];
  if (typeof error?.details?.field === 'string') out.push(error.details.field);
  if (Array.isArray(error?.details?.issues))
    for (const issue of error.details.issues) if (typeof issue?.field === 'string') out.push(issue.field);
  if (typeof error?.message === 'string')
    for (const piece of error.message.split('; ')) {
      const match = /^([A-Za-z_][\w.[\]]*):/.exec(piece);
      if (match) out.push(match[1]!);
    }
  return out;
}

/** The mock's verdict on a response (its status and body as text): 200 with a body the spec accepts, or a 4xx with an error body the spec accepts. */
export function responseVerdict(status: number, text: string): Verdict {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return { valid: false, fields: ['(not JSON)'], note: `${status} ${text.slice(0, 200)}` };
  }
  if (status === 200) {
    return validateImageEditResponse(body)
      ? { valid: true, fields: [] }
      : { valid: false, fields: ['(200 body breaks the spec)'], note: text.slice(0, 200) };
  }
  if (status >= 400 && status < 500 && validateErrorResponse(body)) {
    return { valid: false, fields: fieldsOfErrorBody(body), note: `${status} ${text.slice(0, 300)}` };
  }
  return { valid: false, fields: [`(status ${status})`], note: text.slice(0, 300) };
}

/** A one-line, size-bounded rendering of a case for a failure report. */
export function describeCase(testCase: Case): string {
  const replacer = (_key: string, value: unknown) => {
    if (value instanceof Blob)
      return `Blob(${value.size}${value instanceof File ? `, ${JSON.stringify(value.name)}` : ''})`;
    if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength})`;
    if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength})`;
    if ((value as { type?: unknown })?.type === 'Buffer' && Array.isArray((value as { data?: unknown }).data))
      return `Buffer(${(value as { data: unknown[] }).data.length})`;
    return value;
  };
  const text = JSON.stringify(
    testCase.kind === 'object' ? testCase.request : { fields: testCase.fields, image: testCase.image },
    replacer,
  );
  return text.length > 600 ? `${text.slice(0, 600)}...` : text;
}

/** The run's seed: FC_SEED, or one printed by each test file for its report. */
export const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;

export interface CaseChecks {
  ok: boolean;
  clientOnly: boolean;
  client?: Verdict;
  wire?: Verdict;
  why?: string;
}

/** Both checks (client and wire) on one case; `ok` when each that could check it reached the expected verdict. */
export async function checkCase(testCase: Case): Promise<CaseChecks> {
  const client = testCase.kind === 'object' ? await clientVerdict(testCase.request) : undefined;
  const { wire, why } = await wireBody(testCase);
  if (why) {
    // A request the form cannot carry: only the client checks it, and a valid one must always be carried.
    const ok = !testCase.expected.valid && client !== undefined && agrees(testCase.expected, client);
    return { ok, clientOnly: true, client, why };
  }
  const wireChecked = await wireVerdict(wire!);
  const ok = (client === undefined || agrees(testCase.expected, client)) && agrees(testCase.expected, wireChecked);
  return { ok, clientOnly: false, client, wire: wireChecked };
}
