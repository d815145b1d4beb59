/**
 * What the packed-package test does in its consumer project besides bundling: serving a built page, linking in the
 * dev packages the README tells a consumer to install, typechecking with `tsc -p` as the consumer would, and the
 * TypeScript snippets of the README and docs/*.md.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** Serves a directory on a free 127.0.0.1 port: each bundle gets its own origin, like a deployed app. */
export async function serveDirectory(dir: string, servers: http.Server[]): Promise<string> {
  const server = http.createServer((req, res) => {
    const name = path.normalize(new URL(req.url ?? '/', 'http://page').pathname).slice(1) || 'index.html';
    const file = path.join(dir, name);
    if (!file.startsWith(dir + path.sep)) return void res.writeHead(404).end();
    const type = name.endsWith('.html') ? 'text/html; charset=utf-8' : 'text/javascript; charset=utf-8';
    readFile(file).then(
      (bytes) => res.writeHead(200, { 'Content-Type': type }).end(bytes),
      () => res.writeHead(404).end(),
    );
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

export async function closeServers(servers: http.Server[]): Promise<void> {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Links packages the README tells a consumer to install (dev tools, optional peers, @types/node) from this
 * repository's node_modules into the project's, so nothing else of this repository is visible from there: a
 * declaration that needs a package the README does not name still fails to resolve.
 */
export async function linkPackages(project: string, names: readonly string[]): Promise<void> {
  for (const name of names) {
    const target = path.join(project, 'node_modules', name);
    await mkdir(path.dirname(target), { recursive: true });
    await symlink(path.join(root, 'node_modules', name), target, 'dir');
  }
}

/**
 * Runs TypeScript on a tsconfig in the project; resolves to its diagnostics (none when clean). This repository's
 * TypeScript unless `typescript` names the project's own (`node_modules/typescript`, another release).
 */
export async function tsc(
  project: string,
  config: string,
  compilerOptions: Record<string, unknown>,
  files: string[],
  typescript = path.join(root, 'node_modules/typescript'),
): Promise<string> {
  await writeFile(
    path.join(project, config),
    JSON.stringify({ compilerOptions: { noEmit: true, ...compilerOptions }, files }, null, 2),
  );
  const compiler = path.join(typescript, 'bin/tsc');
  return run(process.execPath, [compiler, '-p', config, '--pretty', 'false'], { cwd: project, timeout: 280_000 }).then(
    () => '',
    (error: { stdout?: string; message: string }) => error.stdout || error.message,
  );
}

/** The pages a user reads: the README, then docs/*.md by name. */
export async function userPages(): Promise<string[]> {
  const pages = (await readdir(path.join(root, 'docs'))).filter((name) => name.endsWith('.md')).sort();
  return ['README.md', ...pages.map((name) => path.join('docs', name))];
}

/** The TypeScript code blocks of the README and of docs/*.md, in that order (the README's first). */
export async function readmeSnippets(): Promise<string[]> {
  const texts = await Promise.all((await userPages()).map((page) => readFile(path.join(root, page), 'utf8')));
  return texts.flatMap((text) => [...text.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((match) => match[1]!));
}

/** A snippet for a page (it touches the DOM) rather than for Node. */
export const isBrowserSnippet = (snippet: string): boolean => /\bdocument\./.test(snippet);

export interface RunningCli {
  /** What it printed so far. */
  stdout: string;
  stderr: string;
  /** The mock's endpoint from its banner. */
  endpoint: string;
  /** Stops it (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

/**
 * Starts the installed package's `orq-images mock --port 0` in the project as a user's shell would (`node` may be
 * another release); resolves once its banner is printed, or rejects with what it printed if it exits or takes
 * longer than `timeoutMs`.
 */
export async function startMockCli(
  project: string,
  options: { node?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunningCli> {
  const installed = path.join(project, 'node_modules/orq-image-edits');
  const { bin } = JSON.parse(await readFile(path.join(installed, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const child = spawn(
    options.node ?? process.execPath,
    [path.join(installed, bin['orq-images']!), 'mock', '--port', '0'],
    {
      cwd: project,
      env: options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = {
    stdout: '',
    stderr: '',
    endpoint: '',
    stop: async () => void (child.kill('SIGTERM'), await exited),
  };
  child.stdout.setEncoding('utf8').on('data', (text: string) => (running.stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (running.stderr += text));
  const timeoutMs = options.timeoutMs ?? 120_000;
  await new Promise<void>((resolve, reject) => {
    const done = () => {
      clearInterval(poll);
      clearTimeout(timer);
      child.off('exit', exitedEarly);
    };
    const failed = (why: string) => {
      done();
      child.kill('SIGKILL');
      reject(new Error(`orq-images mock ${why}:\n${running.stdout}${running.stderr}`));
    };
    const exitedEarly = () => failed('exited before it listened');
    const poll = setInterval(() => {
      if (!running.stdout.includes('Ctrl-C')) return;
      done();
      resolve();
    }, 50);
    const timer = setTimeout(() => failed(`did not start within ${timeoutMs} ms`), timeoutMs);
    child.once('exit', exitedEarly);
  });
  running.endpoint = /endpoint\s+(\S+)/.exec(running.stdout)![1]!;
  return running;
}
