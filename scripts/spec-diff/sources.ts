/**
 * The earlier spec to compare with: a file, or the same file at a git commit (`main`, `HEAD~1`, a sha), read with
 * `git show` from the repository that holds the current spec. Both are loaded by the generator's own reader.
 */
import { execFile } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { loadSpec, type LoadedSpec } from '../generate/openapi-document.ts';

const run = promisify(execFile);

/** The earlier version cannot be had: not a file, not a commit here, or no spec in that commit. */
export class SourceUnavailable extends Error {}

export interface EarlierSpec {
  /** What was compared, for the report: the file, or `ref (short sha)`. */
  label: string;
  spec: LoadedSpec;
}

async function git(cwd: string, args: string[]): Promise<string> {
  // A spec is a few hundred kB; 64 MiB bounds a runaway blob. The timeout bounds a git stuck on a lock.
  const { stdout } = await run('git', ['-C', cwd, ...args], { maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
  return stdout;
}

/**
 * `source` is a file if one exists at that path, else a git revision. `specPath` is the current spec: its
 * repository is asked, for the file at the same place in that revision.
 */
export async function readEarlierSpec(source: string, specPath: string): Promise<EarlierSpec> {
  if (existsSync(source) && statSync(source).isFile()) return { label: source, spec: await loadSpec(source) };
  const dir = path.dirname(path.resolve(specPath));
  const name = path.basename(specPath);
  let sha: string;
  try {
    sha = (await git(dir, ['rev-parse', '--verify', '--quiet', `${source}^{commit}`])).trim();
  } catch {
    const inRepository = await git(dir, ['rev-parse', '--git-dir']).then(
      () => true,
      () => false,
    );
    if (!inRepository)
      throw new SourceUnavailable(
        `${source} is not a file, and ${dir} (where the spec is) is not in a git repository to look it up`,
      );
    throw new SourceUnavailable(
      `${source} is neither a file nor a commit of this repository (a shallow or single-commit clone has no HEAD~1)`,
    );
  }
  let text: string;
  try {
    text = await git(dir, ['show', `${sha}:./${name}`]);
  } catch {
    throw new SourceUnavailable(
      `${source} (${sha.slice(0, 7)}) has no ${path.relative(process.cwd(), path.resolve(specPath)) || name}`,
    );
  }
  // Redocly's reader takes a file; the copy lives in a private temporary folder, removed whatever happens.
  const scratch = await mkdtemp(path.join(tmpdir(), 'spec-diff-'));
  try {
    const file = path.join(scratch, name);
    await writeFile(file, text);
    return { label: sha.startsWith(source) ? source : `${source} (${sha.slice(0, 7)})`, spec: await loadSpec(file) };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
