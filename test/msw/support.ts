/**
 * The MSW handlers in Node (msw/node's setupServer) beside the Node mock: one request sent to each, and what came
 * back in a form two responses can be compared in (status, the response's own headers, the parsed body).
 */
import { setupServer, type SetupServer } from 'msw/node';
import { defaultBaseUrl, wireContract } from '../../src/contract/spec.js';
import { createImageEditHandlers, type ImageEditHandlerOptions } from '../../src/mock/msw.js';
import { post } from '../mock/support.js';

/** Where the MSW handlers respond in these tests: the client's default base URL, which no test reaches otherwise. */
export const MSW_BASE = defaultBaseUrl;

/** Starts intercepting this process's requests to MSW_BASE (others go through untouched, the Node mock's included). */
export function listenMsw(options: ImageEditHandlerOptions = {}): SetupServer {
  const server = setupServer(...createImageEditHandlers({ baseUrl: MSW_BASE, ...options }));
  server.listen({ onUnhandledRequest: 'bypass' });
  return server;
}

export interface Seen {
  status: number;
  /** The headers a response carries of its own (not CORS, dates or connection management). */
  headers: Record<string, string>;
  body: unknown;
  text: string;
}

const OWN_HEADERS = ['content-type', 'retry-after', 'www-authenticate'];

export async function send(
  base: string,
  init: { method?: string; headers?: Record<string, string>; body?: BodyInit | null; search?: string; path?: string },
): Promise<Seen> {
  const response = await post(
    init.body ?? null,
    init.headers ?? {},
    `${base}${init.path ?? wireContract.path}${init.search ?? ''}`,
    init.method,
  );
  const headers = Object.fromEntries(
    OWN_HEADERS.flatMap((name) => (response.headers.has(name) ? [[name, response.headers.get(name)!]] : [])),
  );
  return { status: response.status, headers, body: response.body, text: response.text };
}

/** Fields a response's error body names, in its order. */
export function issueFields(seen: Seen): string[] {
  const issues = (seen.body as { error?: { details?: { issues?: { field: string }[] } } } | undefined)?.error?.details
    ?.issues;
  return Array.isArray(issues) ? issues.map((issue) => issue.field) : [];
}
