/**
 * One upload by one contender, in a process of its own so that its peak RSS is its own:
 *
 *   node upload.js <contender> <sink-url> <file>...
 *
 * Prints { wallMs, maxRssKb, receivedBytes }: wall time from the call to the parsed response (imports excluded), peak
 * resident set of the whole process (getrusage, as /usr/bin/time reports it), and what the sink counted.
 */
import { openAsBlob, createReadStream, statSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { once } from 'node:events';
import { closingBoundary, partHead } from '../../scripts/multipart-writer.js';

const [contender, url, ...files] = process.argv.slice(2) as [string, string, ...string[]];
const MODEL = 'openai/gpt-image-1';
const PROMPT = 'Add a red scarf to the cat';
const KEY = 'bench-key';
const ENDPOINT = `${url}/v2/router/images/edits`;

async function thisClient(): Promise<() => Promise<number>> {
  const { createImageEditClient } = await import('../../src/index.js');
  // Defaults only: no option the caller must know about.
  const client = createImageEditClient({ apiKey: KEY, baseUrl: url, maxRetries: 0 });
  // File paths: the input a Node caller most naturally has.
  return async () => {
    const result = await client.edit({ model: MODEL, prompt: PROMPT, image: files.length === 1 ? files[0]! : files });
    return (result as { received_bytes?: number }).received_bytes ?? 0;
  };
}

/** openai-node as its README shows it (fs.createReadStream), or with file-backed Files (fs.openAsBlob). */
async function openaiNode(fetchOptions?: { redirect: RequestRedirect }, blobs = false): Promise<() => Promise<number>> {
  const { default: OpenAI } = await import('openai');
  const client = new OpenAI({
    apiKey: KEY,
    baseURL: `${url}/v2/router`,
    maxRetries: 0,
    ...(fetchOptions ? { fetchOptions } : {}),
  });
  const open = async (file: string) =>
    blobs
      ? new File([await openAsBlob(file, { type: 'image/png' })], path.basename(file), { type: 'image/png' })
      : createReadStream(file);
  return async () => {
    const images = await Promise.all(files.map(open));
    const { response } = await client.images
      .edit({ model: MODEL, prompt: PROMPT, image: images.length === 1 ? images[0]! : images })
      .withResponse();
    return Number(response.headers.get('x-received-bytes'));
  };
}

async function fetchFormData(redirect?: RequestRedirect): Promise<() => Promise<number>> {
  return async () => {
    const form = new FormData();
    form.append('model', MODEL);
    form.append('prompt', PROMPT);
    for (const file of files) form.append('image', await openAsBlob(file, { type: 'image/png' }), path.basename(file));
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}` },
      body: form,
      ...(redirect ? { redirect } : {}),
    });
    await response.json();
    return Number(response.headers.get('x-received-bytes'));
  };
}

async function orqSdk(): Promise<() => Promise<number>> {
  if (files.length !== 1) throw new Error('the Orq SDK sends one image per request');
  const { Orq } = await import('@orq-ai/node');
  const { HTTPClient } = await import('@orq-ai/node/lib/http.js');
  let received = 0;
  // The SDK's own default HTTP client (global fetch), with a hook to read the response's headers.
  const httpClient = new HTTPClient();
  httpClient.addHook('response', (res: Response) => {
    received = Number(res.headers.get('x-received-bytes'));
  });
  const orq = new Orq({ apiKey: KEY, serverURL: url, httpClient });
  return async () => {
    await orq.router.images.edits.create({
      model: MODEL,
      prompt: PROMPT,
      image: { fileName: path.basename(files[0]!), content: await openAsBlob(files[0]!) },
    });
    return received;
  };
}

/**
 * The same multipart body written by hand for the floor contenders: the text parts, then each file as 1 MiB reads
 * (fs.createReadStream), with its exact length.
 */
function handWrittenBody(): { contentType: string; length: number; chunks(): AsyncGenerator<Buffer> } {
  const boundary = `----bench-${Date.now()}`;
  const text = (name: string, value: string) => `${partHead({ name }, boundary)}${value}\r\n`;
  const heads = files.map((file) =>
    partHead({ name: 'image', filename: path.basename(file), contentType: 'image/png' }, boundary),
  );
  const first = text('model', MODEL) + text('prompt', PROMPT);
  const last = closingBoundary(boundary);
  const length =
    Buffer.byteLength(first) +
    heads.reduce((sum, head, i) => sum + Buffer.byteLength(head) + statSync(files[i]!).size + 2, 0) +
    Buffer.byteLength(last);
  async function* chunks(): AsyncGenerator<Buffer> {
    yield Buffer.from(first);
    for (const [i, file] of files.entries()) {
      yield Buffer.from(heads[i]!);
      for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 })) yield chunk as Buffer;
      yield Buffer.from('\r\n');
    }
    yield Buffer.from(last);
  }
  return { contentType: `multipart/form-data; boundary=${boundary}`, length, chunks };
}

/** The floor for Node: the hand-written body through node:http, written with back-pressure. */
async function nodeHttp(): Promise<() => Promise<number>> {
  return async () => {
    const body = handWrittenBody();
    const req = http.request(ENDPOINT, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': body.contentType, 'content-length': body.length },
    });
    const responded = once(req, 'response') as Promise<[http.IncomingMessage]>;
    for await (const chunk of body.chunks()) {
      if (!req.write(chunk)) await once(req, 'drain');
    }
    req.end();
    const [res] = await responded;
    const chunks: Buffer[] = [];
    for await (const chunk of res) chunks.push(chunk as Buffer);
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    return Number(res.headers['x-received-bytes']);
  };
}

/** The process with this client imported and created, sending nothing: the floor under its upload figures. */
async function baseline(): Promise<() => Promise<number>> {
  const { createImageEditClient } = await import('../../src/index.js');
  createImageEditClient({ apiKey: KEY, baseUrl: url });
  return async () => 0;
}

/** Node's fetch with the same hand-written multipart as a stream of 1 MiB file reads (`duplex: 'half'`, `redirect: 'error'`). */
async function fetchStream(): Promise<() => Promise<number>> {
  return async () => {
    const body = handWrittenBody();
    const response = await fetch(ENDPOINT, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${KEY}`,
        'content-type': body.contentType,
        'content-length': String(body.length),
      },
      // ReadableStream.from exists on Node 20.6+ (not in @types/node 20's DOM lib types).
      body: (ReadableStream as unknown as { from(source: AsyncIterable<Uint8Array>): ReadableStream<Uint8Array> }).from(
        body.chunks(),
      ),
      duplex: 'half',
      redirect: 'error',
    } as RequestInit);
    await response.json();
    return Number(response.headers.get('x-received-bytes'));
  };
}

const factories: Record<string, () => Promise<() => Promise<number>>> = {
  'fetch-stream-1mib': fetchStream,
  this: thisClient,
  baseline,
  openai: () => openaiNode(),
  'openai-redirect-error': () => openaiNode({ redirect: 'error' }),
  'openai-blob-redirect-error': () => openaiNode({ redirect: 'error' }, true),
  fetch: () => fetchFormData(),
  'fetch-redirect-error': () => fetchFormData('error'),
  orq: orqSdk,
  'node-http': nodeHttp,
};

const factory = factories[contender];
if (!factory) throw new Error(`unknown contender ${contender}`);
const run = await factory();
const started = performance.now();
const receivedBytes = await run();
const wallMs = performance.now() - started;
process.stdout.write(`${JSON.stringify({ wallMs, maxRssKb: process.resourceUsage().maxRSS, receivedBytes })}\n`);
