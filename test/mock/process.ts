/** Runs test/mock/fixtures/mock-process.ts in a child Node process and reads its memory from /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const script = fileURLToPath(new URL('./fixtures/mock-process.ts', import.meta.url));

export interface MockProcess {
  url: string;
  pid: number;
  /** VmRSS or VmHWM (peak) in bytes. */
  memory(field: 'VmRSS' | 'VmHWM'): number;
  /** Resets VmHWM to the current RSS (Linux clear_refs), so the next peak is the upload's own. */
  resetPeak(): void;
  stop(): Promise<void>;
}

export async function startMockProcess(): Promise<MockProcess> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the mock process did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the mock process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  const pid = child.pid!;
  return {
    url,
    pid,
    memory(field) {
      const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (!match) throw new Error(`no ${field} in /proc/${pid}/status`);
      return Number(match[1]) * 1024;
    },
    resetPeak() {
      writeFileSync(`/proc/${pid}/clear_refs`, '5');
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}
