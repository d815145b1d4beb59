/**
 * What openapi-fetch must have in hand before the transport itself is loaded: the Request class it builds each
 * request with, and the upload body's own type. The transport (transport.ts) loads with the first call.
 */

/** The body of one attempt: the multipart pieces in order, written by the transport, with progress told to `onChunk`. */
export class UploadSegments {
  constructor(
    readonly segments: readonly (string | Blob)[],
    readonly length: number,
    readonly onChunk?: (loaded: number) => void,
  ) {}
}

/** What openapi-fetch builds each request with (in place of the platform's Request): the body and signal as given. */
export class NodeRequest {
  readonly url: string;
  readonly method: string;
  readonly headers: Headers;
  readonly body: unknown;
  readonly signal: AbortSignal | undefined;
  constructor(input: string | URL, init: { method?: string; headers?: HeadersInit; body?: unknown; signal?: AbortSignal | null } = {}) {
    this.url = String(input);
    this.method = (init.method ?? 'GET').toUpperCase();
    this.headers = new Headers(init.headers);
    this.body = init.body;
    this.signal = init.signal ?? undefined;
  }
}
