/**
 * The path as a server routes it: percent-escapes decoded (a server routes `/v2/router/images/%65dits` to the
 * operation, as Prism does), then normalised (empty and `.` segments dropped, `..` applied, no trailing slash).
 * Every comparison of a request's path with the operation's goes through this one function, so a request cannot
 * reach the operation under a spelling the comparison does not recognise (the proxy's --strict relies on it).
 */
export function routedPath(path: string): string {
  // Decoded byte by byte (a malformed escape stays as written, invalid UTF-8 becomes U+FFFD): never throws.
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < path.length; i++) {
    const escape = path[i] === '%' ? /^[0-9a-f]{2}$/i.exec(path.slice(i + 1, i + 3)) : null;
    if (escape) {
      bytes.push(parseInt(escape[0], 16));
      i += 2;
    } else bytes.push(...encoder.encode(path[i]!));
  }
  const decoded = new TextDecoder().decode(new Uint8Array(bytes));
  const segments: string[] = [];
  for (const segment of decoded.split(/[/\\]/)) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return `/${segments.join('/')}`;
}
