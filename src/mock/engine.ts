/**
 * Prism, in process, as the engine that routes a request, checks its credentials against the spec's security
 * schemes, and picks or generates the answer (named examples, `Prefer: code=`, `Prefer: example=`, dynamic data).
 *
 * Prism never sees the multipart body: the front server has streamed, decoded and validated it with the generated
 * validators (Prism 5 cannot decode JSON text parts, ignores file parts, and buffers bodies). So Prism runs with
 * request validation off and answers from the request's method, path and headers.
 */
import type { PrismConfig, PrismLogger, PrismMockPreferences, PrismModules, PrismOperation, PrismProblem, PrismRequest } from './prism-types.js';
import { examplesOf } from '../contract/spec-facts.js';

/** An answer ready to write: status, headers, serialised body. */
export interface MockAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface MockEngine {
  prismVersion: string;
  /** The operation the request reaches, or undefined (then `answer` gives Prism's 404/405). */
  route(input: PrismRequest): PrismOperation | undefined;
  /** Whether the request's credentials satisfy the operation's security schemes (Prism's own check). */
  authorized(operation: PrismOperation, input: PrismRequest): boolean;
  /** The request's `Prefer` header (or `__code`-style query keys) as mock settings, or Prism's 422 for a bad one. */
  preferences(input: PrismRequest): { ok: true; value: PrismMockPreferences } | { ok: false; answer: MockAnswer };
  /** Prism's answer to the request with those settings. */
  answer(input: PrismRequest, preferences?: PrismMockPreferences): Promise<MockAnswer>;
  /** The 200 example whose images come back the way `response_format` asks (`url` or `b64_json`), if one does. */
  exampleFor(responseFormat: unknown): string | undefined;
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

export async function createEngine(prism: PrismModules, document: Record<string, unknown>, options: { dynamic: boolean }): Promise<MockEngine> {
  // Prism dereferences in place: give it its own copy of the document.
  const operations = await prism.http.getHttpOperationsFromSpec(structuredClone(document));
  // The spec's x-json-schema-faker options (useExamplesValue) make dynamic answers draw schema-level examples, so a
  // generated b64_json is still a picture that decodes and a url still a URL.
  await prism.configureDataGenerator(structuredClone(document), {});
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

  const problem = (error: PrismProblem): MockAnswer => {
    const json = prism.http.ProblemJsonError.toProblemJson(error);
    return { status: json.status || 500, headers: { ...error.additional?.headers, 'Content-Type': 'application/problem+json' }, body: JSON.stringify(json) };
  };

  const okExamples = examplesOf(200);

  return {
    prismVersion: prism.version,
    route(input) {
      const routed = prism.router({ resources: operations, input });
      return routed._tag === 'Right' ? routed.right : undefined;
    },
    authorized(operation, input) {
      return prism.validateSecurity({ resource: operation, element: input })._tag === 'Right';
    },
    preferences(input) {
      const parsed = prism.getHttpConfigFromRequest(input);
      if (parsed._tag === 'Left') return { ok: false, answer: problem(parsed.left) };
      // Prism's decoder leaves absent preferences as undefined keys; drop them so they do not override defaults.
      const value = Object.fromEntries(Object.entries(parsed.right).filter(([, v]) => v !== undefined)) as PrismMockPreferences;
      return { ok: true, value };
    },
    async answer(input, preferences = {}) {
      const result = await instance.request(input, operations, { ...config, mock: { ...config.mock, ...preferences } })();
      if (result._tag === 'Left') return problem(result.left);
      const { statusCode, headers = {}, body } = result.right.output;
      const contentType = Object.entries(headers).find(([name]) => name.toLowerCase() === 'content-type')?.[1];
      const clean = Object.fromEntries(Object.entries(headers).filter(([name, value]) => name.toLowerCase() !== 'content-type' && value != null));
      return { status: statusCode, headers: { ...clean, ...(contentType ? { 'Content-Type': contentType } : {}) }, body: serialise(body, contentType) };
    },
    exampleFor(responseFormat) {
      if (typeof responseFormat !== 'string') return undefined;
      return okExamples.find(({ value }) => {
        const data = (value as { data?: unknown } | undefined)?.data;
        return Array.isArray(data) && data.length > 0 && data.every((item) => item && typeof item === 'object' && responseFormat in item);
      })?.name;
    },
  };
}
