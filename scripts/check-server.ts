/**
 * `npm run check-server -- --base-url URL`: checks a running server against spec/openapi.yaml, request and response.
 *
 *   the mock (127.0.0.1, localhost): the full suite: every named request example, every documented status through
 *     `Prefer: code=`, every named response example through `Prefer: example=`, the file limits, the refusals;
 *   any other server (Orq's service): the least that proves the contract: one small billable edit (n: 1, quality
 *     low, one 8×8 PNG, base64 response) and two requests the spec says are refused before any work is done. The plan
 *     is printed before anything is sent.
 *
 * The key comes from ORQ_API_KEY (the mock accepts any bearer token). Every check prints PASS or FAIL with its
 * reason; the exit code is 0 when all pass, 1 when one fails, 2 for a usage error. Every request has a deadline
 * (--timeout): a server that does not respond in time fails the check that sent it, and once no check could reach the
 * server or get a response from it, the rest are not run.
 */
import http from 'node:http';
import https from 'node:https';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { specFacts } from '../generated/spec-facts.js';
import { createImageEditClient, NetworkError, TimeoutError, type ImageEditResult } from '../src/index.js';
import { checkResponse, type ReceivedResponse } from '../src/contract/response-check.js';
import { describeDrift, type Drift } from '../src/contract/issues.js';
import { imageField, wireContract } from '../src/contract/spec.js';
import { encodeMultipart } from '../src/client/multipart.js';
import { prepareRequest } from '../src/client/request.js';
import { sniffImageType } from '../src/contract/images.js';
import { writeMultipart } from './multipart-writer.ts';
import { bodyLimits, checkBody, checkOperationHead } from '../src/mock/core/check-request.js';
import { readFormBody } from '../src/mock/core/form-read.js';
import { successStatus } from '../src/mock/core/respond.js';
import { createSpecEngine } from '../src/mock/core/spec-engine.js';

type Json = any;
const requestSchema: Json = specFacts.requestSchema;

/** Every documented response: status → its named examples. */
const responses: Record<string, { examples: Record<string, unknown> }> = Object.fromEntries(
  specFacts.responses.map((response) => [
    response.status,
    { examples: Object.fromEntries(response.examples.map((example) => [example.name, example.value])) },
  ]),
);

/** The smallest image the spec itself carries: its base64 200 example, a real 8×8 PNG. */
const specPng: Uint8Array = (() => {
  for (const example of Object.values(responses['200']!.examples) as Json[]) {
    const b64 = example?.data?.[0]?.b64_json;
    if (typeof b64 === 'string') {
      const bytes = new Uint8Array(Buffer.from(b64, 'base64'));
      if (sniffImageType(bytes) === 'image/png') return bytes;
    }
  }
  throw new Error('the spec has no base64 PNG in its 200 examples');
})();

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ServerCheckOptions {
  baseUrl: string;
  apiKey: string;
  model: string;
  /** The small suite (one billable edit); the full suite otherwise. */
  minimal: boolean;
  /** Each request's deadline, from sending its first byte to reading its response's last. */
  timeoutMs: number;
  log?: (line: string) => void;
}

/**
 * Each request's deadline unless --timeout says otherwise: a billable edit of one small image gets its response well
 * within it.
 */
export const DEFAULT_TIMEOUT_MS = 60_000;

const HELP = `check-server — check a running server against spec/openapi.yaml, request and response

Usage:
  npm run check-server -- --base-url URL [--model provider/model] [--minimal] [--timeout MS]

  --base-url URL   the server to check (required); the key comes from ORQ_API_KEY (any key for a local mock)
  --model ID       model for the edits (default: the spec's example model)
  --minimal        the small suite (one billable edit, two refusals) even against a local server; the default
                   for any server not on this machine
  --timeout MS     each request's deadline, from its first byte sent to its response's last byte read (default
                   ${DEFAULT_TIMEOUT_MS}): a server silent past it fails the check that sent the request
  -h, --help       this help

Every check prints PASS or FAIL with its reason. Exit codes: 0 all passed, 1 a check failed, 2 usage error.
`;

/** What a check that got no response in time says, whichever way it sent the request. */
const noResponseWithin = (timeoutMs: number) =>
  `${wireContract.method} ${wireContract.path}: no complete response within ${timeoutMs} ms (--timeout)`;

export function isLocal(baseUrl: string): boolean {
  const { hostname } = new URL(baseUrl);
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]' || hostname === '::1';
}

interface Received {
  status: number;
  /** As node:http gives them (lower-case names), which is what the response check reads. */
  headers: ReceivedResponse['headers'];
  text: string;
  body: unknown;
}

/**
 * One request on a connection of its own (node:http, no keep-alive): the checks stay independent, and a server's
 * idle timeout between two of them (checking a 50 MiB body takes seconds on a loaded machine) cannot break the next
 * one on a pooled connection it has closed. The response is read up to the spec's x-max-response-bytes, and all of it
 * (connecting, sending, the response) within `timeoutMs`.
 */
async function send(
  baseUrl: string,
  timeoutMs: number,
  init: { headers?: Record<string, string>; body?: Blob; contentType?: string },
): Promise<Received> {
  const deadline = AbortSignal.timeout(timeoutMs);
  try {
    return await sendBefore(deadline, baseUrl, init);
  } catch (error) {
    if (deadline.aborted) throw new Error(noResponseWithin(timeoutMs));
    throw error;
  }
}

async function sendBefore(
  deadline: AbortSignal,
  baseUrl: string,
  init: { headers?: Record<string, string>; body?: Blob; contentType?: string },
): Promise<Received> {
  const url = new URL(wireContract.path, baseUrl);
  const headers: Record<string, string> = { ...init.headers };
  if (init.contentType) headers['content-type'] = init.contentType;
  if (init.body) headers['content-length'] = String(init.body.size);
  // The deadline destroys the request, and with it the response being read.
  const request = (url.protocol === 'https:' ? https : http).request(url, {
    method: wireContract.method,
    headers,
    agent: false,
    signal: deadline,
  });
  let responded = false;
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.once('response', (res) => {
      responded = true;
      resolve(res);
    });
    // A server may respond (413) and close before the whole body is sent: that write error is no failure.
    request.on(
      'error',
      (error) => responded || reject(deadline.aborted ? error : new Error(`connection failed: ${error.message}`)),
    );
  });
  if (init.body)
    Readable.fromWeb(init.body.stream() as WebReadableStream<Uint8Array>)
      .on('error', () => request.destroy())
      .pipe(request);
  else request.end();
  const res = await response;
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > wireContract.maxResponseBytes)
      throw new Error(`the response is over ${wireContract.maxResponseBytes} bytes (x-max-response-bytes)`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode ?? 0, headers: res.headers, text, body };
}

/** The wire bytes of a request the client accepts (for the checks that add a header the client does not send). */
async function wireOf(request: Record<string, unknown>): Promise<{ body: Blob; contentType: string }> {
  const prepared = await prepareRequest(request);
  return encodeMultipart(prepared.fields, prepared.images);
}

/** A multipart body the client would refuse to write: a text part broken on purpose. */
const rawBody = writeMultipart;

const specEngine = createSpecEngine();

/**
 * What the spec says of a request, by the mock's own check (src/mock/core/check-request.ts, which checks for the mock and the
 * validating proxy): the status a server should respond with and the field its refusal should name first. The checks below
 * hold every server to it, so this script carries no rule of its own about which request is refused.
 */
async function specExpects(
  wire: { body: Blob; contentType: string },
  headers: Record<string, string>,
): Promise<{ status: number; field?: string }> {
  const head = {
    method: wireContract.method.toLowerCase(),
    url: { path: wireContract.path },
    headers: { ...headers, 'content-type': wire.contentType, 'content-length': String(wire.body.size) },
  };
  const refused = await checkOperationHead(specEngine, head);
  if (refused) return { status: refused.response.status, field: refused.issues[0]?.field };
  const request = new Request(`http://check.invalid${wireContract.path}`, {
    method: wireContract.method,
    headers: { 'content-type': wire.contentType },
    body: wire.body,
  });
  const checked = checkBody(await readFormBody(request, bodyLimits));
  return 'response' in checked
    ? { status: checked.response.status, field: checked.issues[0]?.field }
    : { status: successStatus };
}

/** The field as the check names it: `image[3]` is the image field, `(credentials)` no field at all. */
const namedField = (field: string | undefined) =>
  field === undefined || field.startsWith('(') ? undefined : field.replace(/\[\d+\]$/, '');

function errorNames(body: unknown, field: string): boolean {
  const error = (body as Json)?.error;
  const fields = [
    error?.details?.field,
    ...(Array.isArray(error?.details?.issues) ? error.details.issues.map((i: Json) => i?.field) : []),
  ];
  return (
    fields.some(
      (f) => typeof f === 'string' && (f === field || f.startsWith(`${field}[`) || f.startsWith(`${field}.`)),
    ) ||
    (typeof error?.message === 'string' && error.message.includes(field))
  );
}

function describe(received: Received): string {
  return `${received.status} ${received.text.length > 160 ? `${received.text.slice(0, 157)}...` : received.text}`;
}

export async function runServerChecks(options: ServerCheckOptions): Promise<CheckResult[]> {
  const log = options.log ?? (() => {});
  const results: CheckResult[] = [];
  const auth = { authorization: `Bearer ${options.apiKey}` };
  const image = () => ({ data: new Blob([specPng as Uint8Array<ArrayBuffer>]), filename: 'contract.png' });
  const smallEdit = {
    model: options.model,
    prompt: 'Make the picture slightly brighter',
    image: image(),
    n: 1,
    quality: 'low',
    response_format: 'b64_json',
  } as const;

  async function check(name: string, run: () => Promise<string | void>): Promise<void> {
    try {
      const detail = (await run()) ?? '';
      results.push({ name, ok: true, detail });
      log(`PASS  ${name}${detail ? `  (${detail})` : ''}`);
    } catch (error) {
      const detail =
        error instanceof NetworkError
          ? `connection failed: ${error.message}`
          : error instanceof TimeoutError
            ? noResponseWithin(error.timeoutMs)
            : error instanceof Error
              ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`
              : String(error);
      results.push({ name, ok: false, detail });
      log(`FAIL  ${name}: ${detail}`);
    }
  }
  const expect = (condition: unknown, message: string) => {
    if (!condition) throw new Error(message);
  };
  // Responses are checked by the shared check (src/contract/response-check.ts), as the validating proxy checks them:
  // each departure is reported in the drift format, `field: the spec says X, received Y`.
  const noDrift = (drift: readonly Drift[], status: number) => {
    const shown = drift.slice(0, 5).map(describeDrift).join('; ');
    expect(
      drift.length === 0,
      `the ${status} response breaks the spec: ${shown}${drift.length > 5 ? `; and ${drift.length - 5} more` : ''}`,
    );
  };
  const conforming = (received: Received, statuses: number[], responseFormat?: unknown) => {
    expect(statuses.includes(received.status), `expected ${statuses.join(' or ')}, got ${describe(received)}`);
    noDrift(
      checkResponse({ status: received.status, headers: received.headers, text: received.text }, { responseFormat })
        .drift,
      received.status,
    );
  };
  /**
   * One check of a raw request: the mock's check says what the spec makes of it (the check's name says so), the
   * server must respond with that status and a body the spec accepts, and a local server's refusal must name the field.
   */
  const checkAsSpecSays = async (
    label: string,
    wire: { body: Blob; contentType: string },
    headers: Record<string, string>,
  ) => {
    const expected = await specExpects(wire, headers);
    const field = namedField(expected.field);
    await check(
      `${label}: ${expected.status === successStatus ? 'accepted' : `${expected.status}${field ? ` naming ${field}` : ''}`}`,
      async () => {
        const received = await send(options.baseUrl, options.timeoutMs, { ...wire, headers });
        conforming(received, [expected.status]);
        if (field && isLocal(options.baseUrl))
          expect(errorNames(received.body, field), `the error does not name ${field}: ${received.text.slice(0, 160)}`);
        return (received.body as Json)?.error?.code;
      },
    );
  };
  const client = createImageEditClient({
    apiKey: options.apiKey,
    baseUrl: options.baseUrl,
    maxRetries: 0,
    timeoutMs: options.timeoutMs,
  });

  // --- Checks made against every server (the minimal suite): one billable edit, two free refusals.
  await check('a small edit (n: 1, quality low, one 8×8 PNG) gets 200 with a body the spec accepts', async () => {
    const result: ImageEditResult = await client.edit(smallEdit as never);
    noDrift(result.drift, 200);
    expect(result.data.length === 1, `n: 1 but ${result.data.length} images came back`);
    const b64 = result.data[0]!.b64_json;
    expect(typeof b64 === 'string', 'response_format b64_json but data[0].b64_json is missing');
    const type = sniffImageType(Buffer.from(b64!, 'base64').subarray(0, 12));
    expect(type !== undefined, 'data[0].b64_json is not a PNG, JPEG or WebP image');
    return `${type}, created ${result.created}${result.usage ? `, ${result.usage.total_tokens} tokens` : ''}`;
  });
  await checkAsSpecSays('no Authorization header', await wireOf(smallEdit), {});
  if (
    results.every(
      (result) => !result.ok && /connection failed|fetch failed|no complete response within/i.test(result.detail),
    )
  ) {
    log(`check-server: ${options.baseUrl} cannot be reached or does not respond; the remaining checks are not run`);
    return results;
  }
  const nField = 'n';
  const nMax = requestSchema.properties[nField].maximum as number;
  const nWire = rawBody([
    { name: 'model', value: options.model },
    { name: 'prompt', value: 'x' },
    { name: nField, value: String(nMax + 1) },
    {
      name: imageField.name,
      value: new Blob([specPng as Uint8Array<ArrayBuffer>]),
      filename: 'contract.png',
      contentType: 'image/png',
    },
  ]);
  await checkAsSpecSays(`${nField} above its maximum (${nMax + 1})`, nWire, auth);
  if (options.minimal) return results;

  // --- The full suite (the mock): every example, status and limit of the spec.
  const png = () => new Blob([specPng as Uint8Array<ArrayBuffer>]);
  for (const { name, value } of specFacts.requestExamples) {
    const example = { value };
    await check(`request example "${name}" is accepted and gets 200`, async () => {
      const { [imageField.name]: names, ...fields } = example.value;
      const list = (Array.isArray(names) ? names : [names]).map((filename: string) => ({ data: png(), filename }));
      const result = await client.edit({
        ...fields,
        [imageField.name]: Array.isArray(names) ? list : list[0],
      } as never);
      noDrift(result.drift, 200);
      return `${result.data.length} image(s)`;
    });
  }
  for (const [status, response] of Object.entries(responses)) {
    await check(`Prefer: code=${status} gets ${status} with a documented example`, async () => {
      const received = await send(options.baseUrl, options.timeoutMs, {
        ...(await wireOf(smallEdit)),
        headers: { ...auth, prefer: `code=${status}` },
      });
      conforming(received, [Number(status)], smallEdit.response_format);
      expect(
        Object.values(response.examples).some((example) => isDeepStrictEqual(example, received.body)),
        `the body is none of the ${status} examples`,
      );
    });
    for (const [exampleName, value] of Object.entries(response.examples)) {
      await check(`Prefer: code=${status}, example=${exampleName} gets that example`, async () => {
        const received = await send(options.baseUrl, options.timeoutMs, {
          ...(await wireOf(smallEdit)),
          headers: { ...auth, prefer: `code=${status}, example=${exampleName}` },
        });
        expect(received.status === Number(status), `expected ${status}, got ${describe(received)}`);
        expect(
          isDeepStrictEqual(received.body, value),
          `the body differs from example ${exampleName}: ${received.text.slice(0, 160)}`,
        );
      });
    }
  }
  for (const format of specFacts.enums.response_format) {
    await check(`response_format ${format}: every image comes back as ${format}`, async () => {
      const result = await client.edit({ ...smallEdit, response_format: format } as never);
      noDrift(result.drift, 200);
      const key = format === 'url' ? 'url' : 'b64_json';
      expect(
        result.data.length > 0 && result.data.every((item) => typeof (item as Json)[key] === 'string'),
        `data items lack ${key}: ${JSON.stringify(result.data).slice(0, 160)}`,
      );
    });
  }
  const { maxItems, maxBytes } = imageField.limits;
  await check(`${maxItems} images (maxItems) are accepted`, async () => {
    await client.edit({ ...smallEdit, image: Array.from({ length: maxItems }, image) } as never);
  });
  const imagePart = (value = png(), filename = 'a.png') => ({
    name: imageField.name,
    value,
    filename,
    contentType: 'image/png',
  });
  await checkAsSpecSays(
    `${maxItems + 1} images`,
    rawBody([
      { name: 'model', value: options.model },
      { name: 'prompt', value: 'x' },
      ...Array.from({ length: maxItems + 1 }, () => imagePart()),
    ]),
    auth,
  );
  const big = new Blob([specPng as Uint8Array<ArrayBuffer>, new Uint8Array(maxBytes + 1 - specPng.length)]);
  await checkAsSpecSays(
    `an image of ${maxBytes + 1} bytes (x-max-file-bytes + 1)`,
    rawBody([{ name: 'model', value: options.model }, { name: 'prompt', value: 'x' }, imagePart(big, 'big.png')]),
    auth,
  );
  for (const [name, field] of Object.entries(wireContract.fields)) {
    if (field.part !== 'json') continue;
    const parts = [
      { name: 'model', value: options.model },
      { name: 'prompt', value: 'x' },
      { name, value: '{"broken": ', contentType: 'application/json' },
      imagePart(),
    ];
    await checkAsSpecSays(`${name}: a JSON part that is not JSON`, rawBody(parts), auth);
  }
  const retryPart = { name: 'retry', value: JSON.stringify({ count: 2, on_codes: [429] }) };
  await checkAsSpecSays(
    'a JSON part without its own Content-Type',
    rawBody([{ name: 'model', value: options.model }, { name: 'prompt', value: 'x' }, retryPart, imagePart()]),
    auth,
  );
  const bracketed = [png(), png()].map((value, i) => ({
    ...imagePart(value, `${i}.png`),
    name: `${imageField.name}[]`,
  }));
  await checkAsSpecSays(
    `images sent as repeated "${imageField.name}[]" parts (OpenAI-compatible clients)`,
    rawBody([{ name: 'model', value: options.model }, { name: 'prompt', value: 'x' }, ...bracketed]),
    auth,
  );
  for (const field of wireContract.required) {
    const parts = [{ name: 'model', value: options.model }, { name: 'prompt', value: 'x' }, imagePart()].filter(
      (part) => part.name !== field,
    );
    await checkAsSpecSays(`${field} missing`, rawBody(parts), auth);
  }
  return results;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'base-url': { type: 'string' },
        model: { type: 'string' },
        minimal: { type: 'boolean' },
        timeout: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    console.error(`check-server: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (!values['base-url']) {
    console.error(`check-server: --base-url is required\n\n${HELP}`);
    return 2;
  }
  const timeoutMs =
    values.timeout === undefined
      ? DEFAULT_TIMEOUT_MS
      : /^\d+$/.test(values.timeout)
        ? Number(values.timeout)
        : Number.NaN;
  if (!Number.isSafeInteger(timeoutMs) || timeoutMs <= 0) {
    console.error(
      `check-server: --timeout must be a positive whole number of milliseconds, got ${JSON.stringify(values.timeout)}`,
    );
    return 2;
  }
  const baseUrl = values['base-url'];
  try {
    new URL(baseUrl);
  } catch {
    console.error(`check-server: --base-url ${JSON.stringify(baseUrl)} is not a URL`);
    return 2;
  }
  const local = isLocal(baseUrl);
  const apiKey = process.env.ORQ_API_KEY || (local ? 'contract-check' : '');
  if (!apiKey) {
    console.error(`check-server: ${baseUrl} is not a local mock: set ORQ_API_KEY to a key for it`);
    return 2;
  }
  const model = values.model ?? (requestSchema.properties.model.examples?.[0] as string);
  const minimal = values.minimal ?? !local;
  console.log(
    `check-server: checking ${baseUrl}${wireContract.path} against the spec (${minimal ? 'minimal' : 'full'} suite; each request within ${timeoutMs} ms)`,
  );
  if (minimal) {
    console.log(
      `check-server: this sends 3 requests: 1 billable image edit (model ${model}, n: 1, quality low, one ${specPng.length}-byte PNG, base64 response) ` +
        'and 2 the spec says are refused before any work is done (no key; n above its maximum).',
    );
  }
  const results = await runServerChecks({
    baseUrl,
    apiKey,
    model,
    minimal,
    timeoutMs,
    log: (line) => console.log(line),
  });
  const failed = results.filter((result) => !result.ok).length;
  console.log(`check-server: ${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      console.error(`check-server: ${(error as Error).stack ?? error}`);
      process.exit(1);
    },
  );
}
