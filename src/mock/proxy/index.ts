/**
 * `startProxy`: a validating proxy in front of the real service (or any server of the operation). Every request is
 * forwarded to the upstream with the caller's own key (kept for no longer than the exchange, never written), both
 * ways streamed; each exchange is checked against the spec by the mock's own request check and the response check
 * (src/contract/response-check.ts), within bounds for the whole process (response-copy.ts), and reported as one line;
 * `close()` resolves to the summary. Options: `strict` (refuse what the spec refuses, before the upstream sees it)
 * and `recordDir` (write each exchange as a cassette the mock can replay).
 */
import http from 'node:http';
import { wireContract } from '../../contract/spec.js';
import { createSpecEngine } from '../core/spec-engine.js';
import { loadBusboy } from '../dependencies.js';
import { listenOn } from '../node-http.js';
import { proxyExchange, type ProxyContext } from './exchange.js';
import { openRecorder } from './recorder.js';
import { responseChecks } from './response-copy.js';
import { createTally, exchangeLine, type ExchangeReport, type ProxySummary } from './report.js';
import { openUpstream } from './upstream.js';

/** How long an upstream may stay silent before an exchange is cut: an edit takes minutes, the client waits 10. */
const DEFAULT_UPSTREAM_IDLE_MS = 10 * 60_000;
/** Cassettes one run writes at most, unless told otherwise. */
const DEFAULT_MAX_CASSETTES = 1000;

export interface ProxyOptions {
  /** The server to forward to, e.g. https://api.orq.ai (a path prefix is kept). */
  upstream: string;
  /** Port to listen on; 0 (the default) picks a free one. The CLI defaults to 4010. */
  port?: number;
  /** Interface to bind; default 127.0.0.1 (only this machine can reach it). */
  host?: string;
  /** Respond to a request the spec refuses with the mock's refusal (400, 401, 413) instead of forwarding it. */
  strict?: boolean;
  /** Write each exchange of the operation as a cassette into this directory (created if missing). */
  recordDir?: string;
  /** At most this many cassettes per run (default 1000). */
  maxCassettes?: number;
  /** How long the upstream may stay silent before the exchange is cut (default 10 minutes). */
  upstreamIdleMs?: number;
  /** Called with one line per exchange (the key never appears in it). */
  log?: (line: string) => void;
  /** Called with each exchange's report, for callers that want more than the line. */
  onExchange?: (report: ExchangeReport) => void;
}

export interface ProxyServer {
  /** Base URL, e.g. http://127.0.0.1:4010: pass it as the client's baseUrl. */
  url: string;
  /** The full URL of the operation through the proxy. */
  endpoint: string;
  /** The upstream's base URL. */
  upstream: string;
  /** The exchanges so far, counted. */
  summary(): ProxySummary;
  /** Stops listening, closes every connection (callers' and the upstream's), waits for cassettes being written, and resolves to the summary. */
  close(): Promise<ProxySummary>;
}

export async function startProxy(options: ProxyOptions): Promise<ProxyServer> {
  const busboy = loadBusboy();
  const upstream = openUpstream(options.upstream);
  const recorder =
    options.recordDir === undefined
      ? undefined
      : await openRecorder(options.recordDir, options.maxCassettes ?? DEFAULT_MAX_CASSETTES);
  const tally = createTally();
  const inFlight = new Set<Promise<void>>();
  let count = 0;
  const context: ProxyContext = {
    upstream,
    engine: createSpecEngine(),
    busboy,
    strict: options.strict ?? false,
    recorder,
    checks: responseChecks(),
    upstreamIdleMs: options.upstreamIdleMs ?? DEFAULT_UPSTREAM_IDLE_MS,
    nextIndex: () => ++count,
    report(report, cassette) {
      tally.add(report, cassette !== undefined);
      options.log?.(exchangeLine(report));
      options.onExchange?.(report);
    },
  };
  const handle = (req: http.IncomingMessage, res: http.ServerResponse, expectContinue: boolean) => {
    const exchange = proxyExchange(context, req, res, expectContinue).catch((error: Error) => {
      // A bug in the proxy costs this exchange, never the process.
      options.log?.(`proxy: exchange failed: ${error.message}`);
      res.destroy();
    });
    inFlight.add(exchange);
    void exchange.finally(() => inFlight.delete(exchange));
  };
  const server = http.createServer((req, res) => handle(req, res, false));
  server.on('checkContinue', (req, res) => handle(req, res, true));

  const url = await listenOn(server, options.port ?? 0, options.host ?? '127.0.0.1');

  let closing: Promise<ProxySummary> | undefined;
  return {
    url,
    endpoint: `${url}${wireContract.path}`,
    upstream: upstream.base.href.replace(/\/$/, ''),
    summary: () => tally.summary(),
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        upstream.destroy();
        await closed;
        await Promise.allSettled([...inFlight]);
        return tally.summary();
      })();
      return closing;
    },
  };
}
