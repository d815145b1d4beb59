/**
 * What the mock adds to the engine's choice, for both surfaces: the 200 made from the request (answer-made.ts),
 * the images of `url` answers held for /files (file-store.ts), the server-wide seed and latency, and each request's
 * delivery plan (delivery.ts).
 *
 * The engine (Prism, or the spec's examples) still routes, checks credentials and chooses the answer: its status,
 * a named example, `Prefer`. Only the success it picks when the request asks for no status and no example is made
 * from the request (dynamic or not); whatever `Prefer: code=` or `example=` asks for is sent exactly as the engine
 * gives it (the spec's examples, every status).
 */
import { answerMaking, madeAnswer, type AnswerMaking } from './answer-made.js';
import { successStatus } from './choice.js';
import { readDelivery, type DeliveryPlan, type Latency } from './delivery.js';
import { unavailableAnswer } from './error-answer.js';
import { FileStore } from './file-store.js';
import type { ImageMaker } from './images.js';
import { QueueFullError } from './limiter.js';
import { randomFor, type Random } from './random.js';
import type { Replayer } from './replay.js';
import type { CheckedRequest } from './request-check.js';
import type { Decided, MockAnswer, MockEngine, MockPreferences, RequestHead } from './types.js';

export interface AnsweringOptions {
  /** Makes the images of answers; without one, a success is the spec's named example for `response_format`. */
  images?: ImageMaker;
  /** Every answer waits this long (a range is jittered); `Prefer: delay=` overrides it per request. */
  latency?: Latency;
  /** Makes every generated value repeatable: dynamic answers, file names, latency jitter. */
  seed?: string | number;
  /** The clock, for `created` (tests). */
  now?: () => number;
  /** Recorded answers to replay before anything is made or picked (replay.ts). */
  replayer?: Replayer;
  /** How many answers may wait for their images in each lane (answer-made.ts); one more is answered 503. */
  imageQueue?: number;
}

export interface Answering {
  readonly making: AnswerMaking | undefined;
  readonly files: FileStore;
  readonly latency: Latency | undefined;
  readonly seed: string | number | undefined;
  readonly random: Random;
  readonly replayer: Replayer | undefined;
  /** The seed for the next request that brings none of its own: a sequence, so repeated runs repeat. */
  nextSeed(): string | undefined;
}

export function createAnswering(options: AnsweringOptions = {}): Answering {
  const random = randomFor(options.seed === undefined ? undefined : `${options.seed}:mock`);
  const files = new FileStore({ random: randomFor(options.seed === undefined ? undefined : `${options.seed}:files`), now: options.now });
  let count = 0;
  return {
    making: options.images ? answerMaking(options.images, files, options.now, options.imageQueue) : undefined,
    files,
    latency: options.latency,
    seed: options.seed,
    random,
    replayer: options.replayer,
    nextSeed: () => (options.seed === undefined ? undefined : `${options.seed}:${++count}`),
  };
}

/** The request's delay and fault, or a 422 naming a `delay=` or `fault=` that cannot be read. */
export function deliveryOf(answering: Answering, head: RequestHead): Decided<DeliveryPlan> {
  return readDelivery(head, answering.latency, answering.random);
}

function objectOf(body: string): Record<string, unknown> | undefined {
  try {
    const value: unknown = JSON.parse(body);
    return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The answer to a valid request, made from it when the engine picks a success without a named example: a 503 with
 * Retry-After when its images' line is full (nothing done), and a rejection with `signal`'s reason once the client
 * has gone (its image work dropped; there is nobody to answer).
 */
export async function answerMade(engine: MockEngine, head: RequestHead, preferences: MockPreferences, request: CheckedRequest, answering: Answering, signal?: AbortSignal): Promise<MockAnswer> {
  const making = answering.making!;
  const wanted = { ...preferences };
  if (wanted.seed === undefined) {
    const seed = answering.nextSeed();
    if (seed !== undefined) wanted.seed = seed;
  }
  const answer = await engine.answer(head, wanted);
  // `Prefer: code=` or `example=` asks for the spec's own answer: it is sent exactly as written.
  const made = wanted.exampleKey === undefined && wanted.code === undefined && answer.status === successStatus;
  if (!made) return answer;
  const generated = (wanted.dynamic ?? engine.dynamic) ? objectOf(answer.body) : undefined;
  let body: Record<string, unknown>;
  try {
    body = await madeAnswer(making, request, head.origin ?? '', generated, signal);
  } catch (error) {
    if (!(error instanceof QueueFullError)) throw error;
    const issue = { field: '(image queue)', message: `is full: ${error.message}; nothing was done, retry after ${error.retryAfterSeconds} s` };
    return unavailableAnswer(issue, error.retryAfterSeconds);
  }
  return { status: answer.status, headers: { ...answer.headers, 'Content-Type': 'application/json' }, body: JSON.stringify(body) };
}
