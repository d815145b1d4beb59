/**
 * The client's key scrubbing: the written forms of a key and how text and values are scrubbed live in
 * src/contract/redact.ts (the proxy records and reports with the same rules); here, errors are scrubbed before they
 * leave the client.
 */
import { mentionsSecret, redactValue } from '../contract/redact.js';

export { redactText, redactValue } from '../contract/redact.js';

function mentions(value: unknown, secret: string): boolean {
  let text: string | undefined;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return true;
  }
  return text !== undefined && mentionsSecret(text, secret);
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
