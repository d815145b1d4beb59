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
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { maxRequestBodyBytes } from '../contract/wire-contract.js';
import { errorAnswer } from './core/error-answer.js';
import { intakeLimits } from './core/intake-limits.js';
import { answerJudged, judgeHead, judgeIntake } from './core/judge.js';
import { fileFieldOf } from './core/request-check.js';
import { deliveryOf, type Answering } from './core/answering.js';
import type { DeliveryPlan } from './core/delivery.js';
import type { MockAnswer, MockEngine, RequestHead } from './core/types.js';
import { addCorsHeaders, answerPreflight, isPreflight } from './cors.js';
import { serveDocs } from './docs-route.js';
import { serveFile } from './files-route.js';
import type { ImageKeeper } from './image-keeper.js';
import { readMultipart } from './multipart-intake.js';
import { deliver } from './node-delivery.js';
import { headerOf } from '../contract/headers.js';

export interface HandlerContext {
  engine: MockEngine;
  /** Answers made from the request, /files, seed, latency and faults (core/answering.ts). */
  answering: Answering;
  /** Keeps each request's first image for the answer made from it; without one, answers are drawn without it. */
  keeper?: ImageKeeper;
  busboy: typeof import('busboy');
  docsDir?: string;
  /** One line per answered request (method, path, status, ms); silent when absent. */
  log?: (line: string) => void;
}

/** How long the rest of an unwanted body is drained after the answer, before the connection is cut. */
const LINGER_MS = 10_000;

/** The request's head in the core's form. */
export function headOf(req: IncomingMessage, url: URL): RequestHead {
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
  // URLs in answers point back at the host the client reached (a name the client used, not one the mock guesses).
  const given = headerOf(headers, 'host') ?? '';
  const host = /^[\w.\-]+(:\d+)?$|^\[[\d:a-f.]+\](:\d+)?$/i.test(given) ? given : `${req.socket.localAddress}:${req.socket.localPort}`;
  return { method: (req.method ?? 'GET').toLowerCase(), url: { path: url.pathname, query }, headers, origin: `http://${host}` };
}

/**
 * Disposes of a body the answer did not need: read and dropped (so the client sees the answer, not a reset), up to
 * the spec's body limit or LINGER_MS, then the connection is cut. A client that waits for `100 Continue` never
 * sent it, so that connection is simply closed after the answer.
 */
export function discardBody(req: IncomingMessage, res: ServerResponse, expectContinue: boolean): void {
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
    const keeper = context.keeper;
    const intake = await readMultipart(req, context.busboy, intakeLimits, fileFieldOf, {
      keepFirstImage: keeper && (() => keeper.start(Number(headerOf(req.headers, 'content-length')) || undefined)),
      sha256: (context.answering.replayer?.size ?? 0) > 0,
    });
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
        if (outcome?.plan) await deliver(req, res, outcome.answer, outcome.plan, outcome.askedCode, { head: writeHead }, gone.signal);
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

/** A node:http server running the handler; `Expect: 100-continue` is answered only once the request may send. */
export function createMockServer(context: HandlerContext): http.Server {
  const handle = createHandler(context);
  const server = http.createServer((req, res) => void handle(req, res));
  server.on('checkContinue', (req, res) => void handle(req, res, true));
  return server;
}
