/**
 * Every form an image may be given in reaches the server as the same part: each is sent to a server that parses
 * the multipart body with busboy, and checked part by part (filename, media type read from the bytes, size,
 * SHA-256). Stream inputs go through a temporary file that is gone after the call, whatever its outcome; a stream
 * over the byte limit is refused, naming the image and the limit, and stops being read just after it; a retry sends
 * identical bytes again; unreadable paths are refused naming the image and the reason.
 */
import { createHash } from 'node:crypto';
import { createReadStream, readdirSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  ApiError,
  RequestValidationError,
  TimeoutError,
  createImageEditClient,
  toImageFile,
  type ImageEditClientOptions,
  type ImageFile,
  type ImageInput,
} from '../../src/index.js';
import { imageField } from '../../src/contract/spec.js';
import { makeJpegHead, makePng, makeWebpHead } from '../support/images.js';
import type { ParsedPart } from '../support/multipart-reader.js';
import { startScriptedServer, type ScriptedServer, type Script } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const { maxBytes } = imageField.limits;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let work: string;
/** Where os.tmpdir() points during these tests, so the temporary files of stream inputs can be counted. */
let privateTmp: string;
let savedTmpdir: string | undefined;
const files = {
  png: makePng(8, 8, { seed: 1 }),
  jpeg: makeJpegHead(),
  webp: makeWebpHead(),
  pngNamedJpg: makePng(6, 6, { seed: 9 }),
};
const paths = { png: '', jpeg: '', webp: '', pngNamedJpg: '', dir: '' };

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'orq-inputs-'));
  paths.png = path.join(work, 'cat.png');
  paths.jpeg = path.join(work, 'photo.jpeg');
  paths.webp = path.join(work, 'pic with space.webp');
  paths.pngNamedJpg = path.join(work, 'not-a-jpeg.jpg');
  paths.dir = path.join(work, 'a-directory.png');
  await Promise.all([
    writeFile(paths.png, files.png),
    writeFile(paths.jpeg, files.jpeg),
    writeFile(paths.webp, files.webp),
    writeFile(paths.pngNamedJpg, files.pngNamedJpg),
    mkdir(paths.dir),
  ]);
  privateTmp = path.join(work, 'tmp');
  await mkdir(privateTmp);
  savedTmpdir = process.env.TMPDIR;
  process.env.TMPDIR = privateTmp;
});
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await rm(work, { recursive: true, force: true });
});

let servers: (ScriptedServer | ScriptedServer)[] = [];
beforeEach(async () => {
  expect(tmpdir()).toBe(privateTmp);
  expect(await readdir(privateTmp)).toEqual([]);
});
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function record(responder: Script = () => ({ status: 200, body: okBody })) {
  const server = await startScriptedServer(responder);
  servers.push(server);
  return server;
}

function client(server: { url: string }, options: Partial<ImageEditClientOptions> = {}) {
  return createImageEditClient({ apiKey: 'sk-inputs-test', baseUrl: server.url, retryBaseDelayMs: 1, ...options });
}

const request = (image: ImageInput | ImageInput[], extra: Record<string, unknown> = {}) => ({
  model: 'openai/gpt-image-1',
  prompt: 'Add a hat',
  image,
  ...extra,
});

/** Chunks of `bytes`, `size` at a time (a stream that arrives in pieces). */
function pieces(bytes: Uint8Array, size = 7): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += size) out.push(bytes.slice(at, at + size));
  return out;
}

function webStream(bytes: Uint8Array): ReadableStream<Uint8Array> {
  const chunks = pieces(bytes);
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = chunks.shift();
      if (next) controller.enqueue(next);
      else controller.close();
    },
  });
}

const fail = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );

const imageParts = (parts: ParsedPart[]) =>
  parts.filter((part) => part.name === imageField.name).map(({ head: _head, ...part }) => part);
const expected = (filename: string, contentType: string, bytes: Uint8Array) => ({
  name: imageField.name,
  filename,
  contentType,
  size: bytes.length,
  sha256: sha256(bytes),
});

describe('every input kind arrives as the same part', () => {
  it('path, file: URL, file:// string, Buffer, Uint8Array view, ArrayBuffer, Blob, File, Node and web streams, { data, filename, contentType }, toImageFile', async () => {
    const buffer = makePng(5, 5, { seed: 2 });
    // A view into the middle of a larger buffer: only the view's bytes may be sent.
    const viewed = makePng(7, 3, { seed: 3 });
    const backing = new Uint8Array(viewed.length + 40).fill(0xee);
    backing.set(viewed, 13);
    const view = backing.subarray(13, 13 + viewed.length);
    const arrayBuffer = new Uint8Array(makeJpegHead()).buffer; // its own ArrayBuffer (a small Buffer shares a pool)
    const fileBytes = makePng(3, 9, { seed: 4 });
    const nodeStreamBytes = makePng(9, 9, { seed: 5 });
    const webStreamBytes = makeJpegHead();
    const namedBytes = makePng(2, 2, { seed: 6 });
    const helperStreamBytes = makeWebpHead();
    const fromPath = await toImageFile(paths.pngNamedJpg);
    const fromStream = await toImageFile(Readable.from(pieces(helperStreamBytes)), 'helper.webp');
    const helpers: ImageFile[] = [fromPath, fromStream];
    try {
      expect(fromPath).toMatchObject({
        filename: 'not-a-jpeg.jpg',
        contentType: 'image/png',
        size: files.pngNamedJpg.length,
      });
      expect(fromStream).toMatchObject({
        filename: 'helper.webp',
        contentType: 'image/webp',
        size: helperStreamBytes.length,
      });

      const inputs: [ImageInput, ReturnType<typeof expected>][] = [
        [paths.png, expected('cat.png', 'image/png', files.png)],
        [pathToFileURL(paths.jpeg), expected('photo.jpeg', 'image/jpeg', files.jpeg)],
        [pathToFileURL(paths.webp).href, expected('pic with space.webp', 'image/webp', files.webp)],
        [buffer, expected('image-4.png', 'image/png', buffer)],
        [view, expected('image-5.png', 'image/png', viewed)],
        [arrayBuffer, expected('image-6.jpg', 'image/jpeg', makeJpegHead())],
        [new Blob([files.webp]), expected('image-7.webp', 'image/webp', files.webp)],
        [new File([fileBytes], 'from-file.png'), expected('from-file.png', 'image/png', fileBytes)],
        [
          { data: Readable.from(pieces(nodeStreamBytes)), filename: 'node-stream.png' },
          expected('node-stream.png', 'image/png', nodeStreamBytes),
        ],
        [
          { data: webStream(webStreamBytes), filename: 'web-stream.jpg' },
          expected('web-stream.jpg', 'image/jpeg', webStreamBytes),
        ],
        [
          { data: namedBytes, filename: 'named.png', contentType: 'image/png' },
          expected('named.png', 'image/png', namedBytes),
        ],
        // The filename says JPEG; the bytes (and so the part) say PNG.
        [fromPath, expected('not-a-jpeg.jpg', 'image/png', files.pngNamedJpg)],
        [fromStream, expected('helper.webp', 'image/webp', helperStreamBytes)],
        // A file stream carries its own name.
        [createReadStream(paths.png), expected('cat.png', 'image/png', files.png)],
        [
          { data: new Uint8Array(files.jpeg), filename: 'plain-uint8.jpg' },
          expected('plain-uint8.jpg', 'image/jpeg', files.jpeg),
        ],
      ];
      const server = await record();
      await expect(client(server).edit(request(inputs.map(([input]) => input)))).resolves.toEqual(okBody);
      expect(server.requests).toHaveLength(1);
      expect(server.requests[0]!.parseError).toBeUndefined();
      expect(imageParts(server.requests[0]!.parts)).toEqual(inputs.map(([, part]) => part));
    } finally {
      await Promise.all(helpers.map((helper) => helper.dispose()));
    }
  });

  it.each([
    ['a path', () => paths.webp, expected('pic with space.webp', 'image/webp', files.webp)],
    ['a Buffer', () => files.png, expected('image-1.png', 'image/png', files.png)],
    [
      'a web stream',
      () => ({ data: webStream(files.jpeg), filename: 'one.jpg' }),
      expected('one.jpg', 'image/jpeg', files.jpeg),
    ],
    [
      'a Node stream without a filename',
      () => Readable.from(pieces(files.png)),
      expected('image-1.png', 'image/png', files.png),
    ],
  ] as const)('one image (not an array): %s', async (_, input, part) => {
    const server = await record();
    await client(server).edit(request(input()));
    expect(imageParts(server.requests[0]!.parts)).toEqual([part]);
  });

  it('a declared contentType that the bytes contradict is refused before sending', async () => {
    const server = await record();
    const error = await fail(
      client(server).edit(request([files.png, { data: files.png, filename: 'x.jpg', contentType: 'image/jpeg' }])),
    );
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { field: 'image[1]', message: 'is declared image/jpeg but its bytes are image/png' },
    ]);
    expect(server.requests).toHaveLength(0);
  });
});

describe('temporary files of stream inputs', () => {
  it('exist while the request is sent and are gone after it', async () => {
    let during: string[] = [];
    const server = await record(() => {
      during = readdirSync(privateTmp);
      return { status: 200, body: okBody };
    });
    await client(server).edit(
      request([
        { data: webStream(files.png), filename: 'a.png' },
        { data: Readable.from(pieces(files.jpeg)), filename: 'b.jpg' },
      ]),
    );
    expect(during).toHaveLength(2);
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('are gone after a failed call: an error response, a refused request, a timeout, a stream that breaks or stalls', async () => {
    const refusing = await record(() => ({
      status: 400,
      body: { error: { code: 'invalid_request_body', message: 'no' } },
    }));
    expect(
      await fail(client(refusing).edit(request([{ data: webStream(files.png), filename: 'a.png' }]))),
    ).toBeInstanceOf(ApiError);
    expect(refusing.requests).toHaveLength(1);
    expect(await readdir(privateTmp)).toEqual([]);

    // The stream is drained (it is valid), then the request is refused for another field: nothing sent.
    const error = await fail(
      client(refusing).edit(
        request([{ data: webStream(files.png), filename: 'a.png' }, Buffer.from('not an image')], { n: 0 }),
      ),
    );
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues.map((i) => i.field).sort()).toEqual(['image[1]', 'n']);
    expect(refusing.requests).toHaveLength(1);
    expect(await readdir(privateTmp)).toEqual([]);

    const hanging = await startScriptedServer(() => ({ hang: true }));
    servers.push(hanging);
    expect(
      await fail(
        client(hanging, { timeoutMs: 300 }).edit(
          request({ data: Readable.from(pieces(files.png)), filename: 'a.png' }),
        ),
      ),
    ).toBeInstanceOf(TimeoutError);
    expect(hanging.requests).toHaveLength(1);
    expect(await readdir(privateTmp)).toEqual([]);

    // A stream that breaks while being read, and one that stalls until the call times out: nothing is sent.
    const breaking = (async function* () {
      yield files.png.subarray(0, 16);
      throw Object.assign(new Error('disk gone'), { code: 'EIO' });
    })();
    const broke = await fail(client(refusing).edit(request([{ data: breaking, filename: 'a.png' }])));
    expect((broke as RequestValidationError).issues).toEqual([
      { field: 'image[0]', message: expect.stringContaining('EIO') },
    ]);
    const stalling = new ReadableStream<Uint8Array>({ start: (c) => c.enqueue(files.png.subarray(0, 16)) });
    expect(
      await fail(client(refusing, { timeoutMs: 200 }).edit(request({ data: stalling, filename: 'a.png' }))),
    ).toBeInstanceOf(TimeoutError);
    expect(refusing.requests).toHaveLength(1);
    expect(await readdir(privateTmp)).toEqual([]);
  });
});

describe('a stream over the byte limit', () => {
  const CHUNK = 256 * 1024;
  /** A generator of PNG-looking bytes that never ends, counting what was pulled from it. */
  interface Counter {
    pulled: number;
    /** The generator was closed (its `finally` ran): the source was released, not merely left unread. */
    closed: boolean;
  }
  function endless(counter: Counter) {
    return (async function* () {
      try {
        const first = new Uint8Array(CHUNK);
        first.set(makePng());
        yield ((counter.pulled += CHUNK), first);
        for (;;) yield ((counter.pulled += CHUNK), new Uint8Array(CHUNK));
      } finally {
        counter.closed = true;
      }
    })();
  }

  /** ReadableStream.from (Node 20.6+, not in TypeScript's lib): pulls on demand, cancel closes the generator. */
  function webStreamOf(iterator: AsyncGenerator<Uint8Array>): ReadableStream<Uint8Array> {
    return new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await iterator.next();
        if (done) controller.close();
        else controller.enqueue(value);
      },
      async cancel() {
        await iterator.return(undefined);
      },
    });
  }

  it.each([
    ['an async iterable', (counter: Counter) => endless(counter), 1],
    ['a web ReadableStream', (counter: Counter) => webStreamOf(endless(counter)), 2],
    // Readable.from reads ahead up to its highWaterMark (16 chunks in object mode).
    ['a Node Readable', (counter: Counter) => Readable.from(endless(counter)), 17],
  ] as const)(
    '%s is refused naming image[i] and the limit, and stops being read just past it',
    async (_, make, slackChunks) => {
      const server = await record();
      const counter: Counter = { pulled: 0, closed: false };
      const error = await fail(
        client(server).edit(request([files.png, { data: make(counter), filename: 'huge.png' }])),
      );
      expect(error).toBeInstanceOf(RequestValidationError);
      const issues = (error as RequestValidationError).issues;
      expect(issues).toHaveLength(1);
      expect(issues[0]!.field).toBe('image[1]');
      expect(issues[0]!.message).toContain(`over the limit of ${maxBytes} bytes`);
      expect(error.message).toContain('image[1]');
      expect(counter.pulled).toBeGreaterThan(maxBytes);
      expect(counter.pulled).toBeLessThanOrEqual(maxBytes + slackChunks * CHUNK);
      const stoppedAt = counter.pulled;
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(counter.pulled).toBe(stoppedAt);
      expect(counter.closed).toBe(true);
      expect(server.requests).toHaveLength(0);
      expect(await readdir(privateTmp)).toEqual([]);
    },
  );
});

describe('a retried upload sends identical bytes', () => {
  it('429 then 200: path, Buffer and stream inputs arrive twice, part for part', async () => {
    const server = await record((index) =>
      index === 0
        ? {
            status: 429,
            headers: { 'retry-after': '0' },
            body: { error: { code: 'rate_limit_exceeded', message: 'slow down' } },
          }
        : { status: 200, body: okBody },
    );
    const buffer = makePng(12, 12, { seed: 11 });
    const streamed = makePng(10, 4, { seed: 12 });
    await client(server).edit(
      request([paths.png, buffer, { data: Readable.from(pieces(streamed, 5)), filename: 'streamed.png' }]),
    );
    expect(server.requests).toHaveLength(2);
    const want = [
      expected('cat.png', 'image/png', files.png),
      expected('image-2.png', 'image/png', buffer),
      expected('streamed.png', 'image/png', streamed),
    ];
    expect(imageParts(server.requests[0]!.parts)).toEqual(want);
    expect(imageParts(server.requests[1]!.parts)).toEqual(want);
    expect(await readdir(privateTmp)).toEqual([]);
  });

  it('429 then 200 from the fault server: the whole body is byte for byte the same', async () => {
    const server = await startScriptedServer((i) =>
      i === 0 ? { status: 429, headers: { 'retry-after': '0' } } : { status: 200, body: okBody },
    );
    servers.push(server);
    const big = makePng(4, 4, { padTo: 3 * 1024 * 1024 });
    await client(server).edit(request([paths.png, big, { data: webStream(files.webp), filename: 's.webp' }]));
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(first!.bytes).toBe(Number(first!.headers['content-length']));
    expect(first!.bytes).toBeGreaterThan(big.length);
    expect(second!.bytes).toBe(first!.bytes);
    expect(second!.sha256).toBe(first!.sha256);
  });
});

describe('paths that cannot be read are refused naming the image and why', () => {
  it('a missing file and a directory', async () => {
    const server = await record();
    const missing = path.join(work, 'no-such.png');
    const error = await fail(client(server).edit(request([paths.png, missing, paths.dir])));
    expect(error).toBeInstanceOf(RequestValidationError);
    const issues = (error as RequestValidationError).issues;
    expect(issues.map((i) => i.field)).toEqual(['image[1]', 'image[2]']);
    expect(issues[0]!.message).toContain(missing);
    expect(issues[0]!.message).toMatch(/ENOENT|no such file/);
    expect(issues[1]!.message).toContain(paths.dir);
    expect(issues[1]!.message).toMatch(/not a regular file|directory/);
    expect(server.requests).toHaveLength(0);

    const single = await fail(client(server).edit(request(pathToFileURL(missing))));
    expect((single as RequestValidationError).issues).toEqual([
      { field: 'image', message: expect.stringMatching(/no such file/) },
    ]);
  });
});
