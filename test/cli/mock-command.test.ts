/**
 * `orq-images mock` as a user runs it: it prints the endpoint and a curl command that works as printed, runs in
 * one process (no child left behind), and exits 0 on SIGTERM and on SIGINT with its port closed.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { wireContract } from '../../src/contract/spec.js';
import { FAULTS, PREFER_KEYS, REAL_SERVICE_TIME } from '../../src/contract/mock-prefer.js';
import { imageForName } from '../mock/support.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const cli = ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'mock'];

function childrenOf(pid: number): number[] {
  const tasks = `/proc/${pid}/task`;
  if (!existsSync(tasks)) return [];
  return readFileSync(`${tasks}/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
}

/**
 * The inode of the socket listening on this port, when process `pid` holds it (from /proc/net/tcp and /proc/PID/fd).
 * Asking by inode, not by connecting to the port, keeps another test's server that later gets the same free port
 * from passing for the mock.
 */
function listenerInode(pid: number, port: number): string | undefined {
  const link = (fd: string) => {
    try {
      return readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      return ''; // closed while we read the list
    }
  };
  const held = new Set(readdirSync(`/proc/${pid}/fd`).map(link));
  return listeningInodes(port).find((inode) => held.has(`socket:[${inode}]`));
}

/** Inodes of the IPv4 sockets in state LISTEN on this port. */
function listeningInodes(port: number): string[] {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  return readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[1]?.endsWith(`:${hexPort}`) && columns[3] === '0A')
    .map((columns) => columns[9]!);
}

describe('orq-images mock', () => {
  it('--help prints the options and every Prefer key with an example, and exits 0; an unknown option or a bad --latency exits 2', async () => {
    const { stdout } = await run(process.execPath, [...cli, '--help'], { cwd: root });
    for (const option of ['--port', '--host', '--dynamic', '--seed', '--latency', '--docs'])
      expect(stdout).toContain(option);
    for (const key of Object.keys(FAULTS)) expect(stdout).toContain(`Prefer: fault=${key}`);
    for (const key of Object.keys(PREFER_KEYS)) expect(stdout).toContain(`Prefer: ${key}=`);
    const failed = await run(process.execPath, [...cli, '--nope'], { cwd: root }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((failed as { code: number }).code).toBe(2);
    const slow = await run(process.execPath, [...cli, '--latency', '9-1'], { cwd: root }).catch(
      (error: { code: number; stderr: string }) => error,
    );
    expect((slow as { code: number }).code).toBe(2);
    expect((slow as { stderr: string }).stderr).toContain('--latency');
  });

  it.each(['SIGTERM', 'SIGINT'] as const)(
    'prints every Prefer key and a working curl command, has no child process, and stops on %s',
    { timeout: 60_000 },
    async (signal) => {
      const child = spawn(process.execPath, [...cli, '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      child.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      child.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await new Promise<void>((resolve, reject) => {
        const timer = setInterval(() => {
          if (output.includes('Ctrl-C')) {
            clearInterval(timer);
            resolve();
          }
        }, 50);
        child.once('exit', () => reject(new Error(`the mock exited early:\n${output}`)));
      });

      const endpoint = /endpoint\s+(\S+)/.exec(output)![1]!;
      expect(endpoint).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+${wireContract.path}$`));
      expect(childrenOf(child.pid!)).toEqual([]);
      // The banner lists every Prefer key with an example, and what a real edit takes.
      for (const key of Object.keys(FAULTS)) expect(output).toContain(`Prefer: fault=${key}`);
      for (const key of Object.keys(PREFER_KEYS)) expect(output).toContain(`Prefer: ${key}=`);
      expect(output).toContain(REAL_SERVICE_TIME);

      // The printed command, run as printed, in a directory holding the files it names.
      const command = output.slice(output.indexOf('curl '), output.indexOf('Ctrl-C')).trim();
      const dir = await mkdtemp(path.join(tmpdir(), 'orq-mock-cli-'));
      try {
        for (const [, name] of command.matchAll(/=@([^\s']+)/g))
          await writeFile(path.join(dir, name!), imageForName(name!).bytes);
        const { stdout } = await run('sh', ['-c', `${command} -sS`], { cwd: dir });
        expect(validateImageEditResponse(JSON.parse(stdout))).toBe(true);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }

      const port = Number(new URL(endpoint).port);
      const inode = listenerInode(child.pid!, port);
      expect(inode, 'the mock holds the socket listening on its port').toBeDefined();
      child.kill(signal);
      expect(await exited).toBe(0);
      expect(listeningInodes(port)).not.toContain(inode);
    },
  );

  it('npm start (the main job): the mock with the reference at /docs; SIGTERM to npm leaves no process behind', {
    timeout: 120_000,
  }, async () => {
    const npm = spawn('npm', ['start', '--', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    npm.stderr.setEncoding('utf8').on('data', (chunk) => (output += chunk));
    const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        if (output.includes('Ctrl-C')) {
          clearInterval(timer);
          resolve();
        }
      }, 100);
      npm.once('exit', () => reject(new Error(`npm start exited early:\n${output}`)));
    });
    const docs = /docs\s+(http\S+)/.exec(output)![1]!;
    expect((await fetch(docs)).status).toBe(200);

    const descendants = (pid: number): number[] => childrenOf(pid).flatMap((child) => [child, ...descendants(child)]);
    const started = descendants(npm.pid!);
    expect(started.length).toBeGreaterThan(0);
    npm.kill('SIGTERM');
    await exited;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const survivors = started.filter((pid) => existsSync(`/proc/${pid}`));
    // Whatever the verdict, nothing this test started outlives it.
    for (const pid of survivors) process.kill(pid, 'SIGKILL');
    expect(survivors).toEqual([]);
  });
});
