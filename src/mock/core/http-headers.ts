/**
 * What HTTP/1.1 lets a header be, and which headers belong to one connection rather than to the message: shared by
 * the validating proxy (which forwards messages) and replay (which sends recorded ones again). Platform-free: the
 * MSW handlers replay cassettes in a page.
 */

/** Headers that belong to one connection and are never passed on (each side frames its own message): RFC 9110 §7.6.1. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'host']);

/** `headers` without the hop-by-hop ones (and those the Connection header names), and without `drop` (lower-case). */
export function endToEnd<V>(headers: Readonly<Record<string, V | undefined>>, drop: readonly string[] = []): Record<string, V> {
  const named = Object.entries(headers)
    .filter(([name]) => name.toLowerCase() === 'connection')
    .flatMap(([, value]) => String(value ?? '').split(','))
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  const out: Record<string, V> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.has(lower) || named.includes(lower) || drop.includes(lower)) continue;
    out[name] = value;
  }
  return out;
}

/** A field name: RFC 9110's token (no space, no colon, no control character). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A field value: visible characters, spaces, tabs and obs-text bytes; never CR, LF or NUL (RFC 9110 §5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Why this header cannot be sent as it is (undefined when it can): what node:http and fetch's Headers would throw at. */
export function unsendableHeader(name: string, value: string): string | undefined {
  if (!TOKEN.test(name)) return `has a name HTTP cannot carry (${JSON.stringify(name)}: only letters, digits and !#$%&'*+-.^_\`|~)`;
  if (!FIELD_VALUE.test(value)) return `has a value HTTP cannot carry (${JSON.stringify(value.slice(0, 80))}: no CR, LF, NUL or other control character)`;
  return undefined;
}
