/**
 * The shapes the mock's core works in: a request's head (no socket, no stream: MSW's core knows none either), the
 * body as an intake read it, the engine that routes and picks answers, and the answer. The Node server and the MSW
 * handlers each turn their own request into these, so that everything between is one code path.
 */
import type { RequestIssue } from '../../contract/issues.js';
import type { KeptImage } from './images.js';

/** A request before its body: lower-case method and header names, the path and query apart (Prism's form). */
export interface RequestHead {
  method: string;
  url: { path: string; query?: Record<string, string | string[]> };
  headers: Record<string, string>;
  /** Scheme, host and port the request reached (`http://127.0.0.1:4010`): URLs in answers point back there. */
  origin?: string;
}

/** An answer ready to send: status, headers, serialised body. */
export interface MockAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What a request asks of the mock, through `Prefer` (or `__code`-style query keys). */
export interface MockPreferences {
  code?: number;
  exampleKey?: string;
  dynamic?: boolean;
  seed?: string;
}

export type Decided<T> = { ok: true; value: T } | { ok: false; answer: MockAnswer };

/**
 * Routes a request, reads its preferences, checks its credentials and picks the answer the spec gives. Two exist:
 * Prism in process (the Node mock) and the spec's own examples (the MSW handlers, wherever Prism cannot run); the
 * core asks them the same questions in the same order, and test/msw holds them to the same answers.
 */
export interface MockEngine {
  /** Who answers, for banners and logs (`Prism 5.14.2`, `spec examples`). */
  readonly name: string;
  /** Whether answers are generated rather than the spec's named examples when a request does not say. */
  readonly dynamic: boolean;
  /** Undefined when the request reaches the operation; else the answer (404 for another path, 405 for another method). */
  misrouted(head: RequestHead): MockAnswer | undefined;
  /** The request's preferences, or a 422 for ones that cannot be read. */
  preferences(head: RequestHead): Decided<MockPreferences>;
  /** Whether the request's credentials satisfy the operation's security requirements. */
  authorized(head: RequestHead): boolean;
  /**
   * The spec's answer with these preferences. `unauthorized` asks for the credentials error (401; a named example
   * of it only when the request asked for code 401). The core has already checked that the code and example exist.
   */
  answer(head: RequestHead, preferences: MockPreferences, options?: { unauthorized?: boolean }): Promise<MockAnswer>;
}

/** Bounds on reading one body, from the spec's limits. */
export interface IntakeLimits {
  /** Largest file part, in bytes. */
  maxFileBytes: number;
  /** Largest whole body, in bytes (Content-Length, or counted as it arrives). */
  maxBodyBytes: number;
  /** Largest total of all text parts, in bytes (so text held in memory stays small whatever the part count). */
  maxTextBytes: number;
  /** Most parts a body may have. */
  maxParts: number;
}

/** A text part as received. */
export interface ReceivedText {
  name: string;
  value: string;
}

/** A file part as received: counted and sniffed, never held whole. */
export interface ReceivedFile {
  /** The part's name as sent (`image`, `image[]`, or anything else). */
  name: string;
  /** How issues name this part: `image[3]` for the fourth file of a file field, else the part's name. */
  field: string;
  filename: string;
  /** The media type the sender declared; undefined when it declared none (or none a parser can tell from none). */
  declaredType: string | undefined;
  size: number;
  /** The first bytes, for sniffing the media type. */
  head: Uint8Array;
  /** The SHA-256 of all its bytes, in hex, when the intake was asked for it (replay matches images by it). */
  sha256?: string;
  /** The whole image, kept for making the answer from it (the first image only; see each intake for its bounds). */
  kept?: KeptImage;
}

/** What reading a body gave: its parts, or the first violation that stopped the reading. */
export type Intake =
  | { outcome: 'complete'; textParts: ReceivedText[]; files: ReceivedFile[] }
  | { outcome: 'too-large'; issue: RequestIssue }
  | { outcome: 'malformed'; issue: RequestIssue }
  | { outcome: 'aborted' };
