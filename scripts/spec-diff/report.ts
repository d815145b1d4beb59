/**
 * The printed report: one line per change, breaking first; the same change met under several statuses (a shared
 * error schema) is one line naming them all. Documentation-only changes are counted, and listed with --all.
 */
import type { Change, ChangeClass } from './classify.ts';

interface Line {
  change: Change;
  shown: string;
}

/** `response.400.error.code` and `response.401.error.code`, same change → `response.{400,401}.error.code`. */
function fold(changes: Change[]): Line[] {
  const groups = new Map<string, { change: Change; statuses: string[] }>();
  const lines: Line[] = [];
  for (const change of changes) {
    const match = /^response\.([^.]+)(\..+)$/.exec(change.path);
    if (!match) {
      lines.push({ change, shown: change.path });
      continue;
    }
    const key = `${change.class}\0${match[2]}\0${change.what}\0${change.why}`;
    const group = groups.get(key);
    if (group) group.statuses.push(match[1]!);
    else {
      const created = { change, statuses: [match[1]!] };
      groups.set(key, created);
      lines.push({
        change,
        get shown() {
          return created.statuses.length === 1 ? change.path : `response.{${created.statuses.join(',')}}${match[2]}`;
        },
      });
    }
  }
  return lines;
}

export function countByClass(changes: Change[]): Record<ChangeClass | 'documentation', number> {
  const counts = { breaking: 0, 'non-breaking': 0, unclassified: 0, documentation: 0 };
  for (const change of changes) counts[change.docsOnly ? 'documentation' : change.class] += 1;
  return counts;
}

export function formatChanges(changes: Change[], all: boolean): string[] {
  const listed = changes.filter((change) => all || !change.docsOnly);
  const lines = fold(listed);
  const width = Math.min(48, Math.max(0, ...lines.map((line) => line.shown.length)));
  return lines.map(
    ({ change, shown }) => `  ${change.class.padEnd(12)}  ${shown.padEnd(width)}  ${change.what}: ${change.why}`,
  );
}
