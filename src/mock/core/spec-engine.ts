/**
 * The engine for wherever Prism cannot run (a browser, MSW): the same decisions from the spec's own facts
 * (generated/spec-facts.js). It routes the one operation, checks credentials by the spec's security scheme, and
 * responds with the spec's named examples and the examples of the declared headers (Retry-After: 2), with Prism's
 * problem+json for what is not the operation.
 *
 * Dynamic responses are the one difference: Prism generates values from the schemas; this engine picks among the
 * status's named examples (seeded), so every response is still one the spec shows and its schema accepts.
 */
import { headerOf } from '../../contract/headers.js';
import { responseFacts, specFacts, type SecurityScheme } from '../../contract/spec.js';
import { routedPath } from './check-request.js';
import { chosen } from './respond.js';
import { problemResponse, seededRandom, type MockEngine, type MockResponse, type RequestHead } from './types.js';

export interface SpecEngineOptions {
  /** Pick among the named examples for every request that does not say (`Prefer: dynamic=true` does it per request). */
  dynamic?: boolean;
  /** Makes the picks repeatable: the same sequence of requests gets the same sequence of responses. */
  seed?: string | number;
}

/** How a scheme's credentials are checked, for the schemes this engine knows (Prism's rules for each). */
function credentialCheck(scheme: SecurityScheme): (head: RequestHead) => boolean {
  if (scheme.type === 'http' && scheme.scheme?.toLowerCase() === 'bearer') {
    // Prism's bearer rule: the word "Bearer", case and all, a white space, then anything.
    return (head) => /^Bearer\s.+$/.test(headerOf(head.headers, 'authorization') ?? '');
  }
  throw new Error(
    `the in-page mock checks http bearer credentials only; the spec asks for ${scheme.type}${scheme.scheme ? `/${scheme.scheme}` : ''} (${scheme.name})`,
  );
}

export function createSpecEngine(options: SpecEngineOptions = {}): MockEngine {
  const { operation } = specFacts;
  const method = operation.method.toLowerCase();
  // Any one alternative suffices; every scheme of it must be satisfied. No requirement at all: anyone may call.
  const alternatives = specFacts.security.map((requirement) => requirement.map(credentialCheck));
  const shared = options.seed === undefined ? Math.random : seededRandom(String(options.seed));

  return {
    name: 'spec examples',
    dynamic: options.dynamic ?? false,
    misrouted(head) {
      if (routedPath(head.url.path) !== operation.path)
        return problemResponse(
          'NO_PATH_MATCHED_ERROR',
          `The route ${head.url.path} hasn't been found in the specification file`,
        );
      if (head.method !== method)
        return problemResponse(
          'NO_METHOD_MATCHED_ERROR',
          `The route ${head.url.path} has been matched, but it does not have "${head.method}" method defined`,
        );
      return undefined;
    },
    authorized(head) {
      return alternatives.length === 0 || alternatives.some((checks) => checks.every((check) => check(head)));
    },
    async respond(_head, preferences, { unauthorized = false } = {}): Promise<MockResponse> {
      const { status, exampleKey } = chosen(preferences, unauthorized);
      const facts = responseFacts(status);
      // The core refused undocumented statuses and examples before asking (respond.ts: checkHead).
      if (!facts) throw new Error(`no documented status ${status}`);
      const dynamic = !unauthorized && exampleKey === undefined && (preferences.dynamic ?? options.dynamic ?? false);
      const random = preferences.seed === undefined ? shared : seededRandom(preferences.seed);
      const example =
        exampleKey !== undefined
          ? facts.examples.find((candidate) => candidate.name === exampleKey)
          : facts.examples[dynamic ? Math.floor(random() * facts.examples.length) : 0];
      const headers: Record<string, string> = {};
      for (const [name, header] of Object.entries(facts.headers)) {
        // The header's own example, as Prism sends it; a header without one is left out (Prism would make one up).
        const example = header.example ?? header.schema?.example;
        if (example !== undefined && example !== null) headers[name] = String(example);
      }
      if (facts.contentType) headers['Content-Type'] = facts.contentType;
      const body = example === undefined || !facts.contentType ? '' : JSON.stringify(example.value);
      return { status, headers, body };
    },
  };
}
