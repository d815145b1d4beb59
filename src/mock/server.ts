/**
 * The front server: owns the socket and the streaming, and runs the mock's platform-free core (core/judge.ts) with
 * Prism as its engine. One request goes:
 *
 *   preflight? → docs? → a request line that parses (400 if not) → the core judges the head (route, Prefer,
 *   credentials, media type, Content-Length) → the delay and fault asked for → the body streamed through busboy
 *   (413 at the first size violation, 400 if malformed; the first image kept, image-keeper.ts) → the core judges
 *   the parts → the core's answer, made from the request → delivered after its delay, with its fault
 *
 * Answers sent before the body is read leave the rest of it to be discarded (bounded), never buffered.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { headerOf } from '../contract/headers.js';
import { deliveryOf, type Answering } from './core/answering.js';
import { DRIP, faulted, wait, type DeliveryPlan } from './core/delivery.js';
import { errorAnswer } from './core/error-answer.js';
import { FILES_PATH, FILE_TTL_MS, type FileStore } from './core/file-store.js';
import { intakeLimits } from './core/intake-limits.js';
import { answerJudged, judgeHead, judgeIntake } from './core/judge.js';
import type { MockAnswer, MockEngine } from './core/types.js';
import { discardBody, headOf, readMultipart, type UploadedImages } from './node-http.js';

export interface HandlerContext {
  engine: MockEngine;
  /** Answers made from the request, /files, seed, latency and faults (core/answering.ts). */
  answering: Answering;
  /** Holds each request's first image for the response made from it; without it, responses are drawn without one. */
  images?: UploadedImages;
  docsDir?: string;
  /** One line per answered request (method, path, status, ms); silent when absent. */
  log?: (line: string) => void;
}

function writeHead(req: IncomingMessage, res: ServerResponse, answer: MockAnswer): void {
  for (const [name, value] of Object.entries(answer.headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', String(Buffer.byteLength(answer.body)));
  addCorsHeaders(req, res, Object.keys(answer.headers).concat('Content-Length'));
  res.writeHead(answer.status);
}

function send(req: IncomingMessage, res: ServerResponse, answer: MockAnswer): void {
  if (res.headersSent || res.destroyed) return;
  writeHead(req, res, answer);
  res.end(req.method === 'HEAD' ? undefined : answer.body);
}

/** An answer and how to deliver it (a delay, a fault), once the request reached the operation. */
type Outcome = { answer: MockAnswer; plan?: DeliveryPlan; askedCode?: number };

export function createHandler(context: HandlerContext) {
  const { engine } = context;

  async function answerFor(req: IncomingMessage, res: ServerResponse, expectContinue: boolean, gone: AbortSignal): Promise<Outcome | undefined> {
    const early = (answer: MockAnswer, plan?: DeliveryPlan) => {
      discardBody(req, res, expectContinue);
      return { answer, plan };
    };
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://mock.invalid');
    } catch {
      // A request line such as `GET http://[::` parses as HTTP but names no URL.
      return early(errorAnswer(400, [{ field: '(url)', message: `is not a valid request target (${JSON.stringify((req.url ?? '').slice(0, 100))})` }]));
    }
    if (context.docsDir && (await serveDocs(context.docsDir, req, res, url.pathname))) return undefined;
    if (serveFile(context.answering.files, req, res, url.pathname)) return undefined;
    const head = headOf(req, url);
    const verdict = await judgeHead(engine, head);
    if ('answer' in verdict) return early(verdict.answer);
    const delivery = deliveryOf(context.answering, head);
    if (!delivery.ok) return early(delivery.answer);
    const plan = delivery.value;

    if (expectContinue) res.writeContinue();
    const intake = await readMultipart(req, intakeLimits, { images: context.images, sha256: (context.answering.replayer?.size ?? 0) > 0 });
    if (intake.outcome === 'aborted') {
      req.socket.destroy();
      return undefined;
    }
    const kept = intake.outcome === 'complete' ? intake.files.find((file) => file.kept)?.kept : undefined;
    try {
      const judged = judgeIntake(intake);
      if ('answer' in judged) return intake.outcome === 'complete' ? { answer: judged.answer, plan } : early(judged.answer, plan);
      const answer = await answerJudged(engine, head, verdict.preferences, judged.request, context.answering, gone);
      return { answer, plan, askedCode: verdict.preferences.code };
    } catch (error) {
      // The client went away while its images waited or were made: the work was dropped and nobody is left to answer.
      if (gone.aborted) return undefined;
      throw error;
    } finally {
      await kept?.release();
    }
  }

  return async (req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> => {
    const started = Date.now();
    // The client has gone when the connection closes before the answer is all sent: what is being made for it stops.
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort(new Error('the client closed the connection'));
    };
    res.once('close', onClose);
    try {
      if (isPreflight(req)) {
        answerPreflight(req, res);
      } else {
        const outcome = await answerFor(req, res, expectContinue, gone.signal);
        if (outcome?.plan) await deliver(req, res, outcome.answer, outcome.plan, outcome.askedCode, gone.signal);
        else if (outcome) send(req, res, outcome.answer);
      }
    } catch (error) {
      // A bug in the mock answers 500 (the spec's body) instead of taking the server down.
      send(req, res, errorAnswer(500, [{ field: '(mock)', message: (error as Error).message }]));
    } finally {
      res.off('close', onClose);
      const status = res.headersSent ? res.statusCode : gone.signal.aborted ? 'no answer: the client went away' : 'no answer';
      context.log?.(`${req.method} ${req.url} → ${status} (${Date.now() - started} ms)`);
    }
  };
}

// CORS for pages on any origin, as Prism's own server does it: the origin echoed (credentialed requests work too), a
// preflight allowed whatever it asks for, every header of a response exposed by name (`Retry-After` included).
const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Prefer';

function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && headerOf(req.headers, 'origin') !== undefined && headerOf(req.headers, 'access-control-request-method') !== undefined;
}

function setOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = headerOf(req.headers, 'origin');
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
}

/** Answers a preflight: 204 with the permissions asked for. */
function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
  setOrigin(req, res);
  res.setHeader('Access-Control-Allow-Methods', headerOf(req.headers, 'access-control-request-method') ?? ALLOWED_METHODS);
  res.setHeader('Access-Control-Allow-Headers', headerOf(req.headers, 'access-control-request-headers') ?? DEFAULT_ALLOWED_HEADERS);
  res.setHeader('Access-Control-Max-Age', '600');
  // Chromium asks before a page on a public address may call a private one (Private Network Access).
  if (headerOf(req.headers, 'access-control-request-private-network') === 'true') res.setHeader('Access-Control-Allow-Private-Network', 'true');
  res.writeHead(204, { 'Content-Length': '0' });
  res.end();
}

/** Adds CORS headers to an actual answer; call after its own headers are set. */
function addCorsHeaders(req: IncomingMessage, res: ServerResponse, answerHeaders: readonly string[]): void {
  setOrigin(req, res);
  const exposed = answerHeaders.filter((name) => !/^(access-control-|vary$)/i.test(name));
  if (exposed.length > 0) res.setHeader('Access-Control-Expose-Headers', exposed.join(', '));
}

// The offline API reference (`npm run docs`) at /docs, so one port gives a frontend team the endpoint and its reference.
export const DOCS_PATH = '/docs';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** Fails early, naming the file, when the directory holds no index.html. */
export function checkDocsDir(docsDir: string): string {
  const dir = path.resolve(docsDir);
  if (!existsSync(path.join(dir, 'index.html'))) throw new Error(`docs: ${path.join(dir, 'index.html')} does not exist (build it with npm run docs)`);
  return dir;
}

/** Answers GET/HEAD under /docs from `dir`; returns false when the request is not for the docs. */
async function serveDocs(dir: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  if (pathname !== DOCS_PATH && !pathname.startsWith(`${DOCS_PATH}/`)) return false;
  let relative: string;
  try {
    relative = decodeURIComponent(pathname.slice(DOCS_PATH.length)).replace(/^\/+/, '') || 'index.html';
  } catch {
    return false;
  }
  const file = path.resolve(dir, relative);
  // Nothing outside the docs directory is ever served.
  if (file !== dir && !file.startsWith(`${dir}${path.sep}`)) return false;
  let content: Buffer;
  try {
    content = await readFile(file);
  } catch {
    return false;
  }
  res.writeHead(200, { 'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'Content-Length': String(content.length) });
  res.end(req.method === 'HEAD' ? undefined : content);
  return true;
}

// The images of `url` responses (core/file-store.ts) at /files/<name>: CORS (a page may fetch them, not only show them)
// and a cache lifetime no longer than the store keeps them; a name the store does not hold is a 404.
/** Answers a request under /files; returns false when the request is for something else. */
function serveFile(files: FileStore, req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
  if (!pathname.startsWith(FILES_PATH)) return false;
  const file = req.method === 'GET' || req.method === 'HEAD' ? files.get(pathname) : undefined;
  const headers: Record<string, string> = file
    ? {
        'Content-Type': file.mediaType,
        'Content-Length': String(file.bytes.byteLength),
        'Cache-Control': `private, max-age=${FILE_TTL_MS / 1000}`,
        // Pages that isolate themselves (COEP) may still show it.
        'Cross-Origin-Resource-Policy': 'cross-origin',
      }
    : { 'Content-Type': 'text/plain; charset=utf-8' };
  const status = file ? 200 : req.method === 'GET' || req.method === 'HEAD' ? 404 : 405;
  const text = status === 404 ? `${pathname}: no such image (the mock keeps each for ${FILE_TTL_MS / 60_000} minutes)\n` : `${req.method} is not allowed here: GET or HEAD\n`;
  if (status === 405) headers.Allow = 'GET, HEAD';
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  addCorsHeaders(req, res, Object.keys(headers));
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : file ? file.bytes : text);
  return true;
}

/**
 * Delivers a response as its plan says (core/delivery.ts): after the delay (cut short when the client goes), `reset`
 * drops the connection with a TCP reset before any byte, `drip` sends the body DRIP.bytes every DRIP.everyMs, the
 * others send it at once as `faulted` changed it. `gone` aborts when the client goes away.
 */
async function deliver(req: IncomingMessage, res: ServerResponse, answer: MockAnswer, plan: DeliveryPlan, askedCode: number | undefined, gone: AbortSignal): Promise<void> {
  await wait(plan.delayMs, gone);
  if (gone.aborted || res.headersSent || res.destroyed) return;
  if (plan.fault === 'reset') {
    req.socket.resetAndDestroy();
    return;
  }
  const sent = faulted(answer, plan.fault, askedCode);
  writeHead(req, res, sent);
  if (req.method === 'HEAD') return void res.end();
  if (plan.fault !== 'drip') return void res.end(sent.body);
  const bytes = Buffer.from(sent.body);
  for (let offset = 0; offset < bytes.length && !gone.aborted; offset += DRIP.bytes) {
    res.write(bytes.subarray(offset, offset + DRIP.bytes));
    await wait(DRIP.everyMs, gone);
  }
  if (!gone.aborted) res.end();
}

/** A node:http server running the handler; `Expect: 100-continue` is answered only once the request may send. */
export function createMockServer(context: HandlerContext): http.Server {
  const handle = createHandler(context);
  const server = http.createServer((req, res) => void handle(req, res));
  server.on('checkContinue', (req, res) => void handle(req, res, true));
  return server;
}
