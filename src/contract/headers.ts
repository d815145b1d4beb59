/**
 * Reading one header from headers held as a plain record (node:http's, a RequestHead's, a recorded response's).
 * Header names are case-insensitive (RFC 9110 §5.1): node:http lower-cases them, but a Headers of another
 * implementation (happy-dom's keeps the case it was given) or a hand-written record may not, so every read goes
 * through here rather than indexing the record by a lower-case name.
 */

/** Headers as a record of name to value; a repeated header may be a list (node:http's `IncomingHttpHeaders`). */
export type HeaderRecord = Readonly<Record<string, string | readonly string[] | number | undefined>>;

/** The value of header `name` in any case, a list joined with `, ` (RFC 9110 §5.3); undefined when absent. */
export function headerOf(headers: HeaderRecord, name: string): string | undefined {
  const lower = name.toLowerCase();
  let value = Object.hasOwn(headers, lower) ? headers[lower] : undefined;
  if (value === undefined) {
    for (const key of Object.keys(headers)) {
      if (key.toLowerCase() === lower && headers[key] !== undefined) {
        value = headers[key];
        break;
      }
    }
  }
  if (value === undefined) return undefined;
  return typeof value === 'object' ? value.join(', ') : String(value);
}

/** The media type of a Content-Type value, parameters dropped and lower-cased (RFC 9110 §8.3.1); undefined when absent. */
export function mediaTypeOf(contentType: string | undefined): string | undefined {
  return contentType?.split(';', 1)[0]?.trim().toLowerCase();
}
