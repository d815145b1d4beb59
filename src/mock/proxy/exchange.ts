/**
 * One exchange through the validating proxy:
 *
 *   the request's head checked (credentials, media type, declared size: core/check-request.ts, as the mock checks it)
 *   → forwarded at once, its body streamed to the upstream and through the mock's multipart reader on the way (busboy: files
 *     counted, sniffed and hashed, never held), or, with --strict, held in a temporary file until checked and only
 *     then sent (a request the spec refuses gets the mock's response and the upstream sees nothing)
 *   → the response streamed back unchanged, a decoded copy kept for checking within the process's bounds
 *     (response-copy.ts: a small head in memory, the rest on disk, a limited number at once)
 *   → the response checked (src/contract/response-check.ts), one line reported, a cassette written when recording.
 *
 * Departures are reported, never acted on (except by --strict). What the upstream's connection does, the caller's
 * does too: a reset or a cut response reaches the caller as a reset, so a client behaves as it would without the proxy.
 */
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { checkResponse } from '../../contract/response-check.js';
import type { Drift, RequestIssue } from '../../contract/issues.js';
import { redactText, redactValue } from '../../contract/redact.js';
import { wireContract } from '../../contract/spec.js';
import {
  bodyLimits,
  checkBody,
  checkBodyHead,
  checkOperationHead,
  credentialsIssue,
  mayRouteTo,
  type CheckedRequest,
} from '../core/check-request.js';
import { endToEnd, type MockEngine, type MockResponse, type ReceivedBody } from '../core/types.js';
import { discardBody, headOf, readMultipart } from '../node-http.js';
import type { Recorder, RecordedExchange } from './recorder.js';
import type { ExchangeReport } from './report.js';
import { NO_COPY_REASON, type CopiedBody, type ResponseChecks, type ResponseCopy } from './response-copy.js';
import { openSpool, type Spool } from './spool.js';
import type { Upstream } from './upstream.js';
import { headerOf } from '../../contract/headers.js';

export interface ProxyContext {
  upstream: Upstream;
  /** Routes and checks credentials by the spec (core/spec-engine.ts); responds with --strict's 401. */
  engine: MockEngine;
  busboy: typeof import('busboy');
  strict: boolean;
  recorder?: Recorder;
  /** The copies of responses kept for checking, bounded for the whole process (response-copy.ts). */
  checks: ResponseChecks;
  /** How long the upstream may stay silent (no byte either way) before the exchange is cut. */
  upstreamIdleMs: number;
  nextIndex(): number;
  /** Hears each exchange's report once it is complete; `cassette` names the file recorded. */
  report(report: ExchangeReport, cassette: string | undefined): void;
}

/** The upstream's response, passed on whole, and its copy (none past the limit of copies); or why there was none. */
type Forwarded =
  | { status: number; headers: IncomingMessage['headers']; body: CopiedBody | undefined }
  | { failure: ExchangeReport['outcome']; note: string };

/** The key the caller sent (the credentials of `Authorization: <scheme> <credentials>`), to be kept out of what is written. */
function secretOf(authorization: string | undefined): string {
  const value = (authorization ?? '').trim();
  return value.includes(' ') ? value.slice(value.indexOf(' ') + 1).trim() : value;
}

function send(res: ServerResponse, response: MockResponse): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(response.status, { ...response.headers, 'content-length': String(Buffer.byteLength(response.body)) });
  res.end(response.body);
}

function failureOf(error: NodeJS.ErrnoException): { failure: ExchangeReport['outcome']; note: string } {
  const refused = ['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH'].includes(error.code ?? '');
  return {
    failure: refused ? 'refused' : 'reset',
    note: `the upstream ${refused ? 'could not be reached' : 'closed the connection'} before responding (${error.code ?? error.message})`,
  };
}

/** A response checked: its drift, or why it was not checked; and what a cassette keeps of its body. */
interface CheckedUpstream {
  drift: Drift[];
  unchecked?: string;
  body: RecordedExchange['body'];
}

/** Checks `response` from its copy (read whole into memory here: the caller runs one check at a time). */
async function checkUpstreamResponse(
  response: Extract<Forwarded, { status: number }>,
  request: CheckedRequest | undefined,
): Promise<CheckedUpstream> {
  const { body } = response;
  if (!body) return { drift: [], unchecked: NO_COPY_REASON, body: undefined };
  if (body.outcome === 'over-limit') {
    return {
      drift: [
        {
          field: 'body',
          expected: `at most ${wireContract.maxResponseBytes} bytes once decoded (x-max-response-bytes)`,
          received: 'more (cut there)',
        },
      ],
      body: { text: body.head.toString('utf8'), cut: true },
    };
  }
  if (body.outcome === 'undecodable')
    return {
      drift: [{ field: 'body', expected: 'a body a client can decode', received: body.reason }],
      body: undefined,
    };
  if (body.outcome === 'unchecked')
    return { drift: [], unchecked: body.reason, body: { text: body.head.toString('utf8'), cut: true } };
  const text = await body.text();
  const checked = checkResponse(
    { status: response.status, headers: response.headers, text },
    { responseFormat: request?.fields.response_format },
  );
  return { drift: checked.drift, body: { text, cut: false, json: checked.body } };
}

export async function proxyExchange(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  expectContinue: boolean,
): Promise<void> {
  const started = Date.now();
  const secret = secretOf(headerOf(req.headers, 'authorization'));
  const target = req.url ?? '/';
  const report: ExchangeReport = {
    index: ctx.nextIndex(),
    method: req.method ?? 'GET',
    target: redactText(target, secret),
    outcome: 'aborted',
    ms: 0,
    requestIssues: [],
    drift: [],
    notes: [],
  };
  let head;
  try {
    // Origin-form targets are read as a path (`//v2/...` is not a host here), as the upstream will read them.
    head = headOf(req, target.startsWith('/') ? new URL(`http://proxy.invalid${target}`) : new URL(target));
  } catch {
    head = undefined;
  }
  // A path some server may route to the operation is checked, however it is spelled (core/check-request.ts).
  const operation =
    head !== undefined &&
    mayRouteTo(head.url.path, wireContract.path) &&
    head.method === wireContract.method.toLowerCase();

  let body: Promise<ReceivedBody> | undefined;
  let spool: Spool | undefined;
  let cassette: string | undefined;
  let copy: ResponseCopy | undefined;
  /** --strict: the mock's refusal instead of forwarding; the rest of the body is drained, within bounds. */
  const refuse = (
    { response, issues }: { response: MockResponse; issues: RequestIssue[] },
    waitsForContinue: boolean,
  ) => {
    report.requestIssues.push(...issues);
    report.refusedByProxy = true;
    report.outcome = response.status;
    discardBody(req, res, waitsForContinue);
    send(res, response);
  };
  // A caller that goes away mid-upload is handled by 'close'; its 'error' must not take the proxy down.
  req.on('error', () => undefined);
  try {
    if (!operation || !head) report.unchecked = true;
    else {
      if (ctx.strict) {
        // --strict responds to the first departure as the mock would (its 401 needs Prism's), instead of forwarding.
        const refused = await checkOperationHead(ctx.engine, head);
        if (refused) return refuse(refused, expectContinue);
      }
      // Without --strict every departure is named, the credentials and the body's head alike (with it, none is left).
      const credentials = ctx.strict ? undefined : credentialsIssue(head, ctx.engine.authorized(head));
      if (credentials) report.requestIssues.push(credentials);
      const bodyHead = ctx.strict ? undefined : checkBodyHead(head);
      if (bodyHead) report.requestIssues.push(...bodyHead.issues);
      if (bodyHead?.response.status !== 400) {
        // The spool takes the body from its first byte: it is in place before the reader sets the body flowing.
        if (ctx.strict) {
          spool = await openSpool();
          req.pipe(spool.sink);
        }
        body = readMultipart(req, bodyLimits, { sha256: ctx.recorder !== undefined });
      }
    }
    if (expectContinue) res.writeContinue();

    let headers = endToEnd(req.headers);
    /** --strict: the body's check, made before forwarding and kept for the report. */
    let checkedFirst: ReturnType<typeof checkBody> | undefined;
    if (spool && body) {
      const read = await body;
      if (read.outcome === 'aborted') return;
      checkedFirst = checkBody(read);
      if ('response' in checkedFirst) {
        req.unpipe(spool.sink);
        return refuse(checkedFirst, false);
      }
      const { 'transfer-encoding': _chunked, ...rest } = headers;
      headers = { ...rest, 'content-length': String(await spool.finished()) };
    }

    const forwarded = await forward(ctx, req, res, headers, spool, operation);
    copy = forwarded.copy;
    const response = forwarded.response;
    // A response may come before the upload ends (an early 413): the rest is drained, within bounds, for the check.
    if (!req.complete && !req.destroyed) discardBody(req, res, false);
    const read = body ? await body : undefined;
    let request: CheckedRequest | undefined;
    if (read && read.outcome !== 'aborted') {
      const checked = checkedFirst ?? checkBody(read);
      request = checked.request;
      if ('response' in checked) report.requestIssues.push(...checked.issues);
    }
    if ('failure' in response) {
      report.outcome = response.failure;
      report.notes.push(response.note);
      return;
    }
    report.outcome = response.status;
    if (!operation) return;
    const { recorder } = ctx;
    const checkAndRecord = async () => {
      const checked = await checkUpstreamResponse(response, request);
      report.drift = redactValue(checked.drift, secret);
      if (checked.unchecked) report.responseUnchecked = checked.unchecked;
      if (!recorder || response.body?.outcome === 'undecodable') return;
      const parts = read?.outcome === 'complete' ? { textParts: read.textParts, files: read.files } : undefined;
      try {
        cassette = await recorder.record({
          method: report.method,
          target,
          parts,
          requestIssues: report.requestIssues,
          status: response.status,
          headers: response.headers,
          body: checked.body,
          drift: report.drift,
          secret,
        });
        report.notes.push(
          cassette ? `recorded as ${cassette}` : 'not recorded: the limit of cassettes for this run is reached',
        );
      } catch (error) {
        report.notes.push(`not recorded: ${(error as Error).message}`);
      }
    };
    // Copies are checked and recorded one at a time: the parsed body is the one large thing the proxy holds in
    // memory. A response without a copy has nothing to parse, and waits for none.
    await (response.body ? ctx.checks.oneAtATime(checkAndRecord) : checkAndRecord());
  } finally {
    await spool?.remove();
    await copy?.release();
    report.ms = Date.now() - started;
    report.requestIssues = redactValue(report.requestIssues, secret);
    report.notes = report.notes.map((note) => redactText(note, secret));
    ctx.report(report, cassette);
  }
}

/**
 * Sends the request upstream (from the spool, or straight from the caller) and streams the response back; for the
 * operation (`copied`), a copy of its body is kept for checking while it passes, when the process has room for one.
 */
function forward(
  ctx: ProxyContext,
  req: IncomingMessage,
  res: ServerResponse,
  headers: OutgoingHttpHeaders,
  spool: Spool | undefined,
  copied: boolean,
): Promise<{ response: Forwarded; copy?: ResponseCopy }> {
  return new Promise((resolve) => {
    let responded = false;
    const upstreamReq = ctx.upstream.request(req.method ?? 'GET', req.url ?? '/', headers);
    upstreamReq.setTimeout(ctx.upstreamIdleMs, () => {
      upstreamReq.destroy(Object.assign(new Error(`no response for ${ctx.upstreamIdleMs} ms`), { code: 'ETIMEDOUT' }));
    });
    upstreamReq.on('error', (error: NodeJS.ErrnoException) => {
      if (responded) return;
      res.destroy();
      resolve({ response: failureOf(error) });
    });
    // The caller went away: so does the upstream request (an edit nobody waits for should not go on).
    res.on('close', () => {
      if (!res.writableFinished) upstreamReq.destroy();
      if (!responded) resolve({ response: { failure: 'aborted', note: 'the caller went away before the response' } });
    });

    // A 101 (or any upgrade) ends the exchange: this operation has no other protocol to switch to.
    upstreamReq.on('upgrade', (up: IncomingMessage, socket: Socket) => {
      responded = true;
      socket.destroy();
      res.destroy();
      resolve({
        response: {
          failure: 'reset',
          note: `the upstream's response cannot be passed on (the upstream responded ${up.statusCode}, switching protocols)`,
        },
      });
    });

    upstreamReq.on('response', (up) => {
      responded = true;
      const broken = (note: string) => {
        up.destroy();
        res.destroy();
        resolve({ response: { failure: 'reset', note } });
      };
      if (res.destroyed) {
        up.destroy();
        return resolve({ response: { failure: 'aborted', note: 'the caller went away before the response' } });
      }
      const status = up.statusCode ?? 0;
      // 1xx as the last word (or a status of no class at all): nothing the caller could take as a response.
      if (status < 200 || status > 999)
        return broken(
          `the upstream's response cannot be passed on (the upstream responded ${status}, not a final status)`,
        );
      try {
        res.writeHead(status, up.statusMessage, endToEnd(up.headers));
      } catch (error) {
        // A status line HTTP cannot carry (000, 099, a control character in the reason): a broken upstream.
        return broken(`the upstream's response cannot be passed on (${(error as Error).message})`);
      }
      // Past x-max-response-bytes once decoded, the caller is cut where a client would stop reading.
      const copy = copied
        ? ctx.checks.copy(up, headerOf(up.headers, 'content-encoding'), () => {
            up.destroy();
            res.destroy();
          })
        : undefined;
      up.on('error', () => undefined); // a reset mid-response: 'close' below handles it
      up.pipe(res);
      up.on('close', () => {
        const whole = up.complete;
        if (!whole) res.destroy();
        void (copy?.body ?? Promise.resolve(undefined)).then((body) => {
          if (!whole && body?.outcome !== 'over-limit')
            resolve({ response: { failure: 'reset', note: `the upstream cut its ${status} response short` }, copy });
          else resolve({ response: { status, headers: up.headers, body }, copy });
        });
      });
    });

    const body = spool ? spool.source() : req;
    body.on('error', (error: Error) => upstreamReq.destroy(error));
    body.pipe(upstreamReq);
  });
}
