/**
 * CORS for pages on any origin, as Prism's own server does it: the origin is echoed (so credentialed requests work
 * too), a preflight allows whatever method and headers it asks for (Authorization, Content-Type, Prefer, ...),
 * and every header of an answer is exposed to the page by name (`Retry-After` included).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { headerOf } from '../contract/headers.js';

const ALLOWED_METHODS = 'GET, HEAD, POST, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, Prefer';

export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && headerOf(req.headers, 'origin') !== undefined && headerOf(req.headers, 'access-control-request-method') !== undefined;
}

function setOrigin(req: IncomingMessage, res: ServerResponse): void {
  const origin = headerOf(req.headers, 'origin');
  res.setHeader('Access-Control-Allow-Origin', origin ?? '*');
  if (origin) res.setHeader('Access-Control-Allow-Credentials', 'true');
  res.setHeader('Vary', 'Origin');
}

/** Answers a preflight: 204 with the permissions asked for. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse): void {
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
export function addCorsHeaders(req: IncomingMessage, res: ServerResponse, answerHeaders: readonly string[]): void {
  setOrigin(req, res);
  const exposed = answerHeaders.filter((name) => !/^(access-control-|vary$)/i.test(name));
  if (exposed.length > 0) res.setHeader('Access-Control-Expose-Headers', exposed.join(', '));
}
