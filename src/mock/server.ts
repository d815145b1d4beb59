/**
 * The front server: owns the socket, streams and judges the multipart body itself, and lets Prism (engine.ts)
 * route, check credentials and choose the answer. One request goes:
 *
 *   preflight? → docs? → route (Prism) → Prefer (Prism) → credentials (Prism, 401 from the spec)
 *   → media type and Content-Length → body streamed (413 at the first size violation, 400 if malformed)
 *   → fields and files judged by the generated validators (400 naming every field) → answer (Prism)
 *
 * Answers sent before the body is read leave the rest of it to be discarded (bounded), never buffered.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { imageField, maxRequestBodyBytes, wireContract } from '../contract/wire-contract.js';
import type { RequestIssue } from '../contract/issues.js';
import { addCorsHeaders, answerPreflight, isPreflight } from './cors.js';
import { serveDocs } from './docs-route.js';
import type { MockAnswer, MockEngine } from './engine.js';
import { errorBody } from './error-body.js';
import { readMultipart, type IntakeLimits } from './multipart-intake.js';
import type { PrismRequest } from './prism-types.js';
import { checkRequest, fileFieldOf } from './request-check.js';

export interface HandlerContext {
  engine: MockEngine;
  busboy: typeof import('busboy');
  dynamic: boolean;
  docsDir?: string;
  /** One line per answered request (method, path, status, ms); silent when absent. */
  log?: (line: string) => void;
}

/** Text parts share the room the spec's body limit leaves beside the files. */
const maxTextBytes = maxRequestBodyBytes - imageField.limits.maxItems * imageField.limits.maxBytes;

export const intakeLimits: IntakeLimits = {
  maxFileBytes: imageField.limits.maxBytes,
  maxBodyBytes: maxRequestBodyBytes,
  maxTextBytes,
  // Every field once and every image, with room for a client's extra (invalid, reported) parts.
  maxParts: 4 * (Object.keys(wireContract.fields).length + imageField.limits.maxItems),
};

/** How long the rest of an unwanted body is drained after the answer, before the connection is cut. */
const LINGER_MS = 10_000;

function prismRequest(req: IncomingMessage, url: URL): PrismRequest {
  const query: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(key);
    query[key] = values.length === 1 ? values[0]! : values;
  }
  const headers = Object.fromEntries(
    Object.entries(req.headers)
      .filter((entry): entry is [string, string | string[]] => entry[1] !== undefined)
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : value]),
  );
  return { method: (req.method ?? 'GET').toLowerCase(), url: { path: url.pathname, query }, headers };
}

/**
 * Disposes of a body the answer did not need: read and dropped (so the client sees the answer, not a reset), up to
 * the spec's body limit or LINGER_MS, then the connection is cut. A client that waits for `100 Continue` never
 * sent it, so that connection is simply closed after the answer.
 */
function discardBody(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
  if (req.complete) return;
  if (expectContinue) {
    res.setHeader('Connection', 'close');
    return;
  }
  let dropped = 0;
  const cut = () => req.socket.destroy();
  const timer = setTimeout(cut, LINGER_MS);
  timer.unref();
  req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > maxRequestBodyBytes) cut();
  });
  req.on('end', () => clearTimeout(timer));
  req.on('close', () => clearTimeout(timer));
  req.resume();
}

function send(req: IncomingMessage, res: ServerResponse, answer: MockAnswer): void {
  if (res.headersSent || res.destroyed) return;
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', String(Buffer.byteLength(answer.body)));
  addCorsHeaders(req, res, Object.keys(answer.headers).concat('Content-Length'));
  res.writeHead(answer.status);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

function errorAnswer(status: number, issues: readonly RequestIssue[]): MockAnswer {
  return { status, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(errorBody(status, issues)) };
}

export function createHandler(context: HandlerContext) {
  const { engine } = context;

  async function answerFor(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): Promise<MockAnswer | undefined> {
    const url = new URL(req.url ?? '/', 'http://mock.invalid');
    if (context.docsDir && (await serveDocs(context.docsDir, req, res, url.pathname))) return undefined;
    const input = prismRequest(req, url);
    const early = (answer: MockAnswer) => {
      discardBody(req, res, expectContinue);
      return answer;
    };

    const operation = engine.route(input);
    if (!operation) return early(await engine.answer(input));
    const preferences = engine.preferences(input);
    if (!preferences.ok) return early(preferences.answer);
    if (!engine.authorized(operation, input)) return early(await engine.answer(input, preferences.value));

    const type = req.headers['content-type'] ?? '';
    if (!/^multipart\/form-data\s*(;|$)/i.test(type)) {
      return early(errorAnswer(400, [{ field: '(body)', message: `must be ${wireContract.mediaType} (got ${type ? JSON.stringify(type) : 'no Content-Type'})` }]));
    }
    const declared = Number(req.headers['content-length']);
    if (req.headers['content-length'] !== undefined && declared > maxRequestBodyBytes) {
      return early(errorAnswer(413, [{ field: '(body)', message: `is ${declared} bytes, over the limit of ${maxRequestBodyBytes} bytes for a whole request` }]));
    }

    if (expectContinue) res.writeContinue();
    const intake = await readMultipart(req, context.busboy, intakeLimits, fileFieldOf);
    if (intake.outcome === 'aborted') {
      req.socket.destroy();
      return undefined;
    }
    if (intake.outcome === 'too-large') return early(errorAnswer(413, [intake.issue]));
    if (intake.outcome === 'malformed') return early(errorAnswer(400, [intake.issue]));

    const { fields, issues } = checkRequest(intake.textParts, intake.files);
    if (issues.length > 0) return errorAnswer(400, issues);

    const wanted = { ...preferences.value };
    // Without a preference, the example whose images come back the way response_format asks.
    if (wanted.exampleKey === undefined && (wanted.code === undefined || wanted.code === 200) && !(wanted.dynamic ?? context.dynamic)) {
      const key = engine.exampleFor(fields.response_format);
      if (key) wanted.exampleKey = key;
    }
    return engine.answer(input, wanted);
  }

  return async (req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> => {
    const started = Date.now();
    try {
      if (isPreflight(req)) {
        answerPreflight(req, res);
      } else {
        const answer = await answerFor(req, res, expectContinue);
        if (answer) send(req, res, answer);
      }
    } catch (error) {
      // A bug in the mock answers 500 (the spec's body) instead of taking the server down.
      send(req, res, errorAnswer(500, [{ field: '(mock)', message: (error as Error).message }]));
    } finally {
      context.log?.(`${req.method} ${req.url} → ${res.headersSent ? res.statusCode : 'no answer'} (${Date.now() - started} ms)`);
    }
  };
}

/** A node:http server running the handler; `Expect: 100-continue` is answered only once the request may send. */
export function createMockServer(context: HandlerContext): http.Server {
  const handle = createHandler(context);
  const server = http.createServer((req, res) => void handle(req, res));
  server.on('checkContinue', (req, res) => void handle(req, res, true));
  return server;
}
