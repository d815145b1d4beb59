/**
 * The tests' one scripted HTTP server on 127.0.0.1: it responds to each request the way a script says, including the
 * ways real networks and proxies misbehave (any status, headers and body; a reset after part of an upload; a body
 * shorter than its Content-Length; no response at all; raw bytes no server library would send), and records every request: headers, the bytes that arrived,
 * the SHA-256 of the whole body when it arrived whole, and, for a multipart body, each part as a real parser reads it
 * (test/support/multipart.ts). Also: a refused port and a server that never reads (for stalled uploads).
 */
import { createHash } from 'node:crypto';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { readMultipart, type ParsedPart } from './multipart-reader.js';

export type Fault =
  | {
      status: number;
      headers?: Record<string, string>;
      body?: unknown /** The status line's reason phrase. */;
      reason?: string;
    }
  /** Destroys the connection once `afterBytes` of the body arrived (0 or absent: at once; Infinity: after the whole body). */
  | { reset: true; afterBytes?: number }
  /** Sends the status and a Content-Length larger than `body`, then closes: a truncated response. */
  | { truncate: true; status?: number; body: string; declaredLength: number }
  /** Reads the whole body, never responds. */
  | { hang: true }
  /** Writes `bytes` as the whole response straight to the socket (status lines node:http refuses to send), then closes unless `keepOpen`. */
  | { raw: string; keepOpen?: boolean };

export interface ScriptedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of the body that arrived. */
  bytes: number;
  /** Set when the body arrived whole. */
  sha256?: string;
  /** The parts of a multipart body, in wire order (filled as the body streams in). */
  parts: ParsedPart[];
  /** Set when a multipart body was not valid multipart. */
  parseError?: string;
  /** The client went away before the body ended. */
  aborted: boolean;
  /** The connection is closed (by either side). */
  closed: boolean;
}

/** Decides each request's fate when it starts (its headers are known; its parts fill in as the body arrives). */
export type Script = (index: number, request: ScriptedRequest) => Fault;

export interface ScriptedServer {
  url: string;
  port: number;
  requests: ScriptedRequest[];
  close(): Promise<void>;
}

function listen(server: net.Server, port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

export async function startScriptedServer(script: Script, options: { port?: number } = {}): Promise<ScriptedServer> {
  const requests: ScriptedRequest[] = [];
  const server = http.createServer((req, res) => {
    const record: ScriptedRequest = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      bytes: 0,
      parts: [],
      aborted: false,
      closed: false,
    };
    const index = requests.push(record) - 1;
    req.socket.once('close', () => {
      record.closed = true;
      if (!req.complete) record.aborted = true;
    });
    req.on('close', () => {
      if (!req.complete) record.aborted = true;
    });
    const fault = script(index, record);
    const resetAt = 'reset' in fault ? (fault.afterBytes ?? 0) : undefined;
    if (resetAt === 0) {
      req.socket.destroy();
      return;
    }
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => {
      record.bytes += chunk.length;
      hash.update(chunk);
      if (resetAt !== undefined && record.bytes >= resetAt) req.socket.destroy();
    });
    const type = req.headers['content-type'] ?? '';
    const parsed = /^multipart\/form-data/i.test(type)
      ? readMultipart(req, type).then(({ parts, error }) => {
          record.parts = parts;
          if (error) record.parseError = error;
        })
      : new Promise<void>((resolve) => req.on('end', resolve).resume());
    const ended = new Promise<void>((resolve) => req.on('end', resolve));
    void Promise.all([parsed, ended]).then(() => {
      record.sha256 = hash.digest('hex');
      if ('hang' in fault) return;
      if ('raw' in fault) {
        req.socket.write(Buffer.from(fault.raw, 'latin1'));
        if (!fault.keepOpen) req.socket.end();
        return;
      }
      if ('reset' in fault) {
        req.socket.destroy();
        return;
      }
      if ('truncate' in fault) {
        res.writeHead(fault.status ?? 200, {
          'content-type': 'application/json',
          'content-length': String(fault.declaredLength),
        });
        res.write(fault.body);
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const text =
        fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      const headers = { 'content-type': 'application/json', ...fault.headers };
      if (fault.reason === undefined) res.writeHead(fault.status, headers);
      else res.writeHead(fault.status, fault.reason, headers);
      res.end(text);
    });
  });
  const port = await listen(server, options.port);
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A port on 127.0.0.1 where nothing listens (it was free a moment ago): connecting is refused. */
export async function refusedPort(): Promise<number> {
  const server = net.createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface StallServer {
  url: string;
  /** Connections accepted so far. */
  connections: number;
  /** Connections closed so far (by either side). */
  closed: number;
  close(): Promise<void>;
}

/**
 * A TCP server that accepts connections and never reads from them (`pauseOnConnect`): an upload to it stalls on
 * backpressure once the kernel's buffers are full, like one to a server that stopped reading.
 */
export async function startStallServer(): Promise<StallServer> {
  const sockets = new Set<net.Socket>();
  const state = { connections: 0, closed: 0 };
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('close', () => {
      state.closed++;
      sockets.delete(socket);
    });
    socket.on('error', () => {});
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    get connections() {
      return state.connections;
    },
    get closed() {
      return state.closed;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * For a test file: `serve(script)` starts a scripted server and `track(server)` adopts any other; every one of them
 * is closed after each test, passing or failing.
 */
export function serversClosedAfterEach(): {
  serve(script: Script): Promise<ScriptedServer>;
  track<T extends { close(): Promise<void> }>(server: T): T;
} {
  let open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    const closing = open;
    open = [];
    await Promise.all(closing.map((server) => server.close()));
  });
  const track = <T extends { close(): Promise<void> }>(server: T): T => {
    open.push(server);
    return server;
  };
  return { track, serve: async (script) => track(await startScriptedServer(script)) };
}
