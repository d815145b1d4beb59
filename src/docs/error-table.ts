/**
 * The reference page's table of errors: every status the spec documents, Orq's codes for it (its named examples),
 * what it means (its description) and whether this package's client sends the call again by default. The last
 * column asks the client's own retry policy (`isRetryable`), so the page cannot drift from what the client does.
 */
import { STATUS_CODES } from 'node:http';
import { isRetryable } from '../client/retry.js';
import { specFacts } from '../contract/spec.js';

/** A sample Retry-After the policy can read: a status retried only with one is asked about with and without. */
const READABLE_RETRY_AFTER = '2';

function cell(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/\|/g, '\\|').trim();
}

/** Whether the client retries `status` by default, in words. */
function retriedByDefault(status: number): string {
  const plain = isRetryable({ kind: 'status', status, retryAfter: null });
  const withHeader = isRetryable({ kind: 'status', status, retryAfter: READABLE_RETRY_AFTER });
  if (plain) return 'yes';
  if (withHeader) return 'only with a readable `Retry-After`';
  return 'no (`retryOn` opts in)';
}

function codesOf(examples: readonly { value: unknown }[]): string[] {
  const codes = examples.map((example) => (example.value as { error?: { code?: unknown } } | null)?.error?.code);
  return [...new Set(codes.filter((code): code is string => typeof code === 'string'))];
}

/** The table as Markdown (Redoc renders it as an HTML table, searchable with the browser's find-in-page). */
export function errorTableMarkdown(): string {
  const rows = specFacts.responses
    .filter((response) => Number(response.status) >= 400)
    .map((response) => {
      const status = Number(response.status);
      const codes =
        codesOf(response.examples)
          .map((code) => `\`${code}\``)
          .join(', ') || '—';
      const names = Object.keys(response.headers);
      const headers = names.length > 0 ? ` Headers: ${names.map((name) => `\`${name}\``).join(', ')}.` : '';
      const meaning = cell(response.description + headers);
      return `| **${status}** ${STATUS_CODES[status] ?? ''} | ${codes} | ${meaning} | ${retriedByDefault(status)} |`;
    });
  const network = (code: string) =>
    isRetryable({ kind: 'network', code }) ? 'yes' : "no (`retryOn: ['reset']` opts in)";
  return [
    "| Status | Orq's codes | What it means | This client retries it by default |",
    '|---|---|---|---|',
    ...rows,
    `| no response: connection refused | — | The server was not reached; nothing was sent. | ${network('ECONNREFUSED')} |`,
    `| no response: connection reset | — | The connection broke mid-call; the work may have been done. | ${network('ECONNRESET')} |`,
  ].join('\n');
}
