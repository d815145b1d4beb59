/**
 * `npm run spec:diff -- <git-ref or file>`: what changed in spec/openapi.yaml since an earlier version, classified
 * as breaking, non-breaking or unclassified for callers of the request and readers of the response, and a gate:
 * every breaking change must be named in CHANGELOG.md under "## Unreleased" → "### Breaking".
 *
 *   <git-ref or file>   the earlier version: a commit (main, HEAD~1, a sha) or a file
 *   --spec FILE         the version to check (default spec/openapi.yaml)
 *   --changelog FILE    the changelog to check (default CHANGELOG.md beside spec/)
 *   --all               also list documentation-only changes (descriptions, examples, code samples)
 *   --if-available      when the earlier version cannot be had (no such commit: a shallow or single-commit clone),
 *                       say why and exit 0 instead of 2: for CI
 *
 * Exit codes: 0 no breaking change, or each recorded in the changelog; 1 a breaking change not recorded;
 * 2 a usage error, or a version that cannot be read.
 */
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { recordedBreakingPaths, isRecorded } from './spec-diff/changelog.ts';
import { compareSpecs } from './spec-diff/compare.ts';
import { countByClass, formatChanges } from './spec-diff/report.ts';
import { loadSpec } from './generate/openapi-document.ts';
import { readEarlierSpec, SourceUnavailable } from './spec-diff/sources.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const USAGE = 'usage: npm run spec:diff -- <git-ref or file> [--spec FILE] [--changelog FILE] [--all] [--if-available]';

export interface Output {
  out: (line: string) => void;
  err: (line: string) => void;
}

export async function runSpecDiff(argv: string[], io: Output): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        spec: { type: 'string' },
        changelog: { type: 'string' },
        all: { type: 'boolean' },
        'if-available': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.err(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.out(USAGE);
    return 0;
  }
  if (positionals.length !== 1) {
    io.err(`give one earlier version to compare with (a git ref or a file)\n${USAGE}`);
    return 2;
  }
  const specPath = path.resolve(values.spec ?? path.join(root, 'spec/openapi.yaml'));
  const changelogPath = path.resolve(values.changelog ?? path.join(path.dirname(specPath), '..', 'CHANGELOG.md'));
  // Paths under the working directory are shown relative to it, others in full.
  const shown = (file: string) =>
    path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file);
  const shownSpec = shown(specPath);
  const shownChangelog = shown(changelogPath);

  let earlier;
  let current;
  try {
    [earlier, current] = await Promise.all([readEarlierSpec(positionals[0]!, specPath), loadSpec(specPath)]);
  } catch (error) {
    if (error instanceof SourceUnavailable && values['if-available']) {
      io.out(`spec diff skipped: ${error.message}; nothing to compare ${shownSpec} with`);
      return 0;
    }
    io.err(`spec diff: ${(error as Error).message}`);
    return 2;
  }

  const changes = compareSpecs(earlier.spec, current);
  const counts = countByClass(changes);
  io.out(
    `${shownSpec} against ${earlier.label}: ${counts.breaking} breaking, ${counts.unclassified} unclassified, ${counts['non-breaking']} non-breaking, ${counts.documentation} documentation-only change(s)`,
  );
  for (const line of formatChanges(changes, values.all ?? false)) io.out(line);

  if (counts.unclassified > 0)
    io.out(`${counts.unclassified} unclassified: no rule covers these; read them before landing.`);
  const breaking = [...new Set(changes.filter((change) => change.class === 'breaking').map((change) => change.path))];
  if (breaking.length === 0) {
    io.out('No breaking change.');
    return 0;
  }
  const recorded = existsSync(changelogPath) ? recordedBreakingPaths(readFileSync(changelogPath, 'utf8')) : [];
  const missing = breaking.filter((p) => !isRecorded(p, recorded));
  if (missing.length === 0) {
    io.out(`Every breaking change is recorded in ${shownChangelog} (Unreleased → Breaking).`);
    return 0;
  }
  io.out(
    `${missing.length} breaking change(s) not recorded in ${shownChangelog}${existsSync(changelogPath) ? '' : ' (no such file)'}: ${missing.join(', ')}`,
  );
  io.out(
    'Name each path in backticks on a line under "## Unreleased" → "### Breaking" (a path covers what is under it; * is any status), e.g.:',
  );
  const first = changes.find((change) => change.path === missing[0])!;
  io.out(`  - \`${first.path}\`: ${first.what}.`);
  return 1;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  runSpecDiff(process.argv.slice(2), { out: (line) => console.log(line), err: (line) => console.error(line) }).then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(2);
    },
  );
}
