/**
 * The few shapes of Prism 5 (prism-http 5.12) that the mock touches, written out here so that the mock's public
 * types never depend on Prism's packages being installed.
 */
import type { MockPreferences } from './core/types.js';

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

/** Per-request mock settings, as Prism's server derives them from `Prefer` (or `__code`-style query keys). */
export type PrismMockPreferences = MockPreferences;

export interface PrismConfig {
  mock: PrismMockPreferences & { dynamic: boolean };
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
  request(input: PrismRequest, operations: PrismOperation[], config?: PrismConfig): () => Promise<Either<PrismProblem, { output: PrismResponse }>>;
}

export interface PrismModules {
  http: {
    getHttpOperationsFromSpec(spec: string | object): Promise<PrismOperation[]>;
    createInstance(config: PrismConfig, components: { logger: PrismLogger }): PrismInstance;
    ProblemJsonError: { toProblemJson(error: PrismProblem): { type: string; title: string; status: number; detail: string } };
  };
  router(args: { resources: PrismOperation[]; input: PrismRequest }): Either<PrismProblem, PrismOperation>;
  validateSecurity(args: { resource: PrismOperation; element: PrismRequest }): Either<unknown[], PrismRequest>;
  getHttpConfigFromRequest(input: PrismRequest): Either<PrismProblem, PrismMockPreferences>;
  /** Applies the document's `x-json-schema-faker` options to the generator behind dynamic answers (as `prism mock` does). */
  configureDataGenerator(document: object, cliOptions: Record<string, unknown>): Promise<void>;
  version: string;
}
