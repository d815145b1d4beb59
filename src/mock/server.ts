/**
 * The node:http door: owns the socket and the streaming, and runs the mock's one handler (core/respond.ts) with Prism
 * as its engine. One request goes:
 *
 *   preflight? → docs? → /files? → a request line that parses (400 if not) → the handler: the head checked, the body
 *   streamed through busboy (node-http.ts; 413 at the first size violation, 400 if malformed, the first image held),
 *   the parts checked, the response → sent after its delay, with its fault (`reset`: a TCP reset; `drip`: a trickle)
 *
 * A response sent before the body is read leaves the rest of it to be discarded (bounded), never buffered.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { headerOf } from '../contract/headers.js';
import { DRIP } from '../contract/mock-prefer.js';
import { wait } from '../contract/wait.js';
import { bodyLimits, errorResponse } from './core/check-request.js';
import { FILE_TTL_MS, FILES_PATH, type FileStore } from './core/images.js';
import { handle, type MockContext, type Outcome } from './core/respond.js';
import type { MockResponse } from './core/types.js';
import { discardBody, headOf, readMultipart, type UploadedImages } from './node-http.js';

export interface ServerOptions {
  /** Holds each request's first image for the response made from it; without it, responses are drawn without one. */
  images?: UploadedImages;
  docsDir?: string;
  /** One line per request (method, path, status, ms); silent when absent. */
  log?: (line: string) => void;
}

function writeHead(req: IncomingMessage, res: ServerResponse, response: MockResponse): void {
  for (const [name, value] of Object.entries(response.headers)) res.setHeader(name, value);
  res.setHeader('Content-Length', String(Buffer.byteLength(response.body)));
  addCorsHeaders(req, res, Object.keys(response.headers).concat('Content-Length'));
  res.writeHead(response.status);
}

/**
 * Sends the outcome: after its delay (cut short when the client goes), `reset` drops the connection with a TCP reset
 * before any byte, `drip` sends the body DRIP.bytes every DRIP.everyMs, anything else at once. `gone` aborts when the
 * client goes away.
 */
async function send(
  req: IncomingMessage,
  res: ServerResponse,
  { response, delayMs = 0, fault }: Outcome,
  gone: AbortSignal,
): Promise<void> {
  await wait(delayMs, gone);
  if (gone.aborted || res.headersSent || res.destroyed) return;
  if (fault === 'reset') return void req.socket.resetAndDestroy();
  writeHead(req, res, response);
  if (req.method === 'HEAD') return void res.end();
  if (fault !== 'drip') return void res.end(response.body);
  const bytes = Buffer.from(response.body);
  for (let offset = 0; offset < bytes.length && !gone.aborted; offset += DRIP.bytes) {
    res.write(bytes.subarray(offset, offset + DRIP.bytes));
    await wait(DRIP.everyMs, gone);
  }
  if (!gone.aborted) res.end();
}

/** A node:http server running the handler; `Expect: 100-continue` is sent only once the request may send. */
export function createMockServer(context: MockContext, options: ServerOptions = {}): http.Server {
  /** The outcome, and whether the body was read whole (else what is left of it is discarded before responding). */
  async function outcomeOf(
    req: IncomingMessage,
    res: ServerResponse,
    expectContinue: boolean,
    gone: AbortSignal,
  ): Promise<{ outcome?: Outcome; bodyRead?: boolean }> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://mock.invalid');
    } catch {
      // A request line such as `GET http://[::` parses as HTTP but names no URL.
      return {
        outcome: {
          response: errorResponse(400, [
            {
              field: '(url)',
              message: `is not a valid request target (${JSON.stringify((req.url ?? '').slice(0, 100))})`,
            },
          ]),
        },
      };
    }
    if (options.docsDir && (await serveDocs(options.docsDir, req, res, url.pathname))) return {};
    if (serveFile(context.files, req, res, url.pathname)) return {};
    let bodyRead = false;
    const outcome = await handle(
      context,
      headOf(req, url),
      async ({ sha256 }) => {
        if (expectContinue) res.writeContinue();
        const body = await readMultipart(req, bodyLimits, { images: options.images, sha256 });
        bodyRead = body.outcome === 'complete';
        return body;
      },
      gone,
    );
    // Nobody left to respond to (the body stopped mid-way, or the client went while its images were made).
    if (!outcome) req.socket.destroy();
    return { outcome, bodyRead };
  }

  const respond = async (req: IncomingMessage, res: ServerResponse, expectContinue = false): Promise<void> => {
    const started = Date.now();
    // The client has gone when the connection closes before the response is all sent: what is being made for it stops.
    const gone = new AbortController();
    const onClose = () => {
      if (!res.writableFinished) gone.abort(new Error('the client closed the connection'));
    };
    res.once('close', onClose);
    try {
      if (isPreflight(req)) respondToPreflight(req, res);
      else {
        const { outcome, bodyRead } = await outcomeOf(req, res, expectContinue, gone.signal);
        if (outcome) {
          if (!bodyRead) discardBody(req, res, expectContinue);
          await send(req, res, outcome, gone.signal);
        }
      }
    } catch (error) {
      // A bug in the mock responds 500 (the spec's body) instead of taking the server down.
      await send(
        req,
        res,
        { response: errorResponse(500, [{ field: '(mock)', message: (error as Error).message }]) },
        gone.signal,
      );
    } finally {
      res.off('close', onClose);
      const status = res.headersSent
        ? res.statusCode
        : gone.signal.aborted
          ? 'no response: the client went away'
          : 'no response';
      options.log?.(`${req.method} ${req.url} → ${status} (${Date.now() - started} ms)`);
    }
  };
  const server = http.createServer((req, res) => void respond(req, res));
  server.on('checkContinue', (req, res) => void respond(req, res, true));
  return server;
}

// CORS for pages on any origin, as Prism's own server does it: the origin echoed (credentialed requests work too), a
// preflight allowed whatever it asks for, every header of a response exposed by name (`Retry-After` included).
const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Prefer';

function isPreflight(req: IncomingMessage): boolean {
  return (
    req.method === 'OPTIONS' &&
    headerOf(req.headers, 'origin') !== undefined &&
    headerOf(req.headers, 'access-control-request-method') !== undefined
  );
}

function setOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = headerOf(req.headers, 'origin');
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
}

/** A preflight's response: 204 with the permissions asked for. */
function respondToPreflight(req: IncomingMessage, res: ServerResponse): void {
  setOrigin(req, res);
  res.setHeader(
    'Access-Control-Allow-Methods',
    headerOf(req.headers, 'access-control-request-method') ?? ALLOWED_METHODS,
  );
  res.setHeader(
    'Access-Control-Allow-Headers',
    headerOf(req.headers, 'access-control-request-headers') ?? DEFAULT_ALLOWED_HEADERS,
  );
  res.setHeader('Access-Control-Max-Age', '600');
  // Chromium asks before a page on a public address may call a private one (Private Network Access).
  if (headerOf(req.headers, 'access-control-request-private-network') === 'true')
    res.setHeader('Access-Control-Allow-Private-Network', 'true');
  res.writeHead(204, { 'Content-Length': '0' });
  res.end();
}

/** Adds CORS headers to an actual response; call after its own headers are set. */
function addCorsHeaders(req: IncomingMessage, res: ServerResponse, responseHeaders: readonly string[]): void {
  setOrigin(req, res);
  const exposed = responseHeaders.filter((name) => !/^(access-control-|vary$)/i.test(name));
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
  if (!existsSync(path.join(dir, 'index.html')))
    throw new Error(`docs: ${path.join(dir, 'index.html')} does not exist (build it with npm run docs)`);
  return dir;
}

/** Serves GET/HEAD under /docs from `dir`; returns false when the request is not for the docs. */
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
  res.writeHead(200, {
    'Content-Type': TYPES[path.extname(file)] ?? 'application/octet-stream',
    'Content-Length': String(content.length),
  });
  res.end(req.method === 'HEAD' ? undefined : content);
  return true;
}

/**
 * Serves the images of `url` responses (core/images.ts: FileStore) at /files/<name>, with CORS (a page may fetch them,
 * not only show them) and a cache lifetime no longer than the store keeps them; returns false for any other path.
 */
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
  const text =
    status === 404
      ? `${pathname}: no such image (the mock keeps each for ${FILE_TTL_MS / 60_000} minutes)\n`
      : `${req.method} is not allowed here: GET or HEAD\n`;
  if (status === 405) headers.Allow = 'GET, HEAD';
  for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
  addCorsHeaders(req, res, Object.keys(headers));
  res.writeHead(status);
  res.end(req.method === 'HEAD' ? undefined : file ? file.bytes : text);
  return true;
}
