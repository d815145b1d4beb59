/**
 * "Copy as curl": the request the console sent, as one curl command that sends the same parts with the same names,
 * filenames and types, to the same URL with the same headers, the key replaced by `$ORQ_API_KEY`.
 */

/** One part of the multipart body, as the client wrote it. */
export interface SentPart {
  name: string;
  /** File parts only. */
  filename?: string;
  /** A file part's type, or a JSON part's own Content-Type; absent for a plain text part. */
  contentType?: string;
  /** Text and JSON parts: the value as written. */
  value?: string;
}

/** One shell word, single-quoted when it needs to be. */
export function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A value inside curl's -F syntax: double-quoted (curl's own escaping) when curl would otherwise read a `;`. */
function formValue(text: string): string {
  return /[;"\\]/.test(text) || /^[@<]/.test(text) ? `"${text.replace(/[\\"]/g, '\\$&')}"` : text;
}

export interface SentRequest {
  method: string;
  url: string;
  /** Request headers as sent, by lower-case name (the multipart Content-Type is curl's own business). */
  headers: Record<string, string>;
  parts: SentPart[];
}

export function curlCommand(request: SentRequest): string {
  // -F and --form-string make curl send a POST; another method is named.
  const lines = [`curl ${request.method === 'POST' ? '' : `-X ${request.method} `}${shellWord(request.url)}`];
  for (const [name, value] of Object.entries(request.headers)) {
    if (name === 'content-type' || name === 'content-length') continue;
    if (name === 'authorization') lines.push(`-H "Authorization: Bearer $ORQ_API_KEY"`);
    else lines.push(`-H ${shellWord(`${name}: ${value}`)}`);
  }
  for (const part of request.parts) {
    if (part.filename !== undefined) {
      const type = part.contentType ? `;type=${part.contentType}` : '';
      lines.push(`-F ${shellWord(`${part.name}=@${formValue(part.filename)}${type}`)}`);
    } else if (part.contentType) {
      // A part with its own type (a JSON part): -F, which can say so.
      lines.push(`-F ${shellWord(`${part.name}=${formValue(part.value ?? '')};type=${part.contentType}`)}`);
    } else {
      // A plain text part: --form-string sends the value as it is, whatever characters it holds.
      lines.push(`--form-string ${shellWord(`${part.name}=${part.value ?? ''}`)}`);
    }
  }
  return lines.join(' \\\n  ');
}
