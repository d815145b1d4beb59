/**
 * The mock's one handler, for both doors (node:http in server.ts, MSW in msw.ts): a request's head and a way to read
 * its body in, a response and an optional socket-level fault out.
 *
 *   checkHead:  route → Prefer (read once, prefer.ts) → the asked-for status and example exist → credentials (401
 *               from the spec) → media type → Content-Length                       (nothing of the body read yet)
 *   the body:   read by the door's multipart reader, then checked (check-request.ts) → 413 / 400 naming every field
 *   respond:    a recorded response (replay.ts), else the engine's; the success it picks when the request asks for no
 *               status and no example is made from the request (its images in their lanes, images.ts)
 *
 * The engine (Prism, or the spec's examples) routes, checks credentials and chooses the response; whatever `Prefer:
 * code=` or `example=` asks for is sent exactly as the engine gives it. Time and failures the spec cannot show
 * (`delay`, `fault`) are the mock's: `html` and `truncate` are made here, `reset` and `drip` carried out by the door.
 */
import { enumOf, examplesOf, responseFacts, specFacts } from '../../contract/spec.js';
import { checkBody, checkOperationHead, unavailableResponse, type CheckedRequest } from './check-request.js';
import {
  createImageRenderer,
  FileStore,
  isImageFormat,
  parseSize,
  renderImages,
  type Dimensions,
  type ImageFormat,
  type ImageMaker,
  type ImageRenderer,
} from './images.js';
import type { Fault, Preferences } from '../../contract/mock-prefer.js';
import { enginePreferences, latencyDelay, readPrefer, type Latency } from './prefer.js';
import type { Replayer } from './replay.js';
import {
  problemResponse,
  QueueFullError,
  randomFor,
  type MockEngine,
  type MockPreferences,
  type MockResponse,
  type ReceivedBody,
  type RequestHead,
} from './types.js';

export interface MockContextOptions {
  engine: MockEngine;
  /** Makes the images of responses; without one, a success is the spec's named example for `response_format`. */
  images?: ImageMaker;
  /** Every response waits this long (a range is jittered); `Prefer: delay=` overrides it per request. */
  latency?: Latency;
  /** Makes every generated value repeatable: dynamic responses, file names, latency jitter. */
  seed?: string | number;
  /** Recorded responses to replay before anything is made or picked. */
  replayer?: Replayer;
  /** How many responses may wait for their images in each lane; one more is refused with 503. */
  imageQueue?: number;
}

/** What a mock holds across requests: its engine, its image work, the images of `url` responses, its seed and latency. */
export type MockContext = ReturnType<typeof createMockContext>;

export function createMockContext(options: MockContextOptions) {
  const seeded = (purpose: string) => randomFor(options.seed === undefined ? undefined : `${options.seed}:${purpose}`);
  const files = new FileStore({ random: seeded('files') });
  let count = 0;
  return {
    engine: options.engine,
    renderer: options.images ? createImageRenderer(options.images, files, options.imageQueue) : undefined,
    files,
    latency: options.latency,
    random: seeded('mock'),
    replayer: options.replayer,
    /** The seed for the next request that brings none of its own: a sequence, so repeated runs repeat. */
    nextSeed: (): string | undefined => (options.seed === undefined ? undefined : `${options.seed}:${++count}`),
  };
}

/** The status a request gets when it asks for none: the lowest documented 2xx, else the first (Prism's rule). */
export const successStatus: number = Number(
  specFacts.responses
    .map((response) => response.status)
    .filter((status) => /^2\d\d$/.test(status))
    .sort()[0] ?? specFacts.responses[0]!.status,
);

/** The status and example name the request gets; credentials errors keep an example name only for `code=401`. */
export function chosen(
  preferences: MockPreferences,
  unauthorized: boolean,
): { status: number; exampleKey: string | undefined } {
  if (unauthorized) return { status: 401, exampleKey: preferences.code === 401 ? preferences.exampleKey : undefined };
  return { status: preferences.code ?? successStatus, exampleKey: preferences.exampleKey };
}

/**
 * Prism's 404 for a status or an example the spec does not have, decided here for every engine (asked of Prism
 * itself, a missing example under a forced code came back as a 500); undefined when the spec has the response.
 */
function undocumented(preferences: MockPreferences, unauthorized: boolean): MockResponse | undefined {
  const { status, exampleKey } = chosen(preferences, unauthorized);
  const facts = responseFacts(status);
  if (!facts) return problemResponse('NOT_FOUND', `Requested status code ${status} is not defined in the document.`);
  if (exampleKey !== undefined && !facts.examples.some((example) => example.name === exampleKey)) {
    return problemResponse(
      'NOT_FOUND',
      `Response for contentType: ${facts.contentType} and exampleKey: ${exampleKey} does not exist.`,
    );
  }
  return undefined;
}

/** The success example whose images come back the way `response_format` asks (`url` or `b64_json`), if one does. */
function exampleFor(responseFormat: unknown): string | undefined {
  if (typeof responseFormat !== 'string') return undefined;
  return examplesOf(successStatus).find(({ value }) => {
    const data = (value as { data?: unknown } | undefined)?.data;
    return (
      Array.isArray(data) &&
      data.length > 0 &&
      data.every((item) => item && typeof item === 'object' && responseFormat in item)
    );
  })?.name;
}

/** Everything that can be decided before the body: a response, or the request's preferences to respond with once it is read. */
export async function checkHead(
  engine: MockEngine,
  head: RequestHead,
): Promise<{ response: MockResponse } | { preferences: Preferences }> {
  const misrouted = engine.misrouted(head);
  if (misrouted) return { response: misrouted };
  const preferences = readPrefer(head);
  if (!preferences.ok) return { response: preferences.response };
  const authorized = engine.authorized(head);
  const missing = undocumented(preferences.value, !authorized);
  if (missing) return { response: missing };
  const refused = await checkOperationHead(engine, head, enginePreferences(preferences.value), authorized);
  return refused ? { response: refused.response } : { preferences: preferences.value };
}

/** How a door reads the body (one signature for both doors' readers, types.ts: ReadMultipart). */
export type BodyReader = (options: { sha256: boolean }) => Promise<ReceivedBody>;

/** A response, and what the door does with it once the request reached the operation. */
export interface Outcome {
  response: MockResponse;
  /** How long the door waits before sending (`Prefer: delay=`, or the server's latency). */
  delayMs?: number;
  /** `reset`: drop the connection instead of responding; `drip`: send the body a few bytes at a time (DRIP). */
  fault?: Extract<Fault, 'reset' | 'drip'>;
}

/**
 * One request through the mock. Undefined when there is nobody left to respond to: the body stopped mid-way, or
 * `signal` (the client's) aborted while its images waited or were made (that work was dropped).
 */
export async function handle(
  context: MockContext,
  head: RequestHead,
  readBody: BodyReader,
  signal?: AbortSignal,
): Promise<Outcome | undefined> {
  const checked = await checkHead(context.engine, head);
  if ('response' in checked) return { response: checked.response };
  const { preferences } = checked;
  const delayMs = preferences.delayMs ?? latencyDelay(context.latency, context.random);
  const body = await readBody({ sha256: (context.replayer?.size ?? 0) > 0 });
  if (body.outcome === 'aborted') return undefined;
  const delivered = (response: MockResponse, askedCode?: number): Outcome => {
    const { fault } = preferences;
    return {
      response: faulted(response, fault, askedCode),
      delayMs,
      ...(fault === 'reset' || fault === 'drip' ? { fault } : {}),
    };
  };
  try {
    const result = checkBody(body);
    if ('response' in result) return delivered(result.response);
    return delivered(await respondValid(context, head, preferences, result.request, signal), preferences.code);
  } catch (error) {
    if (signal?.aborted) return undefined;
    throw error;
  } finally {
    if (body.outcome === 'complete') for (const file of body.files) await file.kept?.release();
  }
}

/**
 * The response to a valid request: a recorded one when a cassette matches and the request asks for nothing in
 * particular; else made from it when the mock has an image maker; without one, and no preference, the success example
 * whose images come back the way response_format asks. Rejects with `signal`'s reason once the client has gone.
 */
function respondValid(
  context: MockContext,
  head: RequestHead,
  preferences: MockPreferences,
  request: CheckedRequest,
  signal?: AbortSignal,
): Promise<MockResponse> {
  const wanted = enginePreferences(preferences);
  const replayed = context.replayer?.respond(wanted, request);
  if (replayed) return Promise.resolve(replayed);
  if (context.renderer) return respondWithImages(context, context.renderer, head, wanted, request, signal);
  if (
    wanted.exampleKey === undefined &&
    (wanted.code === undefined || wanted.code === successStatus) &&
    !(wanted.dynamic ?? context.engine.dynamic)
  ) {
    const key = exampleFor(request.fields.response_format);
    if (key) wanted.exampleKey = key;
  }
  return context.engine.respond(head, wanted);
}

function objectOf(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The engine's response, with a success it picks for no status and no example made from the request (editedBody):
 * a 503 with Retry-After when its images' lane is full (nothing done).
 */
async function respondWithImages(
  context: MockContext,
  renderer: ImageRenderer,
  head: RequestHead,
  wanted: MockPreferences,
  request: CheckedRequest,
  signal?: AbortSignal,
): Promise<MockResponse> {
  if (wanted.seed === undefined) {
    const seed = context.nextSeed();
    if (seed !== undefined) wanted.seed = seed;
  }
  const response = await context.engine.respond(head, wanted);
  if (wanted.exampleKey !== undefined || wanted.code !== undefined || response.status !== successStatus)
    return response;
  const generated = (wanted.dynamic ?? context.engine.dynamic) ? objectOf(response.body) : undefined;
  let body: Record<string, unknown>;
  try {
    body = await editedBody(renderer, request, head.origin ?? '', generated, signal);
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    const issue = {
      field: '(image queue)',
      message: `is full: ${error.message}; nothing was done, retry after ${error.retryAfterSeconds} s`,
    };
    return unavailableResponse(issue, error.retryAfterSeconds);
  }
  return {
    status: response.status,
    headers: { ...response.headers, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  };
}

const nDefault = (specFacts.requestSchema.properties?.n?.default as number | undefined) ?? 1;
/** With no response_format the mock responds base64, as it always has: a picture a page shows with no second fetch. */
const FORMAT_WHEN_NONE = 'b64_json';
const qualities: readonly string[] = enumOf('quality');

/** Base64 of `bytes` with the platform's btoa, in slices (String.fromCharCode takes a bounded argument list). */
function toBase64(bytes: Uint8Array): string {
  const slices: string[] = [];
  for (let i = 0; i < bytes.length; i += 0x8000) slices.push(String.fromCharCode(...bytes.subarray(i, i + 0x8000)));
  return btoa(slices.join(''));
}

/**
 * The 200 body made from the request: `data` holds exactly `n` images, each as `response_format` asks (`url` or
 * `b64_json`), made from the first uploaded image at the size asked for and marked as edited; `created` is now;
 * `size`, `quality` and `output_format` say what was asked or made; `usage` is consistent. Only keys the schema names
 * are written. A dynamic response (`generated`) fills only what the request leaves open (`output_format`, `size`,
 * `quality`), each only when the mock can honour it. Rejects with QueueFullError when the lane is full.
 */
async function editedBody(
  renderer: ImageRenderer,
  request: CheckedRequest,
  origin: string,
  generated?: Record<string, unknown>,
  signal?: AbortSignal,
): Promise<Record<string, unknown>> {
  const { fields } = request;
  const count = typeof fields.n === 'number' ? fields.n : nDefault;
  const responseFormat = typeof fields.response_format === 'string' ? fields.response_format : FORMAT_WHEN_NONE;
  const format: ImageFormat = isImageFormat(generated?.output_format) ? generated.output_format : 'png';
  const askedQuality = typeof fields.quality === 'string' ? fields.quality : undefined;
  const quality =
    askedQuality ?? (qualities.includes(generated?.quality as string) ? (generated!.quality as string) : 'auto');
  const askedSize = parseSize(fields.size) ? fields.size : parseSize(generated?.size) ? generated!.size : undefined;

  const made = await renderImages(renderer, request.files[0]?.kept?.source, askedSize, format, count, signal);
  const data = made.images.map((bytes) =>
    responseFormat === 'url' ? { url: `${origin}${renderer.files.put(bytes, format)}` } : { b64_json: toBase64(bytes) },
  );
  return {
    created: Math.floor(Date.now() / 1000),
    data,
    output_format: format,
    size: `${made.size.width}x${made.size.height}`,
    quality,
    usage: usageOf(
      typeof fields.prompt === 'string' ? fields.prompt : '',
      request.files.map((_, i) => (i === 0 ? made.source : undefined)),
      made.size,
      count,
      quality,
    ),
  };
}

/** Output tokens of one 1024 × 1024 image by quality (gpt-image-1); `auto`, `standard` or none count as medium. */
const OUTPUT_TOKENS_1024: Record<string, number> = { low: 272, medium: 1056, high: 4160 };

/** Tokens of one source image of this size (OpenAI's tile rule: 85 + 170 per 512-pixel tile, fitted to 2048, shortened to 768). */
function imageTokens(size: Dimensions): number {
  let { width, height } = size;
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shorten = Math.min(1, 768 / Math.min(width, height));
  width *= shorten;
  height *= shorten;
  return 85 + 170 * Math.ceil(width / 512) * Math.ceil(height / 512);
}

/**
 * Token usage, plausible and consistent, not Orq's bill: text tokens grow with the prompt (about four characters a
 * token), image tokens with the sources (a source of unknown size counts as 1024²), output tokens with the images made
 * and their quality (gpt-image-1's published 1024 × 1024 figures, scaled by area); total = input + output.
 */
function usageOf(
  prompt: string,
  sources: (Dimensions | undefined)[],
  made: Dimensions,
  count: number,
  quality: string | undefined,
) {
  const text_tokens = Math.max(1, Math.ceil(prompt.length / 4));
  const image_tokens = sources.reduce<number>(
    (sum, size) => sum + imageTokens(size ?? { width: 1024, height: 1024 }),
    0,
  );
  const perImage = OUTPUT_TOKENS_1024[quality ?? ''] ?? OUTPUT_TOKENS_1024.medium!;
  const output_tokens = count * Math.max(16, Math.round((perImage * made.width * made.height) / (1024 * 1024)));
  const input_tokens = text_tokens + image_tokens;
  return {
    total_tokens: input_tokens + output_tokens,
    input_tokens,
    output_tokens,
    input_tokens_details: { text_tokens, image_tokens },
  };
}

const REASONS: Record<number, string> = {
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Temporarily Unavailable',
  504: 'Gateway Time-out',
};

/**
 * The response as the fault changes it: `html` replaces it with an nginx-style error page (502, or the status `code=`
 * asked for), as a proxy in front of the service sends; `truncate` cuts its body in half.
 */
function faulted(response: MockResponse, fault: Fault | undefined, askedCode: number | undefined): MockResponse {
  if (fault === 'html') {
    const status = askedCode ?? 502;
    const title = `${status} ${REASONS[status] ?? 'Error'}`;
    const body = `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n`;
    return { status, headers: { 'Content-Type': 'text/html; charset=utf-8' }, body };
  }
  if (fault === 'truncate')
    return { ...response, body: response.body.slice(0, Math.max(1, Math.floor(response.body.length / 2))) };
  return response;
}
