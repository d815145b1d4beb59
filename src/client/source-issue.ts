/** How resolving an image source says that it cannot become an image: a message the caller attaches to the field. */

/** Thrown while resolving an image source, for a source that cannot become an image; turned into a RequestIssue by the caller. */
export class SourceIssue extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SourceIssue';
  }
}

export function systemReason(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const reasons: Record<string, string> = { ENOENT: 'no such file', EACCES: 'permission denied', EISDIR: 'is a directory', EPERM: 'not permitted' };
  if (typeof code === 'string') return `${code}${reasons[code] ? `, ${reasons[code]}` : ''}`;
  return error instanceof Error ? error.message : String(error);
}
