/**
 * Keeps the API key out of everything the client hands back: errors, retry events, answers a CLI prints. A server
 * or a proxy may echo the Authorization header anywhere (a body, a header, a message shortened mid-key), so every
 * string that came from the network is scrubbed before it leaves.
 */
const REDACTED = '[redacted]';
/** A cut-off start of the secret this long or longer is redacted too: messages shorten long text, maybe mid-key. */
const MIN_SECRET_PIECE = 8;

/** `text` with every occurrence of `secret` replaced, and every start of it (≥ 8 characters) where text was cut short. */
export function redactText(text: string, secret: string): string {
  const probe = secret.slice(0, MIN_SECRET_PIECE);
  if (!probe || !text.includes(probe)) return text;
  let out = '';
  let from = 0;
  for (let at = text.indexOf(probe); at !== -1; at = text.indexOf(probe, from)) {
    let end = at + probe.length;
    while (end - at < secret.length && text[end] === secret[end - at]) end++;
    out += `${text.slice(from, at)}${REDACTED}`;
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

function mentions(value: unknown, secret: string): boolean {
  const probe = secret.slice(0, MIN_SECRET_PIECE);
  if (typeof value === 'string') return value.includes(probe);
  try {
    return JSON.stringify(value)?.includes(probe) ?? false;
  } catch {
    return true;
  }
}

/**
 * Removes `secret` from an error before it leaves the client: its message, stack and own fields (a server or a
 * proxy may echo the Authorization header back in a body or a header, at any depth; a message may shorten text in
 * the middle of the key), and drops a `cause` that mentions it. The classes above never receive the key; this is
 * the second line, for what the network hands back.
 */
export function redactSecret<T>(error: T, secret: string): T {
  if (!secret || !(error instanceof Error)) return error;
  const target = error as Error & Record<string, unknown>;
  for (const key of Object.getOwnPropertyNames(target)) {
    if (key === 'cause') continue;
    const value = target[key];
    if (mentions(value, secret)) {
      Object.defineProperty(target, key, { value: redactValue(value, secret), writable: true, configurable: true, enumerable: Object.prototype.propertyIsEnumerable.call(target, key) });
    }
  }
  if ('cause' in target && mentions(target.cause instanceof Error ? `${target.cause.message}${target.cause.stack}` : target.cause, secret)) {
    delete target.cause;
  }
  return error;
}
