/**
 * Headers a caller may add (client-wide or per call), minus those the client owns: Authorization comes from the
 * API key alone, and the body's framing (type, length, encoding, expectations) from the body the client wrote. A
 * caller's copy of any of them, in any letter case, is dropped: it would send another key, or a body the server
 * cannot frame.
 */
const OWNED = new Set(['authorization', 'proxy-authorization', 'content-type', 'content-length', 'transfer-encoding', 'content-encoding', 'expect', 'host', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer']);

export function callerHeaders(headers: Record<string, string> | undefined): Record<string, string> {
  const kept: Record<string, string> = {};
  if (!headers) return kept;
  for (const [name, value] of Object.entries(headers)) {
    if (!OWNED.has(name.toLowerCase())) kept[name] = value;
  }
  return kept;
}
