/**
 * What the spec says of a request, for every surface that checks one (the Node mock, the MSW handlers, the validating
 * proxy, `npm run check-server`):
 *
 *   checkOperationHead: credentials (401 from the spec) → media type → Content-Length       (no body read yet)
 *   checkBody:          the body as a door read it → 413 / 400 naming every field, or the checked request
 *
 * The fields are checked with the client's own pieces (`decodeTextParts` for the encoding map, the generated
 * `validateEditFields`, the spec's image rules). Every issue is reported, the first MAX_LISTED_ISSUES named and the
 * rest counted, and the work per request is bounded: JSON parts hold at most MAX_JSON_VALUES values in all before the
 * validator sees them, so an array of a hundred thousand items costs a count, not a validation and a report.
 */
import type { components } from '../../../generated/schema.js';
import { validateEditFields } from '../../../generated/validators.js';
import { decodeTextParts } from '../../contract/decode-parts.js';
import { headerOf, mediaTypeOf } from '../../contract/headers.js';
import { imageCountIssue, checkImage } from '../../contract/images.js';
import { describeIssues, issuesFromAjv, MAX_LISTED_ISSUES, type RequestIssue } from '../../contract/issues.js';
import { examplesOf, responseFacts, imageField, maxRequestBodyBytes, wireContract } from '../../contract/spec.js';
import type {
  BodyLimits,
  MockEngine,
  MockPreferences,
  MockResponse,
  ReceivedBody,
  ReceivedFile,
  ReceivedText,
  RequestHead,
} from './types.js';

/** Values (objects, arrays and scalars) the JSON parts of one request may hold together: far above any real request. */
const MAX_JSON_VALUES = 10_000;

export const bodyLimits: BodyLimits = {
  maxFileBytes: imageField.limits.maxBytes,
  maxBodyBytes: maxRequestBodyBytes,
  // Text parts share the room the spec's body limit leaves beside the files.
  maxTextBytes: maxRequestBodyBytes - imageField.limits.maxItems * imageField.limits.maxBytes,
  // Every field once and every image, with room for a client's extra (invalid, reported) parts.
  maxParts: 4 * (Object.keys(wireContract.fields).length + imageField.limits.maxItems),
};

/** The words of each refusal while a body is read: one place for both doors' readers, so both refuse alike. */
export const bodyIssues = {
  bodyTooLarge: (limits: BodyLimits, declared?: number): RequestIssue => ({
    field: '(body)',
    message:
      declared === undefined
        ? `is over the limit of ${limits.maxBodyBytes} bytes for a whole request`
        : `is ${declared} bytes, over the limit of ${limits.maxBodyBytes} bytes for a whole request`,
  }),
  fileTooLarge: (field: string, limits: BodyLimits): RequestIssue => ({
    field,
    message: `is over the limit of ${limits.maxFileBytes} bytes per image (more than ${limits.maxFileBytes} bytes received)`,
  }),
  textTooLarge: (field: string, limits: BodyLimits): RequestIssue => ({
    field,
    message: `takes the text parts over their limit of ${limits.maxTextBytes} bytes in all`,
  }),
  tooManyParts: (limits: BodyLimits): RequestIssue => ({
    field: '(body)',
    message: `has more than ${limits.maxParts} parts`,
  }),
  notMultipart: (reason: string): RequestIssue => ({
    field: '(body)',
    message: `is not valid multipart/form-data (${reason})`,
  }),
};

/**
 * A refusal: the status's first example in the spec (its `code` and `doc_url`) with a message naming the fields.
 * `omitted` counts issues found beyond those in the list (a caller that stopped looking early passes its count).
 */
export function errorResponse(status: number, issues: readonly RequestIssue[], omitted = 0): MockResponse {
  const example = examplesOf(status)[0]?.value as components['schemas']['ErrorResponse'] | undefined;
  const shown = issues.slice(0, MAX_LISTED_ISSUES);
  const more = omitted + issues.length - shown.length;
  const error = {
    ...(example?.error ?? { message: '' }),
    message: describeIssues(shown) + (more > 0 ? `; and ${more} more issue${more === 1 ? '' : 's'}` : ''),
    details: {
      field: shown[0]?.field,
      issues: shown.map((issue) => ({ ...issue })),
      ...(more > 0 ? { omitted_issues: more } : {}),
    },
  };
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ error }) };
}

/** The header a 503 carries to say when to come back, as the spec's 503 names it. */
const RETRY_AFTER = Object.keys(responseFacts(503)?.headers ?? {}).find((name) => name.toLowerCase() === 'retry-after');

/** 503 with the spec's Retry-After, in whole seconds: the mock did no work for this request and may after that delay. */
export function unavailableResponse(issue: RequestIssue, retryAfterSeconds: number): MockResponse {
  const response = errorResponse(503, [issue]);
  return RETRY_AFTER
    ? { ...response, headers: { ...response.headers, [RETRY_AFTER]: String(retryAfterSeconds) } }
    : response;
}

/** A refusal: the response the mock sends for it and the issues it names. */
export interface Refusal {
  response: MockResponse;
  issues: RequestIssue[];
}

/** The refusal of one issue, as every check before the fields' own gives it. */
function refusal(status: number, issue: RequestIssue): Refusal {
  return { response: errorResponse(status, [issue]), issues: [issue] };
}

const MULTIPART = new RegExp(`^${wireContract.mediaType.replace('/', '\\/')}\\s*(;|$)`, 'i');

/**
 * What the spec alone says of the head of a request to the operation, whatever a mock would choose to respond:
 * credentials (401 from the spec), media type, declared size. The first violation, or undefined when the head is fine.
 */
export async function checkOperationHead(
  engine: MockEngine,
  head: RequestHead,
  preferences: MockPreferences = {},
  authorized = engine.authorized(head),
): Promise<Refusal | undefined> {
  const credentials = credentialsIssue(head, authorized);
  if (credentials)
    return { response: await engine.respond(head, preferences, { unauthorized: true }), issues: [credentials] };
  return checkBodyHead(head);
}

/** The credentials of a head as an issue, when they are not what the spec asks (`authorized` is the engine's say). */
export function credentialsIssue(head: RequestHead, authorized: boolean): RequestIssue | undefined {
  if (authorized) return undefined;
  return {
    field: '(credentials)',
    message: `${headerOf(head.headers, 'authorization') === undefined ? 'are missing' : 'are not what the spec asks'} (Authorization: Bearer <key>)`,
  };
}

/** The body as its head declares it: the spec's media type (400) and at most the spec's size (413). */
export function checkBodyHead(head: RequestHead): Refusal | undefined {
  const type = headerOf(head.headers, 'content-type') ?? '';
  if (!MULTIPART.test(type))
    return refusal(400, {
      field: '(body)',
      message: `must be ${wireContract.mediaType} (got ${type ? JSON.stringify(type) : 'no Content-Type'})`,
    });
  const length = headerOf(head.headers, 'content-length');
  if (length !== undefined && Number(length) > maxRequestBodyBytes)
    return refusal(413, bodyIssues.bodyTooLarge(bodyLimits, Number(length)));
  return undefined;
}

/** A refusal (413 for size, 400 for everything else) with the request as read when it was read whole, or the request the spec accepts. */
export function checkBody(body: ReceivedBody): (Refusal & { request?: CheckedRequest }) | { request: CheckedRequest } {
  if (body.outcome === 'aborted') return refusal(400, { field: '(body)', message: 'ended before it was complete' });
  if (body.outcome !== 'complete') return refusal(body.outcome === 'too-large' ? 413 : 400, body.issue);
  const request = checkRequest(body.textParts, body.files);
  if (request.issues.length > 0)
    return { response: errorResponse(400, request.issues, request.omitted), issues: request.issues, request };
  return { request };
}

/** The file field a part name belongs to: the field itself, or the `name[]` spelling OpenAI-compatible clients use. */
function fileFieldOf(partName: string): string | undefined {
  if (partName === imageField.name || partName === `${imageField.name}[]`) return imageField.name;
  return undefined;
}

/**
 * Names each file part as issues report it, in the order they arrive: `image[0]`, `image[1]`, ... for the parts of the
 * file field (sent as `image` or `image[]`), with their `index` there; its own name for any other part. One per request.
 */
export function fileFieldNamer(): (partName: string) => { field: string; index?: number } {
  const perField = new Map<string, number>();
  return (partName) => {
    const owner = fileFieldOf(partName);
    if (owner === undefined) return { field: partName };
    const index = perField.get(owner) ?? 0;
    perField.set(owner, index + 1);
    return { field: `${owner}[${index}]`, index };
  };
}

/**
 * The media type a file part declares, as the check takes it. A part with no Content-Type of its own (Python's
 * requests for `files=`) is text/plain by RFC 7578's default, as busboy reports it: that cannot be told from no
 * declaration, so like none (and application/octet-stream, "type unknown") it leaves the bytes to decide.
 */
export function declaredFileType(reported: string | undefined): string | undefined {
  const type = mediaTypeOf(reported);
  return type && type !== 'text/plain' ? type : undefined;
}

/** Counts the values under `value`, stopping once past `budget`; iterative, so deep nesting cannot overflow the stack. */
function countValues(value: unknown, budget: number): number {
  const stack: unknown[] = [value];
  let count = 0;
  while (stack.length > 0 && count <= budget) {
    const next = stack.pop();
    count++;
    if (next !== null && typeof next === 'object') for (const child of Object.values(next)) stack.push(child);
  }
  return count;
}

/** JSON parts over the values budget, refused and left out of validation (their size is their problem). */
function overBudget(fields: Record<string, unknown>): RequestIssue[] {
  const issues: RequestIssue[] = [];
  let left = MAX_JSON_VALUES;
  for (const name of Object.keys(fields)) {
    if (wireContract.fields[name]?.part !== 'json') continue;
    const count = countValues(fields[name], left);
    if (count > left) {
      issues.push({
        field: name,
        message: `holds more than ${left} JSON values (the mock checks at most ${MAX_JSON_VALUES} per request)`,
      });
      delete fields[name];
    } else left -= count;
  }
  return issues;
}

export interface CheckedRequest {
  fields: Record<string, unknown>;
  files: ReceivedFile[];
  issues: RequestIssue[];
  /** Issues found beyond those listed. */
  omitted: number;
}

export function checkRequest(textParts: readonly ReceivedText[], files: readonly ReceivedFile[]): CheckedRequest {
  // `image[]` sent as a text part is still the file field, and is reported as such.
  const named = textParts.map((part) => ({ ...part, name: fileFieldOf(part.name) ?? part.name }));
  const { fields, issues } = decodeTextParts(named);
  for (const issue of overBudget(fields)) issues.push(issue);
  let omitted = 0;
  if (validateEditFields(fields) === false) {
    const found = issuesFromAjv(validateEditFields.errors, fields, {
      limit: Math.max(0, MAX_LISTED_ISSUES - issues.length),
    });
    for (const issue of found.issues) issues.push(issue);
    omitted = found.omitted;
  }

  const images = files.filter((file) => fileFieldOf(file.name) !== undefined);
  for (const file of files) {
    if (fileFieldOf(file.name) !== undefined) continue;
    issues.push(
      wireContract.fields[file.name]
        ? {
            field: file.name,
            message: `must be a text part, got a file part${file.filename ? ` (${JSON.stringify(file.filename)})` : ''}`,
          }
        : { field: file.name, message: 'is not a field of this request' },
    );
  }
  const sentAsText = named.some((part) => part.name === imageField.name);
  if (images.length === 0 && !sentAsText) issues.push({ field: imageField.name, message: 'is required' });
  else if (!sentAsText || images.length > 0) {
    const countIssue = imageCountIssue(images.length);
    if (countIssue) issues.push(countIssue);
  }
  for (const image of images) {
    const checked = checkImage(image.field, {
      size: image.size,
      head: image.head,
      filename: image.filename,
      declaredType: image.declaredType,
    });
    if ('issue' in checked) issues.push(checked.issue);
  }
  return { fields, files: images, issues, omitted };
}

/**
 * How a path is routed, in two views:
 * - `routedPath`: as the Node mock (Prism behind node:http) routes it, so the in-page mock responds the same: dot
 *   segments and backslashes resolved as a URL parser does, percent-escapes decoded; empty segments and a trailing
 *   slash kept (Prism responds 404 for `/edits/` and `//edits`).
 * - `mayRouteTo`: whether some server might route the path to the operation (empty segments and a trailing slash
 *   dropped as well). The proxy's --strict asks this one: an upstream we do not know must not receive, unchecked, a
 *   request under a spelling it may accept (`%65dits`, `edits/`).
 */
export function routedPath(path: string): string {
  // WHATWG URL parsing resolves `.`, `..` and `\` as node:http's URL-based routers do; a path it cannot parse is
  // left as written (it routes nowhere).
  let resolved = path;
  try {
    resolved = new URL(path.startsWith('/') ? path : `/${path}`, 'http://routed.invalid').pathname;
  } catch {
    // keep as written
  }
  return percentDecoded(resolved);
}

export function mayRouteTo(path: string, operationPath: string): boolean {
  const segments = routedPath(path)
    .split(/[/\\]/)
    .filter((segment) => segment !== '' && segment !== '.');
  const normalised: string[] = [];
  for (const segment of segments) {
    if (segment === '..') normalised.pop();
    else normalised.push(segment);
  }
  return `/${normalised.join('/')}` === operationPath;
}

/** Decoded byte by byte (a malformed escape stays as written, invalid UTF-8 becomes U+FFFD): never throws. */
function percentDecoded(path: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < path.length; i++) {
    const escaped = path[i] === '%' ? /^[0-9a-f]{2}$/i.exec(path.slice(i + 1, i + 3)) : null;
    if (escaped) {
      bytes.push(parseInt(escaped[0], 16));
      i += 2;
    } else bytes.push(...encoder.encode(path[i]!));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
