/**
 * A local HTTP server on 127.0.0.1 that parses every request's multipart body with a real parser (busboy),
 * records each part exactly as it arrived, and answers what the test tells it to.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import busboy from 'busboy';

export interface RecordedPart {
  name: string;
  /** Set for file parts. */
  filename?: string;
  /** The part's Content-Type header, as busboy read it (text parts default to text/plain). */
  contentType: string;
  /** Text parts: the value. */
  value?: string;
  /** File parts: byte count and SHA-256 of the content. */
  size?: number;
  sha256?: string;
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  parts: RecordedPart[];
  /** Set when the body was not valid multipart. */
  parseError?: string;
}

export type Responder = (request: RecordedRequest, index: number) => { status: number; headers?: Record<string, string>; body: unknown } | 'reset';

export interface RecordingServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

function parseMultipart(req: http.IncomingMessage): Promise<{ parts: RecordedPart[]; parseError?: string }> {
  return new Promise((resolve) => {
    const parts: RecordedPart[] = [];
    let parser: busboy.Busboy;
    try {
      parser = busboy({ headers: req.headers, limits: { fileSize: Infinity, fieldSize: 10 * 1024 * 1024 } });
    } catch (error) {
      req.resume();
      req.on('end', () => resolve({ parts, parseError: (error as Error).message }));
      return;
    }
    parser.on('field', (name, value, info) => parts.push({ name, value, contentType: info.mimeType }));
    parser.on('file', (name, stream, info) => {
      // Recorded when the part starts, so parts keep their order on the wire; size and hash are filled at its end.
      const part: RecordedPart = { name, filename: info.filename, contentType: info.mimeType, size: 0 };
      parts.push(part);
      const hash = createHash('sha256');
      stream.on('data', (chunk: Buffer) => {
        part.size! += chunk.length;
        hash.update(chunk);
      });
      stream.on('end', () => {
        part.sha256 = hash.digest('hex');
      });
    });
    parser.on('close', () => resolve({ parts }));
    parser.on('error', (error: Error) => {
      req.resume();
      resolve({ parts, parseError: error.message });
    });
    req.pipe(parser);
  });
}

export async function startRecordingServer(responder: Responder): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const { parts, parseError } = await parseMultipart(req);
    const recorded: RecordedRequest = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, parts, ...(parseError ? { parseError } : {}) };
    requests.push(recorded);
    const answer = responder(recorded, requests.length - 1);
    if (answer === 'reset') {
      req.socket.destroy();
      return;
    }
    const text = typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers });
    res.end(text);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
