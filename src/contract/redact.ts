/**
 * Keeps an API key out of everything that came from the network and leaves again: the client's errors, retry events
 * and responses a CLI prints, and the validating proxy's reports and recordings. A server or a proxy may echo the Authorization header anywhere (a body, a header value or name, a message shortened
 * mid-key), escaped the way JSON or util.inspect escape a string, or lower-cased (header names), so every string that
 * came from the network is scrubbed before it leaves.
 *
 * Short keys: a key shorter than WHOLE_TOKEN_BELOW characters (a throwaway key such as `x` or `test-key`, as tests
 * use against the mock) is redacted only where it stands as a token of its own, never inside a longer word, so an
 * error's `code` (`rate_limit_exceeded`) and message stay intact. A longer key cannot occur by chance and is
 * redacted wherever it appears, glued to other text or not.
 */
const REDACTED = '[redacted]';
/** A cut-off start of the secret this long or longer is redacted too: messages shorten long text, maybe mid-key. */
const MIN_SECRET_PIECE = 8;
/** Keys shorter than this are matched only as whole tokens (see above). */
const WHOLE_TOKEN_BELOW = 16;
/** What a token is made of: a short key glued to one of these is part of a longer word, not the key. */
const TOKEN_CHAR = /[A-Za-z0-9_-]/;

/** Where one matching scan found the secret (in one of its written forms): [start, end) of `text`. */
type Span = [number, number];

/**
 * The ways the secret may be written in text that reached the client: as is; escaped as JSON writes a string (`"`
 * and `\` escaped, twice when JSON was put inside JSON); escaped as util.inspect writes it in single quotes; and
 * percent-encoded, as in a URL. (util.inspect picks single quotes, double quotes or backticks, whichever the string
 * does not contain, and escapes backslashes and its own quote.)
 */
function writtenForms(secret: string): string[] {
  const json = JSON.stringify(secret).slice(1, -1);
  const twice = JSON.stringify(json).slice(1, -1);
  const backslashes = secret.replace(/\\/g, '\\\\');
  const inspected = backslashes.replace(/'/g, "\\'");
  return [...new Set([secret, json, twice, backslashes, inspected, encodeURIComponent(secret)])];
}

const sameLetter = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
const isTokenChar = (char: string | undefined) => char !== undefined && TOKEN_CHAR.test(char);

/** Every place `form` (or a start of it of MIN_SECRET_PIECE or more characters) appears, letter case ignored. */
function spansOf(text: string, form: string, wholeTokens: boolean): Span[] {
  const probe = form.slice(0, MIN_SECRET_PIECE);
  const escaped = probe.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const finder = new RegExp(escaped, 'gi');
  const spans: Span[] = [];
  for (let found = finder.exec(text); found !== null; found = finder.exec(text)) {
    const at = found.index;
    let end = at + probe.length;
    while (end - at < form.length && sameLetter(text[end], form[end - at])) end++;
    finder.lastIndex = at + 1;
    // A short key counts only as a token of its own: not glued to token characters on either side.
    if (wholeTokens && (isTokenChar(text[at - 1]) || isTokenChar(text[end]))) continue;
    spans.push([at, end]);
  }
  return spans;
}

/** The secret's spans in `text`, over every written form, overlapping ones merged. */
function secretSpans(text: string, secret: string): Span[] {
  const wholeTokens = secret.length < WHOLE_TOKEN_BELOW;
  const spans = writtenForms(secret)
    .flatMap((form) => spansOf(text, form, wholeTokens))
    .sort((a, b) => a[0] - b[0]);
  const merged: Span[] = [];
  for (const span of spans) {
    const last = merged[merged.length - 1];
    if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push([span[0], span[1]]);
  }
  return merged;
}

/** `text` with every occurrence of `secret` (in any written form, any letter case) replaced, and every start of it
 *  (≥ 8 characters) where text was cut short. */
export function redactText(text: string, secret: string): string {
  if (!secret) return text;
  const spans = secretSpans(text, secret);
  if (spans.length === 0) return text;
  let out = '';
  let from = 0;
  for (const [start, end] of spans) {
    out += `${text.slice(from, start)}${REDACTED}`;
    from = end;
  }
  return out + text.slice(from);
}

/** A copy of `value` with `secret` redacted from every string in it (keys included), at any depth. */
export function redactValue<T>(value: T, secret: string): T {
  const ancestors = new Set<object>();
  const scrub = (item: unknown): unknown => {
    if (typeof item === 'string') return redactText(item, secret);
    if (item === null || typeof item !== 'object') return item;
    // A copy that pointed back at the original would carry the secret with it.
    if (ancestors.has(item)) return '[Circular]';
    ancestors.add(item);
    try {
      if (Array.isArray(item)) return item.map(scrub);
      return Object.fromEntries(Object.entries(item).map(([key, entry]) => [redactText(key, secret), scrub(entry)]));
    } finally {
      ancestors.delete(item);
    }
  };
  return secret ? (scrub(value) as T) : value;
}

/** Whether `text` holds `secret` (or a start of it), in any written form. */
export function mentionsSecret(text: string, secret: string): boolean {
  return secret !== '' && secretSpans(text, secret).length > 0;
}
