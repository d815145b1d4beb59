/**
 * The loopback sink for upload and throughput runs, in its own process: reads and drops every request body, counts
 * its bytes, and responds 200 with the spec's base64 example (a body every contender's parser accepts).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';

const spec = JSON.parse(readFileSync(new URL('../../generated/openapi.json', import.meta.url), 'utf8'));
const examples = spec.paths['/v2/router/images/edits'].post.responses['200'].content['application/json'].examples;
const example = examples.b64_png.value;

const server = http.createServer((req, res) => {
  let received = 0;
  req.on('data', (chunk: Buffer) => {
    received += chunk.length;
  });
  req.on('end', () => {
    // The byte count also rides in the body: an extra key the spec allows ("unknown extra keys may appear").
    const body = JSON.stringify({ ...example, received_bytes: received });
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-received-bytes': String(received),
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
