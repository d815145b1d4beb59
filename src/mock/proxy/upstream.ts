/**
 * Talking to the upstream for the proxy: where a request goes, and the one request per exchange, on the proxy's own
 * agents so that closing the proxy closes every upstream connection too. Which headers travel is core/types.ts's
 * endToEnd (RFC 9110 §7.6.1's hop-by-hop headers are the connection's, not the message's; replay drops the same).
 */
import http, { type OutgoingHttpHeaders } from 'node:http';
import https from 'node:https';

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
  if (base.protocol !== 'http:' && base.protocol !== 'https:')
    throw new TypeError(`upstream ${JSON.stringify(baseUrl)} must be an http: or https: URL`);
  if (base.search || base.hash || base.username || base.password)
    throw new TypeError(
      `upstream ${JSON.stringify(baseUrl)} must be a base URL, without query, fragment or credentials`,
    );
  const prefix = base.pathname.replace(/\/+$/, '');
  const secure = base.protocol === 'https:';
  const agent = secure ? new https.Agent({ keepAlive: true }) : new http.Agent({ keepAlive: true });
  return {
    base,
    request(method, target, headers) {
      const options = {
        method,
        host: base.hostname.replace(/^\[(.*)\]$/, '$1'),
        port: base.port || undefined,
        path: `${prefix}${target}`,
        headers,
        agent,
      };
      return secure ? https.request(options) : http.request(options);
    },
    destroy: () => agent.destroy(),
  };
}
