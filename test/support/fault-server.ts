/**
 * A local HTTP server on 127.0.0.1 that misbehaves on cue, the way real networks and proxies do: it answers
 * statuses with any headers and body, resets the connection after reading part of an upload, declares a body
 * longer than it sends, or reads the upload and never answers. Every request is recorded
 * with its headers, the bytes that arrived and a SHA-256 of the whole body when it arrived whole.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { afterEach } from 'vitest';

export type Fault =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Destroys the connection once `afterBytes` of the body arrived (0: at once). */
  | { reset: true; afterBytes?: number }
  /** Sends the status and a Content-Length larger than `body`, then closes: a truncated answer. */
  | { truncate: true; status?: number; body: string; declaredLength: number }
  /** Reads the whole body, never answers. */
  | { hang: true };

export interface FaultRecord {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Bytes of the body that arrived. */
  bytes: number;
  /** Set when the body arrived whole. */
  sha256?: string;
  /** The client went away before the body ended. */
  aborted: boolean;
  /** The connection is closed (by either side). */
  closed: boolean;
}

export interface FaultServer {
  url: string;
  port: number;
  requests: FaultRecord[];
  close(): Promise<void>;
}

export async function startFaultServer(script: (index: number, request: FaultRecord) => Fault, options: { port?: number } = {}): Promise<FaultServer> {
  const requests: FaultRecord[] = [];
  const server = http.createServer((req, res) => {
    const record: FaultRecord = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes: 0, aborted: false, closed: false };
    const index = requests.push(record) - 1;
    req.socket.once('close', () => {
      record.closed = true;
      if (!req.complete) record.aborted = true;
    });
    const fault = script(index, record);
    const hash = createHash('sha256');
    req.on('data', (chunk: Buffer) => {
      record.bytes += chunk.length;
      hash.update(chunk);
      if ('reset' in fault && record.bytes >= (fault.afterBytes ?? 0)) req.socket.destroy();
    });
    req.on('close', () => {
      if (!req.complete) record.aborted = true;
    });
    if ('reset' in fault && !fault.afterBytes) {
      req.socket.destroy();
      return;
    }
    req.on('end', () => {
      record.sha256 = hash.digest('hex');
      if ('hang' in fault || 'reset' in fault) return;
      if ('truncate' in fault) {
        res.writeHead(fault.status ?? 200, { 'content-type': 'application/json', 'content-length': String(fault.declaredLength) });
        res.write(fault.body);
        setTimeout(() => res.socket?.destroy(), 20);
        return;
      }
      const text = fault.body === undefined ? '' : typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body);
      res.writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
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
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
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
  const net = await import('node:net');
  const sockets = new Set<import('node:net').Socket>();
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
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
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
 * For a test file: `serve(script)` starts a fault server and `track(server)` adopts any other; every one of them is
 * closed after each test, passing or failing.
 */
export function serversClosedAfterEach(): {
  serve(script: (index: number, request: FaultRecord) => Fault): Promise<FaultServer>;
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
  return { track, serve: async (script) => track(await startFaultServer(script)) };
}
