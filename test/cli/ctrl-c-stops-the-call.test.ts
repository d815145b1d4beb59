/**
 * The first Ctrl-C (SIGINT) stops `orq-images edit` in every phase of the call: while the upload stalls against a
 * server that does not read, while waiting for a response that never comes, and while reading a response that never
 * ends (the phase in which Node 20's fetch lost the abort once the garbage collector had run: the CLI runs with a
 * collection forced every 20 ms). The process exits 130 and says it was interrupted; a watchdog bounds each run.
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const { track } = serversClosedAfterEach();
let work: string;
let image: string;
beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-cli-sigint-'));
  image = path.join(work, 'cat.png');
  await writeFile(image, makePng(4, 4, { padTo: 16 * 1024 * 1024 }));
});
afterAll(() => rm(work, { recursive: true, force: true }));

type Phase = 'upload' | 'waiting' | 'reading';

/** A server on 127.0.0.1 that stalls the call in `phase`; `reached` resolves once the phase has begun. */
async function stalling(phase: Phase): Promise<{ url: string; reached: Promise<void>; close(): Promise<void> }> {
  let begin!: () => void;
  const reached = new Promise<void>((resolve) => (begin = resolve));
  const sockets = new Set<net.Socket>();
  const server =
    phase === 'upload'
      ? net.createServer({ pauseOnConnect: true }, () => begin())
      : http.createServer((req, res) => {
          req.resume();
          req.on('end', () => {
            if (phase === 'waiting') return begin();
            res.writeHead(200, { 'content-type': 'application/json' });
            const block = Buffer.alloc(64 * 1024, 0x20);
            const write = () => {
              while (!res.destroyed && res.write(block));
              if (!res.destroyed) res.once('drain', write);
            };
            write();
            begin();
          });
        });
  server.on('connection', (socket: net.Socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    reached,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('orq-images edit and Ctrl-C', () => {
  it.each(['upload', 'waiting', 'reading'] as const)(
    'during the %s: the first SIGINT stops the call, exit 130',
    async (phase) => {
      const server = track(await stalling(phase));
      const child = spawn(
        process.execPath,
        // A garbage collection every 20 ms in the CLI's process: what made Node 20's fetch lose the abort.
        [
          '--expose-gc',
          '--import',
          'data:text/javascript,setInterval(() => gc(), 20).unref()',
          '--import',
          pathToFileURL(path.join(root, 'node_modules/tsx/dist/loader.mjs')).href,
          path.join(root, 'src/cli/main.ts'),
          'edit',
          '--image',
          image,
          '--prompt',
          'p',
          '--model',
          'openai/gpt-image-1',
          '--base-url',
          server.url,
          '--out',
          work,
        ],
        {
          cwd: work,
          env: { PATH: process.env.PATH, HOME: process.env.HOME, ORQ_API_KEY: 'sk-cli-sigint-0123456789' },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const watchdog = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        await Promise.race([server.reached, exited]);
        // Let the phase run a moment (and the collector with it) before the interrupt.
        await new Promise((resolve) => setTimeout(resolve, 500));
        child.kill('SIGINT');
        const code = await exited;
        expect(code, stderr).toBe(130);
        expect(stderr).toContain('orq-images edit: interrupted');
      } finally {
        clearTimeout(watchdog);
        child.kill('SIGKILL');
      }
    },
  );
});
