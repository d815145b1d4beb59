/**
 * saveImages writes what an edit returned: b64_json decoded, url downloaded from a local server (without the API
 * key), each file named by its index and the type read from its bytes. A failed, timed-out, aborted or oversized
 * download leaves no partial file; existing files are kept (the next free name is used) unless overwrite is asked;
 * one image that cannot be saved never stops the others, and each failure says what really failed.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, DownloadError, TimeoutError, createImageEditClient, saveImages } from '../../src/index.js';
import { makeJpegHead, makePng, makeWebpHead } from '../support/images.js';
import { refusedPort, startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';

const png = makePng(6, 6, { seed: 21 });
const jpeg = makeJpegHead();
const webp = makeWebpHead();
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

interface DownloadServer {
  url: string;
  requests: { url: string; headers: http.IncomingHttpHeaders }[];
  /** Called when a `/stall` response has sent its first half. */
  onStall?: () => void;
  close(): Promise<void>;
}

/** Serves `/png`, `/jpeg`, `/webp` (with a Content-Type that may lie), `/missing` (404), `/stall` (half an image, then
 *  nothing), `/break` (half an image, then a reset). */
async function startDownloadServer(): Promise<DownloadServer> {
  const requests: DownloadServer['requests'] = [];
  const state: DownloadServer = { url: '', requests, close: async () => {} };
  const server = http.createServer((req, res) => {
    requests.push({ url: req.url ?? '', headers: req.headers });
    const route = (req.url ?? '').split('?')[0];
    const bytes = ({ '/png': png, '/jpeg': jpeg, '/webp': webp } as Record<string, Buffer>)[route!];
    if (bytes) return void res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(bytes);
    if (route === '/stall' || route === '/break') {
      const big = makePng(4, 4, { padTo: 256 * 1024 });
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(big.length) });
      res.write(big.subarray(0, big.length / 2), () => {
        if (route === '/break') setTimeout(() => res.socket?.destroy(), 20);
        else state.onStall?.();
      });
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}

let downloads: DownloadServer;
let work: string;
beforeAll(async () => {
  downloads = await startDownloadServer();
  work = await mkdtemp(path.join(tmpdir(), 'orq-save-'));
});
afterAll(async () => {
  await downloads.close();
  await rm(work, { recursive: true, force: true });
});

let dirs = 0;
/** A fresh, empty output directory (saveImages creates it). */
const freshDir = () => path.join(work, `out-${++dirs}`);
const fail = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );
const result = (...data: ({ b64_json: string } | { url: string })[]) => ({ created: 1, data });

let apis: ScriptedServer[] = [];
afterEach(async () => {
  await Promise.all(apis.map((api) => api.close()));
  apis = [];
  downloads.requests.length = 0;
  downloads.onStall = undefined;
});

describe('b64_json', () => {
  it('is decoded and named image-1.png, image-2.jpg, image-3.webp by the type of its bytes', async () => {
    const dir = freshDir();
    const paths = await saveImages(
      result({ b64_json: b64(png) }, { b64_json: b64(jpeg) }, { b64_json: b64(webp) }),
      dir,
    );
    expect(paths).toEqual(['image-1.png', 'image-2.jpg', 'image-3.webp'].map((name) => path.join(dir, name)));
    expect(await readFile(paths[0]!)).toEqual(png);
    expect(await readFile(paths[1]!)).toEqual(jpeg);
    expect(await readFile(paths[2]!)).toEqual(webp);
    expect((await readdir(dir)).sort()).toEqual(['image-1.png', 'image-2.jpg', 'image-3.webp']);
  });

  it('prefix names the files', async () => {
    const dir = freshDir();
    expect(await saveImages(result({ b64_json: b64(jpeg) }), dir, { prefix: 'cat' })).toEqual([
      path.join(dir, 'cat-1.jpg'),
    ]);
  });
});

describe('url results', () => {
  it('are downloaded from the URL the API returned, without the Authorization header sent to the API', async () => {
    const api = await startScriptedServer(() => ({
      status: 200,
      body: result({ url: `${downloads.url}/webp?sig=1` }, { url: `${downloads.url}/png` }, { b64_json: b64(jpeg) }),
    }));
    apis.push(api);
    const client = createImageEditClient({ apiKey: 'sk-save-SECRET-0123456789', baseUrl: api.url });
    const edited = await client.edit({
      model: 'openai/gpt-image-1',
      prompt: 'hat',
      image: png,
      response_format: 'url',
    });
    expect(api.requests[0]!.headers.authorization).toBe('Bearer sk-save-SECRET-0123456789');

    const dir = freshDir();
    const paths = await saveImages(edited, dir);
    // Named by the bytes, not by the server's (lying) Content-Type or the URL.
    expect(paths).toEqual(['image-1.webp', 'image-2.png', 'image-3.jpg'].map((name) => path.join(dir, name)));
    expect(await readFile(paths[0]!)).toEqual(webp);
    expect(await readFile(paths[1]!)).toEqual(png);
    expect(downloads.requests.map((r) => r.url)).toEqual(['/webp?sig=1', '/png']);
    for (const request of downloads.requests) {
      expect(request.headers.authorization).toBeUndefined();
      expect(JSON.stringify(request.headers)).not.toContain('sk-save-SECRET');
    }
  });

  it('a 404 is a DownloadError naming the image, its URL without the query (signed URLs carry credentials there)', async () => {
    const dir = freshDir();
    const error = await fail(
      saveImages(
        result({ url: `${downloads.url}/png` }, { url: `${downloads.url}/missing?X-Amz-Signature=s3cr3t` }),
        dir,
      ),
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ index: 1, status: 404, url: `${downloads.url}/missing` });
    expect(error.message).toContain('image 2');
    expect(JSON.stringify(error) + error.message + error.stack).not.toContain('s3cr3t');
    // The first image was complete and stays; nothing of the second, not even a temporary file.
    expect(await readdir(dir)).toEqual(['image-1.png']);
  });

  it('a timeout while downloading is a TimeoutError and leaves no partial file', async () => {
    const dir = freshDir();
    const error = await fail(
      saveImages(result({ b64_json: b64(png) }, { url: `${downloads.url}/stall` }), dir, { timeoutMs: 400 }),
    );
    expect(error).toBeInstanceOf(TimeoutError);
    expect((error as TimeoutError).timeoutMs).toBe(400);
    expect(await readdir(dir)).toEqual(['image-1.png']);
  });

  it('an abort while downloading is an AbortError and leaves no partial file', async () => {
    const dir = freshDir();
    const controller = new AbortController();
    downloads.onStall = () => controller.abort(new Error('user pressed cancel'));
    const error = await fail(saveImages(result({ url: `${downloads.url}/stall` }), dir, { signal: controller.signal }));
    expect(error).toBeInstanceOf(AbortError);
    expect(error.message).toContain('user pressed cancel');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a download that breaks off is a DownloadError naming the image (not "the connection to the Orq API") and leaves no partial file', async () => {
    const dir = freshDir();
    const error = await fail(saveImages(result({ url: `${downloads.url}/break` }), dir));
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ index: 0, status: undefined });
    expect(error.message).toMatch(/^downloading image 1 \(http:\/\/127\.0\.0\.1:\d+\/break\) failed/);
    expect(error.message).not.toContain('Orq API');
    expect(await readdir(dir)).toEqual([]);
  });

  it('a refused connection is a DownloadError with the code', async () => {
    const port = await refusedPort();
    const error = await fail(saveImages(result({ url: `http://127.0.0.1:${port}/png` }), freshDir()));
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).code).toBe('ECONNREFUSED');
  });

  it('an already-aborted signal downloads nothing', async () => {
    const dir = freshDir();
    expect(
      await fail(saveImages(result({ url: `${downloads.url}/png` }), dir, { signal: AbortSignal.abort() })),
    ).toBeInstanceOf(AbortError);
    expect(downloads.requests).toHaveLength(0);
    expect(await readdir(dir)).toEqual([]);
  });
});

describe('existing files', () => {
  it('are kept: the next free name is used (image-1-2.png, then image-1-3.png)', async () => {
    const dir = freshDir();
    const first = await saveImages(result({ b64_json: b64(png) }, { b64_json: b64(jpeg) }), dir);
    const second = await saveImages(result({ b64_json: b64(webp) }, { b64_json: b64(jpeg) }), dir);
    const third = await saveImages(result({ b64_json: b64(makePng(2, 2)) }), dir);
    expect(first).toEqual([path.join(dir, 'image-1.png'), path.join(dir, 'image-2.jpg')]);
    // A different type is a different name, so image-1.webp is free.
    expect(second).toEqual([path.join(dir, 'image-1.webp'), path.join(dir, 'image-2-2.jpg')]);
    expect(third).toEqual([path.join(dir, 'image-1-2.png')]);
    expect(await saveImages(result({ b64_json: b64(png) }), dir)).toEqual([path.join(dir, 'image-1-3.png')]);
    expect(await readFile(path.join(dir, 'image-1.png'))).toEqual(png);
    expect(await readFile(path.join(dir, 'image-1-2.png'))).toEqual(makePng(2, 2));
    expect((await readdir(dir)).sort()).toEqual([
      'image-1-2.png',
      'image-1-3.png',
      'image-1.png',
      'image-1.webp',
      'image-2-2.jpg',
      'image-2.jpg',
    ]);
  });

  it('overwrite: true replaces them under the same name', async () => {
    const dir = freshDir();
    await saveImages(result({ b64_json: b64(png) }), dir);
    await writeFile(path.join(dir, 'image-2.jpg'), 'old');
    const other = makePng(3, 3, { seed: 99 });
    expect(
      await saveImages(result({ b64_json: b64(other) }, { url: `${downloads.url}/jpeg` }), dir, { overwrite: true }),
    ).toEqual([path.join(dir, 'image-1.png'), path.join(dir, 'image-2.jpg')]);
    expect(await readFile(path.join(dir, 'image-1.png'))).toEqual(other);
    expect(await readFile(path.join(dir, 'image-2.jpg'))).toEqual(jpeg);
    expect((await readdir(dir)).sort()).toEqual(['image-1.png', 'image-2.jpg']);
  });

  it('two saves into the same directory at once both complete, each file whole under its own name', async () => {
    const dir = freshDir();
    const images = Array.from({ length: 6 }, (_, i) => makePng(4, 4, { seed: i, padTo: 64 * 1024 }));
    const saves = await Promise.all(images.map((image) => saveImages(result({ b64_json: b64(image) }), dir)));
    const paths = saves.map((saved) => saved[0]!);
    expect(new Set(paths).size).toBe(images.length);
    expect(paths.map((p) => path.basename(p)).sort()).toEqual(
      ['image-1.png', ...[2, 3, 4, 5, 6].map((n) => `image-1-${n}.png`)].sort(),
    );
    for (const [i, saved] of paths.entries()) expect(await readFile(saved)).toEqual(images[i]);
    expect((await readdir(dir)).length).toBe(images.length);
  });
});
