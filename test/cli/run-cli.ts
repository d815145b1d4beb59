/**
 * Runs `orq-images` as a user would: a real process (node + tsx on src/cli/main.ts) with the key in ORQ_API_KEY,
 * bounded by a timeout, its exit code, stdout and stderr collected, and the key checked absent from both.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { constants } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { expect } from 'vitest';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const KEY = 'sk-cli-secret-0123456789';
/** Longer than any run here should take; a run that is still going then is killed and fails its test. */
const RUN_TIMEOUT_MS = 60_000;

export interface Run {
  /** The exit code; 128 + n when killed by signal n. */
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: Record<string, string | undefined>;
  cwd: string;
  /**
   * Meet the file permission checks root passes: as root, the CLI runs as root still (so it reads this checkout
   * wherever it was cloned, a mode-700 home included) but without the capabilities that override them
   * (util-linux's setpriv drops them from the child's bounding set).
   */
  permissionChecked?: boolean;
  /** Called once the process is started, e.g. to signal it. */
  started?: (pid: number) => void;
}

export function cli(args: string[], options: CliOptions): Promise<Run> {
  const env = options.env ?? { ORQ_API_KEY: KEY };
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, TMPDIR: process.env.TMPDIR, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    const command = [process.execPath, '--import', pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href, path.join(root, 'src/cli/main.ts'), ...args];
    const withoutOverride = options.permissionChecked && process.getuid?.() === 0 ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--'] : [];
    const [file, ...rest] = [...withoutOverride, ...command];
    const child = spawn(file!, rest, spawnOptions);
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
    const killer = setTimeout(() => child.kill('SIGKILL'), RUN_TIMEOUT_MS);
    child.once('error', reject);
    child.once('spawn', () => options.started?.(child.pid!));
    child.once('close', (code, signal) => {
      clearTimeout(killer);
      expect(`${stdout}${stderr}`).not.toContain(KEY);
      resolve({ code: code ?? 128 + (signal ? constants.signals[signal] : 0), stdout, stderr });
    });
  });
}
