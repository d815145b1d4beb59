/**
 * A saveImages prefix is the start of a file name, never a path: a separator, `..`, NUL or another control
 * character would let an answer's caller (or whoever chose the prefix) write outside the directory asked for, or
 * name a file the system refuses. Refused with an InvalidOptionError naming the rule, before anything is written.
 */
import { InvalidOptionError } from '../../save-errors.js';

/** File names are at most 255 bytes on common file systems; the rest of a name (`-16-2.webp`, a temporary
 *  file's `.…<uuid>.partial`) takes up to 55 of them. */
const MAX_PREFIX_BYTES = 200;
// Separators on any platform (/ and \), characters Windows refuses in names, and control characters.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[/\\:*?"<>|\u0000-\u001f\u007f]/;

export function checkedPrefix(prefix: unknown): string {
  const fail = (rule: string) => new InvalidOptionError('prefix', `must be a file-name prefix: ${rule} (got ${JSON.stringify(String(prefix).slice(0, 80))})`);
  if (typeof prefix !== 'string' || prefix === '') throw fail('a non-empty string');
  if (FORBIDDEN.test(prefix)) throw fail('no path separators (/ \\), no : * ? " < > | and no control characters such as NUL');
  if (prefix.includes('..')) throw fail('no ".."');
  if (Buffer.byteLength(prefix) > MAX_PREFIX_BYTES) throw fail(`at most ${MAX_PREFIX_BYTES} bytes`);
  return prefix;
}
