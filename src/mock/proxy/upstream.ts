/**
 * Talking to the upstream for the proxy: where a request goes, which headers travel (end-to-end ones only: RFC 9110
 * §7.6.1's hop-by-hop headers are the connection's, not the message's), and the one request per exchange, on the
 * proxy's own agents so that closing the proxy closes every upstream connection too.
 */
import http, { type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

/** Headers that belong to one connection and are never forwarded (each side frames its own message). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);

/** `headers` without the hop-by-hop ones (and those the Connection header names), and without `drop`. */
export function endToEnd(headers: IncomingHttpHeaders, drop: readonly string[] = []): OutgoingHttpHeaders {
  const named = String(headers.connection ?? '')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const out: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || HOP_BY_HOP.has(name) || named.includes(name) || drop.includes(name)) continue;
    out[name] = value;
  }
  return out;
}

export interface Upstream {
  /** The base URL as given, without a trailing slash. */
  readonly base: URL;
  /** Sends one request: `target` is the path and query as the caller sent them. */
  request(method: string, target: string, headers: OutgoingHttpHeaders): http.ClientRequest;
  /** Closes every connection to the upstream. */
  destroy(): void;
}

/** The upstream at `baseUrl` (http or https; a path prefix is kept in front of each request's path). */
export function openUpstream(baseUrl: string): Upstream {
  let base: URL;
  try {
    base = new URL(baseUrl);
  } catch {
    throw new TypeError(`upstream ${JSON.stringify(baseUrl)} is not a URL (e.g. https://api.orq.ai)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new TypeError(`upstream ${JSON.stringify(baseUrl)} must be an http: or https: URL`);
  if (base.search || base.hash || base.username || base.password) throw new TypeError(`upstream ${JSON.stringify(baseUrl)} must be a base URL, without query, fragment or credentials`);
  const prefix = base.pathname.replace(/\/+$/, '');
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  return {
    base,
    request(method, target, headers) {
      const options = { method, host: base.hostname.replace(/^\[(.*)\]$/, '$1'), port: base.port || undefined, path: `${prefix}${target}`, headers, agent };
      return secure ? https.request(options) : http.request(options);
    },
    destroy: () => agent.destroy(),
  };
}
