/**
 * What the proxy tests share: a proxy started per test and closed after it (with its report lines collected), a
 * valid request written as raw multipart, the spec's responses to script upstreams with, and `orq-images proxy` as a
 * process of its own whose memory is read from /proc.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, vi } from 'vitest';
import { startProxy, type ProxyOptions, type ProxyServer } from '../../src/mock/index.js';
import type { ExchangeReport } from '../../src/mock/proxy/report.js';
import { wireContract } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';
import { writeMultipart, type RawPart } from '../../scripts/multipart-writer.js';
import { responses } from '../support/spec.js';

/** A key long enough to be redacted wherever it appears, glued to other text or not. */
export const KEY = 'sk-proxy-SECRET-7f3a9c1e5b2d4086';
export const AUTH = { authorization: `Bearer ${KEY}` };

export const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
export const urlBody = responses['200']!.content['application/json']!.examples['url']!.value;
export const errorExample = (status: number) =>
  Object.values(responses[String(status)]!.content['application/json']!.examples)[0]!.value;

export const png = makePng(8, 8);

export function validParts(extra: RawPart[] = [], image: Uint8Array = png): RawPart[] {
  return [
    { name: 'model', value: 'openai/gpt-image-1' },
    { name: 'prompt', value: 'Add a red scarf' },
    ...extra,
    { name: 'image', value: image, filename: 'cat.png', contentType: 'image/png' },
  ];
}

export interface Sent {
  status: number;
  headers: Headers;
  text: string;
}

/** POSTs `parts` to the operation at `base`; a reset comes back as `{ error }`. */
export async function postParts(
  base: string,
  parts: RawPart[],
  headers: Record<string, string> = AUTH,
): Promise<Sent | { error: Error }> {
  const { body, contentType } = writeMultipart(parts);
  try {
    const response = await fetch(`${base}${wireContract.path}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': contentType },
      body,
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    return { error: error as Error };
  }
}

export interface RunningProxy extends ProxyServer {
  lines: string[];
  reports: ExchangeReport[];
  /** Resolves once `count` exchanges are reported (a report follows its response: the caller may be told first). */
  reported(count: number): Promise<void>;
}

/** `proxy(options)` starts a proxy whose lines and reports are collected; every one is closed after each test. */
export function proxiesClosedAfterEach(): (options: ProxyOptions) => Promise<RunningProxy> {
  let open: ProxyServer[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    await Promise.all(closing.map((proxy) => proxy.close()));
  });
  return async (options) => {
    const lines: string[] = [];
    const reports: ExchangeReport[] = [];
    const proxy = await startProxy({
      ...options,
      log: (line) => lines.push(line),
      onExchange: (report) => reports.push(report),
    });
    open.push(proxy);
    const reported = (count: number) =>
      vi.waitFor(() => expect(lines.length).toBeGreaterThanOrEqual(count), { timeout: 20_000, interval: 20 });
    return Object.assign(proxy, { lines, reports, reported });
  };
}

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Started {
  child: ChildProcessWithoutNullStreams;
  output: () => string;
  exited: Promise<number | null>;
}

/** Starts `orq-images <args>` and resolves once it prints `ready` (or rejects when it exits first). */
export async function startCommand(args: string[], ready: RegExp): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), ...args], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killer = setTimeout(() => child.kill('SIGKILL'), 90_000);
  void exited.then(() => clearTimeout(killer));
  await new Promise<void>((resolve, reject) => {
    const timer = setInterval(() => {
      if (ready.test(output)) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
    void exited.then(() => {
      clearInterval(timer);
      reject(new Error(`exited before it was ready:\n${output}`));
    });
  });
  return { child, output: () => output, exited };
}

/** The base URL a command's banner names (`endpoint  http://127.0.0.1:PORT/v2/...`). */
export const endpointOf = (output: string) => /endpoint\s+(http:\/\/\S+)\/v2\//.exec(output)![1]!;

/** A process's resident memory now (VmRSS) or at its peak (VmHWM), in bytes, from /proc. */
export function memory(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  return (
    Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) * 1024
  );
}

export interface ProxyProcess {
  pid: number;
  /** The operation's URL through the proxy. */
  endpoint: string;
  output(): string;
  /** Sends SIGTERM and resolves once it has exited (its summary printed). */
  stop(): Promise<void>;
}

/**
 * `orq-images proxy --port 0 <args>` in its own process, with `tmp` as its temporary directory (so the spool files
 * counted are its own, not those of tests running beside it); resolves once it listens.
 */
export async function startProxyProcess(args: string[], tmp: string): Promise<ProxyProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', path.join(root, 'src/cli/main.ts'), 'proxy', '--port', '0', ...args],
    { cwd: root, env: { ...process.env, TMPDIR: tmp }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await expect.poll(() => output, { timeout: 60_000, interval: 50 }).toMatch(/Ctrl-C/);
  return {
    pid: child.pid!,
    endpoint: /endpoint\s+(\S+)/.exec(output)![1]!,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}
