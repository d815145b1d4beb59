/**
 * Serves the images of `url` answers (core/file-store.ts) at /files/<name> on the Node mock: with their media type,
 * CORS (a page on another origin may fetch them, not only show them), and a cache lifetime no longer than the
 * store keeps them. A name the store does not hold (never made, expired, dropped) is a 404.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { addCorsHeaders } from './cors.js';
import { FILES_PATH, FILE_TTL_MS, type FileStore } from './core/file-store.js';

/** Answers a request under /files; returns false when the request is for something else. */
export function serveFile(files: FileStore, req: IncomingMessage, res: ServerResponse, pathname: string): boolean {
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
