/**
 * How a path is routed, in two views, each used everywhere its question is asked:
 * - `routedPath`: as the Node mock (Prism behind node:http) routes it, so the in-page mock answers the same:
 *   dot segments and backslashes resolved as a URL parser does, percent-escapes decoded; empty segments and a
 *   trailing slash kept (Prism answers 404 for `/edits/` and `//edits`).
 * - `mayRouteTo`: whether some server might route the path to the operation (empty segments and a trailing slash
 *   dropped as well). The proxy's --strict asks this one: an upstream we do not know must not receive, unchecked,
 *   a request under a spelling it may accept (`%65dits`, `edits/`).
 */
export function routedPath(path: string): string {
  // WHATWG URL parsing resolves `.`, `..` and `\` as node:http's URL-based routers do; a path it cannot parse is
  // left as written (it routes nowhere).
  let resolved = path;
  try {
    resolved = new URL(path.startsWith('/') ? path : `/${path}`, 'http://routed.invalid').pathname;
  } catch {
    // keep as written
  }
  return percentDecoded(resolved);
}

export function mayRouteTo(path: string, operationPath: string): boolean {
  const segments = routedPath(path).split(/[/\\]/).filter((segment) => segment !== '' && segment !== '.');
  const normalised: string[] = [];
  for (const segment of segments) {
    if (segment === '..') normalised.pop();
    else normalised.push(segment);
  }
  return `/${normalised.join('/')}` === operationPath;
}

/** Decoded byte by byte (a malformed escape stays as written, invalid UTF-8 becomes U+FFFD): never throws. */
function percentDecoded(path: string): string {
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < path.length; i++) {
    const escape = path[i] === '%' ? /^[0-9a-f]{2}$/i.exec(path.slice(i + 1, i + 3)) : null;
    if (escape) {
      bytes.push(parseInt(escape[0], 16));
      i += 2;
    } else bytes.push(...encoder.encode(path[i]!));
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}
