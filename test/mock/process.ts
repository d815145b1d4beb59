/** Runs test/mock/fixtures/mock-process.ts in a child Node process and reads its memory from /proc. */
import { spawn, type ChildProcess } from 'node:child_process';
import type { MockOptions } from '../../src/mock/index.js';
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

/** startMock's refusal to start, as the process reported it, with the process's peak resident memory. */
export class MockStartFailure extends Error {
  constructor(
    message: string,
    readonly errorName: string,
    readonly peakRss: number,
  ) {
    super(message);
  }
}

/** Starts the mock in its own process with these options (JSON-able); rejects with a MockStartFailure when it cannot start. */
export async function startMockProcess(options: MockOptions = {}): Promise<MockProcess> {
  const env = { ...process.env, ORQ_MOCK_OPTIONS: JSON.stringify(options) };
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the mock process did not start within 60 s')), 60_000);
    child.once('exit', (code) => reject(new Error(`the mock process exited with ${code}`)));
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const said = JSON.parse(line) as { url: string } | { error: string; name: string; peakRss: number };
      if ('url' in said) resolve(said.url);
      else reject(new MockStartFailure(said.error, said.name, said.peakRss));
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
