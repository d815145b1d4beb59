/**
 * Binding a server (the mock's, the proxy's) and the base URL a client uses to reach it: a wildcard address is
 * reached through the loopback, an IPv6 address in brackets.
 */
import type http from 'node:http';
import type { AddressInfo } from 'node:net';

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}

/** Listens on `host`:`port` (0: a free one); resolves to the base URL once listening. */
export async function listenOn(server: http.Server, port: number, host: string): Promise<string> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return `http://${urlHost(host)}:${(server.address() as AddressInfo).port}`;
}
