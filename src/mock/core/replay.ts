/**
 * Replay: the mock answers a request with the answer a real server gave the same request, when a cassette recorded
 * one (cassette.ts says what "the same" is). A step of the answer choice, after the request is judged valid and
 * before the engine picks an example:
 *
 *   a request with a `Prefer` (code, example, dynamic) → the engine, as asked
 *   else a matching cassette → its recorded answer (several for one request: served in the order recorded, the last
 *     one repeating, so a recorded 429 then 200 replays as such)
 *   else → the engine's example
 *
 * Requests the mock refuses (credentials, a body the spec rejects) never reach replay, so a cassette of such a
 * request is kept for its report but never matched. A cassette whose body was cut short is not replayed.
 */
import type { Drift } from '../../contract/drift.js';
import type { RequestIssue } from '../../contract/issues.js';
import { judgeAnswer } from '../../contract/answer-judge.js';
import { cassetteAnswer, receivedFileOf, requestKey, type Cassette } from './cassette.js';
import { checkRequest, fileFieldNamer, type CheckedRequest } from './request-check.js';
import type { MockAnswer, MockPreferences } from './types.js';

/** A recorded request read again by the mock's own judge, as if it had just arrived. */
export function judgeRecordedRequest(cassette: Cassette): CheckedRequest {
  const fieldOf = fileFieldNamer();
  const files = cassette.request.images.map((image) => receivedFileOf(image, fieldOf(image.name).field));
  return checkRequest(cassette.request.parts, files);
}

/**
 * A cassette judged by the current spec: the recorded request by the mock's judge, the recorded answer by the
 * answer judge. A spec change that real traffic contradicts shows here: a request a server accepted (2xx) that the
 * spec now refuses, or an answer that no longer fits.
 */
export function judgeCassette(cassette: Cassette): { requestIssues: RequestIssue[]; drift: Drift[] } {
  const request = judgeRecordedRequest(cassette);
  const { status, headers, body, text, truncated } = cassette.response;
  const drift: Drift[] = truncated
    ? [{ field: 'body', expected: 'the whole answer', received: 'a recording cut short' }]
    : judgeAnswer({ status, headers, text: body !== undefined ? JSON.stringify(body) : (text ?? '') }, { responseFormat: request.fields.response_format }).drift;
  return { requestIssues: request.issues, drift };
}

export interface Replayer {
  /** How many cassettes can be replayed (valid requests, whole answers). */
  readonly size: number;
  /** The recorded answer for this judged request, or undefined when the engine should answer. */
  answer(preferences: MockPreferences, request: CheckedRequest): MockAnswer | undefined;
}

/** A replayer still being filled: cassettes are added one at a time, so a directory is never held whole, parsed. */
export interface ReplayIndex extends Replayer {
  /** Keeps the cassette's answer for its request, when it can be replayed (a valid request, a whole answer). */
  add(cassette: Cassette): void;
}

const keyOf = (request: CheckedRequest) => requestKey(request.fields, request.files.map((file) => file.sha256));

export function createReplayer(cassettes: Iterable<Cassette> = []): ReplayIndex {
  const byKey = new Map<string, { answers: MockAnswer[]; served: number }>();
  let size = 0;
  const index: ReplayIndex = {
    get size() {
      return size;
    },
    add(cassette) {
      if (cassette.response.truncated) return;
      const request = judgeRecordedRequest(cassette);
      if (request.issues.length > 0) return;
      const key = keyOf(request);
      const entry = byKey.get(key) ?? { answers: [], served: 0 };
      entry.answers.push(cassetteAnswer(cassette));
      byKey.set(key, entry);
      size++;
    },
    answer(preferences, request) {
      if (preferences.code !== undefined || preferences.exampleKey !== undefined || preferences.dynamic !== undefined) return undefined;
      const entry = byKey.get(keyOf(request));
      if (!entry) return undefined;
      const answer = entry.answers[Math.min(entry.served, entry.answers.length - 1)]!;
      entry.served++;
      return { ...answer, headers: { ...answer.headers } };
    },
  };
  for (const cassette of cassettes) index.add(cassette);
  return index;
}
