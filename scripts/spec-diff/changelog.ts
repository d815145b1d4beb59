/**
 * The CHANGELOG.md gate: a breaking change passes only when the changelog's "Unreleased" section has a "Breaking"
 * list whose lines name its path in backticks:
 *
 *     ## Unreleased
 *     ### Breaking
 *     - `request.n`: at most 5 images per call (was 10).
 *     - `response.*.error.code`: every error names its code.
 *
 * A named path covers itself and everything under it (`request.orq` covers `request.orq.retry.count`, `request.image`
 * covers `request.image[]`); `*` stands for one segment (any status in `response.*.error`). Released sections and
 * other lists do not count: a breaking change is recorded where the next release's notes are written.
 */

const UNRELEASED = /^##\s+\[?unreleased\]?\s*$/i;
const BREAKING = /^###\s+breaking(\s+changes)?\s*$/i;

/** The backticked paths on the lines of "## Unreleased" → "### Breaking". */
export function recordedBreakingPaths(markdown: string): string[] {
  const recorded: string[] = [];
  let inUnreleased = false;
  let inBreaking = false;
  for (const line of markdown.split(/\r?\n/)) {
    if (/^##\s/.test(line)) {
      inUnreleased = UNRELEASED.test(line);
      inBreaking = false;
    } else if (/^###\s/.test(line)) {
      inBreaking = inUnreleased && BREAKING.test(line);
    } else if (inBreaking && /^\s*[-*]\s/.test(line)) {
      for (const match of line.matchAll(/`([^`]+)`/g)) recorded.push(match[1]!.trim());
    }
  }
  return recorded;
}

function pattern(recorded: string): RegExp {
  const escaped = recorded.replace(/[.*+?^${}()|[\]\\]/g, (c) => (c === '*' ? '[^.\\[]+' : `\\${c}`));
  // A recorded path covers a change at itself or below it: the next character starts a segment ('.' or '[').
  return new RegExp(`^${escaped}(?=$|[.\\[])`);
}

export function isRecorded(path: string, recorded: string[]): boolean {
  return recorded.some((entry) => pattern(entry).test(path));
}
