/**
 * Serves the offline API reference (a directory built by `npm run docs`, with its index.html) at /docs, beside the
 * mocked operation, so one port gives a frontend team both the endpoint and its reference.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';

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
export async function serveDocs(dir: string, req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean> {
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
