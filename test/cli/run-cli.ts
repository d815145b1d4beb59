/**
 * Runs `orq-images` as a user would: a real process (node + tsx on src/cli/main.ts) with the key in ORQ_API_KEY,
 * bounded by a timeout, its exit code, stdout and stderr collected, and the key checked absent from both.
 */
import { spawn, type SpawnOptions } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
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
  /** With `peakMemory`: the process's peak resident memory in bytes, as it reported it on exit. */
  peakRssBytes?: number;
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
  /** Have the process report its peak resident memory (getrusage's maxRSS) as it exits. */
  peakMemory?: boolean;
  /** Run the command through bash with this appended to its arguments, e.g. a process substitution `<(...)`. */
  bashArguments?: string;
}

/** Imported first by the process: writes its peak RSS to the file named in the environment when it exits. */
const PEAK_REPORTER = `data:text/javascript,${encodeURIComponent(
  "import { writeFileSync } from 'node:fs'; process.on('exit', () => writeFileSync(process.env.ORQ_TEST_PEAK_RSS_FILE, String(process.resourceUsage().maxRSS * 1024)));",
)}`;

export function cli(args: string[], options: CliOptions): Promise<Run> {
  const env = options.env ?? { ORQ_API_KEY: KEY };
  const peakDir = options.peakMemory ? mkdtempSync(path.join(tmpdir(), 'orq-cli-peak-')) : undefined;
  const peakFile = peakDir && path.join(peakDir, 'peak-rss');
  return new Promise((resolve, reject) => {
    const spawnOptions: SpawnOptions = {
      cwd: options.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        ...env,
        ...(peakFile ? { ORQ_TEST_PEAK_RSS_FILE: peakFile } : {}),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    };
    const node = [process.execPath, ...(peakFile ? ['--import', PEAK_REPORTER] : [])];
    const command = [
      ...node,
      '--import',
      pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href,
      path.join(root, 'src/cli/main.ts'),
      ...args,
    ];
    const throughBash =
      options.bashArguments !== undefined ? ['bash', '-c', `"$@" ${options.bashArguments}`, 'bash'] : [];
    const withoutOverride =
      options.permissionChecked && process.getuid?.() === 0
        ? ['setpriv', '--bounding-set', '-dac_override,-dac_read_search', '--']
        : [];
    const [file, ...rest] = [...withoutOverride, ...throughBash, ...command];
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
      let peakRssBytes: number | undefined;
      if (peakDir) {
        // Absent when the process was killed before it could say.
        if (existsSync(peakFile!)) peakRssBytes = Number(readFileSync(peakFile!, 'utf8'));
        rmSync(peakDir, { recursive: true, force: true });
      }
      resolve({
        code: code ?? 128 + (signal ? constants.signals[signal] : 0),
        stdout,
        stderr,
        ...(peakRssBytes !== undefined ? { peakRssBytes } : {}),
      });
    });
  });
}
