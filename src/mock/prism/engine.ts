/**
 * Prism, in process, as the Node mock's engine: it routes a request, checks its credentials against the spec's
 * security schemes, and picks or generates the response (named examples, `Prefer: code=` and `example=` as the core
 * read them, dynamic data from the schemas). Also the shapes of Prism the mock touches, and the document Prism reads.
 *
 * Prism never sees the multipart body: the core (core/respond.ts) has streamed, decoded and validated it with the
 * generated validators (Prism 5 cannot decode JSON text parts, ignores file parts, and buffers bodies). So Prism
 * runs with request validation off and responds from the request's method, path and headers.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { headerOf } from '../../contract/headers.js';
import type { MockResponse, MockEngine, MockPreferences, RequestHead } from '../core/types.js';

// The few shapes of Prism 5 (prism-http 5.12) the mock touches, written out here so that the mock's public types never
// depend on Prism's packages being installed.

export type Either<L, R> = { _tag: 'Left'; left: L } | { _tag: 'Right'; right: R };

/** Prism's request object: lower-case method, path and query apart, headers lower-cased. */
export interface PrismRequest {
  method: string;
  url: { path: string; baseUrl?: string; query?: Record<string, string | string[]> };
  headers?: Record<string, string>;
  body?: unknown;
}

export interface PrismResponse {
  statusCode: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** Prism's errors (ProblemJsonError): a `name` URL, a status and a detail; some carry extra headers. */
export interface PrismProblem extends Error {
  status?: number;
  detail?: string;
  additional?: { headers?: Record<string, string> };
}

export interface PrismConfig {
  mock: MockPreferences & { dynamic: boolean };
  checkSecurity: boolean;
  validateRequest: boolean;
  validateResponse: boolean;
  errors: boolean;
  upstreamProxy: undefined;
  isProxy: false;
}

/** One operation as Prism holds it (IHttpOperation); only passed back to Prism. */
export type PrismOperation = { method: string; path: string } & Record<string, unknown>;

export interface PrismLogger {
  child(bindings: object): PrismLogger;
  [level: string]: unknown;
}

export interface PrismInstance {
  request(
    input: PrismRequest,
    operations: PrismOperation[],
    config?: PrismConfig,
  ): () => Promise<Either<PrismProblem, { output: PrismResponse }>>;
}

export interface PrismModules {
  http: {
    getHttpOperationsFromSpec(spec: string | object): Promise<PrismOperation[]>;
    createInstance(config: PrismConfig, components: { logger: PrismLogger }): PrismInstance;
    ProblemJsonError: {
      toProblemJson(error: PrismProblem): { type: string; title: string; status: number; detail: string };
    };
  };
  router(args: { resources: PrismOperation[]; input: PrismRequest }): Either<PrismProblem, PrismOperation>;
  validateSecurity(args: { resource: PrismOperation; element: PrismRequest }): Either<unknown[], PrismRequest>;
  /** Applies the document's `x-json-schema-faker` options to the generator behind dynamic responses (as `prism mock` does). */
  configureDataGenerator(document: object, cliOptions: Record<string, unknown>): Promise<void>;
  version: string;
}

/**
 * The bundled spec (generated/openapi.json beside src/ or dist/src/), whole, for Prism: it routes, checks credentials
 * and builds responses from the document itself.
 */
export function loadPrismDocument(): Record<string, unknown> {
  return JSON.parse(
    readFileSync(fileURLToPath(new URL('../../../generated/openapi.json', import.meta.url)), 'utf8'),
  ) as Record<string, unknown>;
}

export interface PrismEngine extends MockEngine {
  prismVersion: string;
}

/** Prism logs through pino; the mock prints its own one-line log instead. */
const silentLogger: PrismLogger = new Proxy({} as PrismLogger, {
  get: (_target, key) => (key === 'child' ? () => silentLogger : () => undefined),
});

function serialise(body: unknown, contentType: string | undefined): string {
  if (body === undefined) return '';
  if (typeof body === 'string' && !/json/i.test(contentType ?? '')) return body;
  return JSON.stringify(body);
}

/**
 * The request as Prism gets it, without `Accept`: the real service responds with JSON whatever Accept says, while Prism
 * would respond 406 to `Accept: text/html` (and, with a forced code, a 500 of its own).
 */
function forPrism(head: RequestHead): PrismRequest {
  const headers = Object.fromEntries(Object.entries(head.headers).filter(([name]) => name.toLowerCase() !== 'accept'));
  return { ...head, headers };
}

export async function createPrismEngine(
  prism: PrismModules,
  document: Record<string, unknown>,
  options: { dynamic: boolean },
): Promise<PrismEngine> {
  // Prism dereferences in place: give it its own copy of the document.
  const operations = await prism.http.getHttpOperationsFromSpec(structuredClone(document));
  // The spec's x-json-schema-faker options (useExamplesValue) make dynamic responses draw schema-level examples, so a
  // generated b64_json is still a picture that decodes and a url still a URL. Prism reads nothing else of the
  // document it is given here: the key alone spares dereferencing the whole spec a second time.
  const generatorOptions =
    'x-json-schema-faker' in document
      ? { 'x-json-schema-faker': structuredClone(document['x-json-schema-faker']) }
      : {};
  await prism.configureDataGenerator(generatorOptions, {});
  const config: PrismConfig = {
    mock: { dynamic: options.dynamic },
    checkSecurity: true,
    validateRequest: false,
    validateResponse: false,
    errors: false,
    upstreamProxy: undefined,
    isProxy: false,
  };
  const instance = prism.http.createInstance(config, { logger: silentLogger });

  const problem = (error: PrismProblem): MockResponse => {
    const json = prism.http.ProblemJsonError.toProblemJson(error);
    return {
      status: json.status || 500,
      headers: { ...error.additional?.headers, 'Content-Type': 'application/problem+json' },
      body: JSON.stringify(json),
    };
  };
  // The core asks misrouted() then authorized() of the same head: route it once.
  const routes = new WeakMap<RequestHead, ReturnType<PrismModules['router']>>();
  const route = (head: RequestHead) => {
    let routed = routes.get(head);
    if (!routed) routes.set(head, (routed = prism.router({ resources: operations, input: forPrism(head) })));
    return routed;
  };

  return {
    name: `Prism ${prism.version}`,
    prismVersion: prism.version,
    dynamic: options.dynamic,
    misrouted(head) {
      const routed = route(head);
      return routed._tag === 'Left' ? problem(routed.left) : undefined;
    },
    authorized(head) {
      const routed = route(head);
      return (
        routed._tag === 'Right' &&
        prism.validateSecurity({ resource: routed.right, element: forPrism(head) })._tag === 'Right'
      );
    },
    // Prism checks the credentials again itself (checkSecurity) and responds 401 from the spec when they fail.
    async respond(head, preferences) {
      const result = await instance.request(forPrism(head), operations, {
        ...config,
        mock: { ...config.mock, ...preferences },
      })();
      if (result._tag === 'Left') return problem(result.left);
      const { statusCode, headers = {}, body } = result.right.output;
      const contentType = headerOf(headers, 'content-type');
      const clean = Object.fromEntries(
        Object.entries(headers).filter(([name, value]) => name.toLowerCase() !== 'content-type' && value != null),
      );
      return {
        status: statusCode,
        headers: { ...clean, ...(contentType ? { 'Content-Type': contentType } : {}) },
        body: serialise(body, contentType),
      };
    },
  };
}
