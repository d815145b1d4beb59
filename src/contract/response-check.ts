/**
 * A whole response of the operation checked against the spec, for the sides that watch real traffic rather than call
 * (the validating proxy, the server check, the cassettes' re-validation): is the status documented, does the body
 * come in the documented media type, does it pass the status's schema, do the declared headers hold, and (2xx) are
 * the images usable and in the form the request asked for. Every departure is a Drift (issues.ts), one format
 * wherever it is printed.
 *
 * The client checks its own 2xx responses (src/client/response.ts) with the same pieces (the generated validator,
 * images.ts) but reads no spec facts, which carry example bodies a browser bundle need not.
 */
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { headerOf, mediaTypeOf } from './headers.js';
import { checkImages } from './images.js';
import { driftFromAjv, receivedValue, shown, type Drift } from './issues.js';
import { responseFacts, specFacts } from './spec.js';

export interface ReceivedResponse {
  status: number;
  /** Header names in any case (read with headerOf). */
  headers: Record<string, string | string[] | undefined>;
  /** The body, decoded (gzip, deflate and br undone), as text. */
  text: string;
}

/** What the request asked that the response must honour. */
export interface ResponseContext {
  /** The request's `response_format`, when it had one. */
  responseFormat?: unknown;
}

export interface CheckedResponse {
  drift: Drift[];
  /** The body parsed as JSON; undefined when it is not JSON (drift says so). */
  body: unknown;
}

const documentedStatuses = specFacts.responses.map((response) => response.status);

/** The declared headers of a documented status: required ones present, each present one as its schema says. */
function headerDrift(
  declared: NonNullable<ReturnType<typeof responseFacts>>['headers'],
  headers: ReceivedResponse['headers'],
): Drift[] {
  const found: Drift[] = [];
  for (const [name, header] of Object.entries(declared)) {
    const value = headerOf(headers, name);
    const field = `headers.${name.toLowerCase()}`;
    if (value === undefined) {
      if (header.required) found.push({ field, expected: 'required', received: 'missing' });
      continue;
    }
    // Header schemas here are strings with a pattern; the spec's own patterns, so no hostile expression.
    const pattern = header.schema?.pattern;
    if (typeof pattern === 'string' && !new RegExp(pattern, 'u').test(value))
      found.push({ field, expected: `pattern ${pattern}`, received: shown(value) });
  }
  return found;
}

/** Every way `response` departs from the spec, and its body parsed when it is JSON. */
export function checkResponse(response: ReceivedResponse, context: ResponseContext = {}): CheckedResponse {
  const facts = responseFacts(response.status);
  let body: unknown;
  let parsed = false;
  try {
    body = response.text === '' ? undefined : JSON.parse(response.text);
    parsed = response.text !== '';
  } catch {
    body = undefined;
  }
  if (!facts)
    return {
      drift: [
        { field: 'status', expected: `one of ${documentedStatuses.join(', ')}`, received: String(response.status) },
      ],
      body,
    };

  const drift = headerDrift(facts.headers, response.headers);
  if (facts.contentType === null) {
    if (response.text !== '') drift.push({ field: 'body', expected: 'no body', received: shown(response.text) });
    return { drift, body };
  }
  const declared = headerOf(response.headers, 'content-type');
  const mediaType = mediaTypeOf(declared);
  if (mediaType !== facts.contentType)
    drift.push({ field: 'headers.content-type', expected: facts.contentType, received: receivedValue(declared) });
  if (!parsed) {
    drift.push({
      field: 'body',
      expected: `JSON (${facts.contentType})`,
      received: response.text === '' ? 'nothing' : shown(response.text),
    });
    return { drift, body };
  }
  // Every documented 2xx carries the edit's result, every other status the error body (the spec's two body schemas).
  const success = /^2\d\d$/.test(facts.status);
  const validate = success ? validateImageEditResponse : validateErrorResponse;
  if (!validate(body)) drift.push(...driftFromAjv(validate.errors, body));
  if (success) drift.push(...checkImages(body, context.responseFormat).departures.map((departure) => departure.drift));
  return { drift, body };
}
