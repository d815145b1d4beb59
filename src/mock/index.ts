/**
 * orq-image-edits/mock: a local mock of POST /v2/router/images/edits for frontend teams and test suites.
 *
 *   const mock = await startMock({ port: 0 });   // a free port on 127.0.0.1
 *   ... createImageEditClient({ apiKey: 'any', baseUrl: mock.url }) ...
 *   await mock.close();
 *
 * Stoplight Prism (in process) picks and generates the answers from the spec; a front server in this module
 * streams the multipart body, and the mock's core (core/, shared with the MSW handlers of orq-image-edits/msw)
 * judges it with the client's own generated validators. The client entry point never imports this module.
 */
import type { AddressInfo } from 'node:net';
import { wireContract } from '../contract/wire-contract.js';
import { loadMockDependencies } from './dependencies.js';
import { checkDocsDir, DOCS_PATH } from './docs-route.js';
import { createPrismEngine } from './engine.js';
import { createMockServer } from './server.js';
import { loadPrismDocument } from './prism-document.js';

export { MockDependencyError } from './dependency-error.js';

export interface MockOptions {
  /** Port to listen on; 0 (the default) picks a free one. The CLI defaults to 4010. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (only this machine can reach it). */
  host?: string;
  /** Generate answers from the schemas instead of serving the spec's named examples. */
  dynamic?: boolean;
  /** A directory with the built API reference (index.html), served at /docs. */
  docsDir?: string;
  /** Called with one line per answered request. */
  log?: (line: string) => void;
}

export interface MockServer {
  /** Base URL, e.g. http://127.0.0.1:4010: pass it as the client's baseUrl. */
  url: string;
  /** The full URL of the mocked operation. */
  endpoint: string;
  /** The API reference's URL, when docsDir was given. */
  docsUrl?: string;
  /** The Prism release answering. */
  prismVersion: string;
  /** Stops listening and closes every open connection. */
  close(): Promise<void>;
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Starts the mock; resolves once it listens. */
export async function startMock(options: MockOptions = {}): Promise<MockServer> {
  const { busboy, prism } = loadMockDependencies();
  const dynamic = options.dynamic ?? false;
  const docsDir = options.docsDir === undefined ? undefined : checkDocsDir(options.docsDir);
  const engine = await createPrismEngine(prism, loadPrismDocument(), { dynamic });
  const server = createMockServer({ engine, busboy, docsDir, log: options.log });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${urlHost(host)}:${port}`;

  let closing: Promise<void> | undefined;
  return {
    url,
    endpoint: `${url}${wireContract.path}`,
    ...(docsDir ? { docsUrl: `${url}${DOCS_PATH}` } : {}),
    prismVersion: engine.prismVersion,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
