/**
 * `npm run spec:diff -- <git-ref or file>` as CI runs it: in a small git repository holding a copy of the real spec
 * and a CHANGELOG.md, a commit that tightens `n` fails the gate until the changelog names `request.n`; a clone with
 * no previous commit (shallow, or a single commit) is skipped with the reason when asked to, and is an error if not.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runSpecDiff } from '../../scripts/spec-diff.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const gitEnv = {
  ...process.env,
  GIT_AUTHOR_NAME: 'test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
};
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-c', 'commit.gpgsign=false', ...args], {
    cwd,
    env: gitEnv,
    stdio: 'pipe',
    timeout: 30_000,
  }).toString();

const UNRELEASED = '# Changelog\n\n## Unreleased\n\n### Breaking\n\n### Non-breaking\n';

async function specDiff(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSpecDiff(argv, { out: (line) => out.push(line), err: (line) => err.push(line) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('npm run spec:diff', () => {
  let scratch: string;
  let repo: string;
  let spec: string;
  let changelog: string;

  beforeAll(() => {
    scratch = mkdtempSync(path.join(tmpdir(), 'spec-diff-cli-'));
    repo = path.join(scratch, 'repo');
    mkdirSync(path.join(repo, 'spec'), { recursive: true });
    spec = path.join(repo, 'spec/openapi.yaml');
    changelog = path.join(repo, 'CHANGELOG.md');
    copyFileSync(path.join(root, 'spec/openapi.yaml'), spec);
    writeFileSync(changelog, UNRELEASED);
    git(repo, 'init', '--quiet');
    git(repo, 'add', '.');
    git(repo, 'commit', '--quiet', '-m', 'the spec as it is');
    // A shallow clone of the first commit alone, as a CI checkout with depth 1 has it.
    git(scratch, 'clone', '--quiet', '--depth', '1', `file://${repo}`, 'shallow');
    // The next commit: one breaking change (n at most 4), one non-breaking (a quality value), one description.
    const doc = parse(readFileSync(spec, 'utf8'));
    const fields = doc.components.schemas.CreateImageEditRequest.properties;
    fields.n.maximum = 4;
    fields.quality.enum.splice(1, 0, 'ultra');
    fields.user.description = 'Your id for the person asking.';
    writeFileSync(spec, stringify(doc));
    git(repo, 'commit', '--quiet', '-am', 'n at most 4, quality ultra');
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('exits 1 on a breaking change the changelog does not name, listing every change by class and saying what to add', async () => {
    const { code, out } = await specDiff('HEAD~1', '--spec', spec);
    expect(code).toBe(1);
    expect(out).toMatch(
      /against HEAD~1 \([0-9a-f]{7}\): 1 breaking, 0 unclassified, 1 non-breaking, 1 documentation-only/,
    );
    expect(out).toMatch(/^ {2}breaking {6}request\.n +maximum 10 → 4: tightened for callers/m);
    expect(out).toMatch(/^ {2}non-breaking {2}request\.quality +enum value "ultra" added: loosened for callers/m);
    expect(out).not.toContain('request.user');
    expect(out).toMatch(/1 breaking change\(s\) not recorded in .*CHANGELOG\.md: request\.n$/m);
    expect(out).toContain('- `request.n`: maximum 10 → 4.');
  });

  it('exits 0 once "## Unreleased" → "### Breaking" names the path', async () => {
    const recorded = path.join(scratch, 'recorded.md');
    writeFileSync(
      recorded,
      UNRELEASED.replace('### Breaking\n', '### Breaking\n- `request.n`: at most 4 images per call (was 10).\n'),
    );
    const { code, out } = await specDiff('HEAD~1', '--spec', spec, '--changelog', recorded);
    expect(code).toBe(0);
    expect(out).toMatch(/Every breaking change is recorded in .*recorded\.md/);
  });

  it('takes a file as the earlier version, and --all lists documentation changes too', async () => {
    const { code, out } = await specDiff(path.join(root, 'spec/openapi.yaml'), '--spec', spec, '--all');
    expect(code).toBe(1);
    expect(out).toMatch(/^ {2}non-breaking {2}request\.user +description changed: documentation only$/m);
  });

  it('exits 0 with no change against the same commit', async () => {
    const { code, out } = await specDiff('HEAD', '--spec', spec);
    expect(code).toBe(0);
    expect(out).toContain('0 breaking, 0 unclassified, 0 non-breaking, 0 documentation-only');
    expect(out).toContain('No breaking change.');
  });

  it('in a shallow clone: --if-available says why it compared nothing and exits 0; without it, exits 2', async () => {
    const shallowSpec = path.join(scratch, 'shallow/spec/openapi.yaml');
    const skipped = await specDiff('HEAD~1', '--if-available', '--spec', shallowSpec);
    expect(skipped.code).toBe(0);
    expect(skipped.out).toMatch(
      /^spec diff skipped: HEAD~1 is neither a file nor a commit of this repository .*shallow or single-commit clone/,
    );
    const refused = await specDiff('HEAD~1', '--spec', shallowSpec);
    expect(refused.code).toBe(2);
    expect(refused.err).toContain('HEAD~1 is neither a file nor a commit');
  });

  it('is a usage error (2) without exactly one earlier version, or with a git ref for a spec outside any repository', async () => {
    const { code, err } = await specDiff();
    expect(code).toBe(2);
    expect(err).toMatch(/usage: npm run spec:diff -- <git-ref or file>/);
    const loose = path.join(scratch, 'loose.yaml');
    copyFileSync(path.join(root, 'spec/openapi.yaml'), loose);
    const outside = await specDiff('HEAD', '--spec', loose);
    expect(outside.code).toBe(2);
    expect(outside.err).toContain(`HEAD is not a file, and ${scratch} (where the spec is) is not in a git repository`);
  });

  it('as a process, its exit code is the gate', async () => {
    const child = promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', path.join(root, 'scripts/spec-diff.ts'), 'HEAD~1', '--spec', spec],
      { cwd: root, timeout: 60_000 },
    );
    await expect(child).rejects.toMatchObject({ code: 1, stdout: expect.stringContaining('not recorded') });
  });
});
