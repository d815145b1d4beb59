/**
 * saveImages against hostile responses and hostile places: an endless download and one that declares more than an
 * image may be are stopped at the spec's per-image limit (x-max-image-bytes) with a DownloadError naming the image
 * and the limit, nothing partial left; a b64_json built to make a backtracking check crawl is checked in one pass; a
 * prefix that would write outside the directory is refused before anything is written; a directory that cannot be
 * created or a file that cannot be written arrives as a typed FileSystemError, never stops the other images, and
 * leaves no timer behind. Every server here is local, and every loop in it bounded.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DownloadError,
  FileSystemError,
  InvalidOptionError,
  ResponseValidationError,
  saveEachImage,
  saveImages,
} from '../../src/index.js';
import { makePng } from '../support/images.js';
import { spec } from '../support/spec.js';

const specLimit: number = spec.components.schemas.ImageData['x-max-image-bytes'];
const png = makePng(6, 6, { seed: 3 });
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const result = (...data: unknown[]) => ({ created: 1, data }) as Parameters<typeof saveImages>[0];
const fail = (promise: Promise<unknown>) =>
  promise.then(
    (value) => {
      throw new Error(`expected a rejection, got ${JSON.stringify(value)}`);
    },
    (error: unknown) => error as Error,
  );

/** Bytes one endless response may send before it gives up on its own: a bound, far past every limit tested. */
const ENDLESS_BOUND = 64 * 1024 * 1024;

let server: http.Server;
let base: string;
let sentByEndless = 0;
let work: string;
beforeAll(async () => {
  server = http.createServer((req, res) => {
    if (req.url === '/png') return void res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    if (req.url === '/declares-too-much') {
      // Says it will send one byte more than the spec's limit, sends a PNG's start, then waits.
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': String(specLimit + 1) });
      return void res.write(png.subarray(0, 16));
    }
    if (req.url === '/endless') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(64 * 1024, 1);
      png.copy(chunk);
      const pump = () => {
        while (sentByEndless < ENDLESS_BOUND && !res.destroyed) {
          sentByEndless += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end();
      };
      return pump();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  work = await mkdtemp(path.join(tmpdir(), 'orq-save-hostile-'));
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await rm(work, { recursive: true, force: true });
});
let dirs = 0;
const freshDir = () => path.join(work, `out-${++dirs}`);

describe('downloads are bounded per image', () => {
  it('an endless download stops at maxImageBytes: DownloadError naming the image and the limit, no file left', async () => {
    const dir = freshDir();
    const error = await fail(
      saveImages(result({ b64_json: b64(png) }, { url: `${base}/endless` }), dir, { maxImageBytes: 256 * 1024 }),
    );
    expect(error).toBeInstanceOf(DownloadError);
    expect(error).toMatchObject({ index: 1, limitBytes: 256 * 1024 });
    expect(error.message).toContain('image 2');
    expect(error.message).toContain(`limit of ${256 * 1024} bytes`);
    expect(await readdir(dir)).toEqual(['image-1.png']);
    // The connection was let go of: the server stopped far short of its own bound.
    expect(sentByEndless).toBeLessThan(ENDLESS_BOUND);
  });

  it("by default the limit is the spec's x-max-image-bytes: a declared Content-Length past it is refused before reading", async () => {
    const dir = freshDir();
    const error = await fail(saveImages(result({ url: `${base}/declares-too-much` }), dir));
    expect(error).toBeInstanceOf(DownloadError);
    expect((error as DownloadError).limitBytes).toBe(specLimit);
    expect(await readdir(dir)).toEqual([]);
  });

  it('maxImageBytes must be a positive whole number', async () => {
    expect(await fail(saveImages(result({ b64_json: b64(png) }), freshDir(), { maxImageBytes: -1 }))).toBeInstanceOf(
      InvalidOptionError,
    );
  });
});

it('a b64_json of 200,000 spaces and then "!" is refused in one pass (a backtracking check took minutes)', {
  timeout: 10_000,
}, async () => {
  const dir = freshDir();
  const error = (await fail(
    saveImages(result({ b64_json: `${' '.repeat(200_000)}!` }), dir),
  )) as ResponseValidationError;
  expect(error).toBeInstanceOf(ResponseValidationError);
  expect(error.issues).toEqual([{ field: 'body.data[0].b64_json', message: 'is not base64 image data' }]);
  expect(await readdir(dir)).toEqual([]);
});

describe('a prefix is a file-name prefix, never a path', () => {
  it.each([
    '/../victim/pwn',
    '../victim',
    'a/b',
    'a\\b',
    '..',
    'x..y',
    'nul\0byte',
    'line\nbreak',
    'c:',
    '',
    'x'.repeat(201),
  ])('%j is refused with InvalidOptionError, nothing written', async (prefix) => {
    const root = freshDir();
    const dir = path.join(root, 'out');
    const error = await fail(saveImages(result({ b64_json: b64(png) }), dir, { prefix }));
    expect(error).toBeInstanceOf(InvalidOptionError);
    expect((error as InvalidOptionError).option).toBe('prefix');
    await expect(readdir(root)).rejects.toThrow(/ENOENT/);
  });

  it('a prefix with dots, spaces and letters of any script is fine', async () => {
    const dir = freshDir();
    expect(await saveImages(result({ b64_json: b64(png) }), dir, { prefix: 'cat v1.2 – café' })).toEqual([
      path.join(dir, 'cat v1.2 – café-1.png'),
    ]);
  });
});

describe('file-system failures are typed and never stop the other images', () => {
  it('--out naming a file: FileSystemError with its code for every image, and no timer left running', async () => {
    const file = path.join(work, `a-file-${++dirs}`);
    await writeFile(file, 'not a directory');
    const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const before = timers();
    const error = await fail(saveImages(result({ b64_json: b64(png) }), file));
    expect(error).toBeInstanceOf(FileSystemError);
    expect((error as FileSystemError).code).toBe('EEXIST');
    expect((error as FileSystemError).path).toBe(file);
    expect(error.message).toContain('cannot create the directory');
    expect(timers()).toBe(before);
  });

  it('saveEachImage: each image its own outcome (saved, a 404, a file that cannot be written, not base64), the rest saved', async () => {
    const dir = freshDir();
    await mkdir(path.join(dir, 'image-3.png', 'occupied'), { recursive: true });
    const outcomes = await saveEachImage(
      result(
        { b64_json: b64(png) },
        { url: `${base}/missing` },
        { url: `${base}/png` },
        { b64_json: 'not base64!' },
        { url: `${base}/png` },
      ),
      dir,
      { overwrite: true },
    );
    expect(outcomes.map((o) => (o.saved ? path.basename(o.path) : o.error.name))).toEqual([
      'image-1.png',
      'DownloadError',
      'FileSystemError',
      'ResponseValidationError',
      'image-5.png',
    ]);
    expect(outcomes[1]).toMatchObject({ saved: false, error: { status: 404, index: 1 } });
    expect(outcomes[2]).toMatchObject({ saved: false, error: { index: 2, code: 'EISDIR' } });
    expect((await readdir(dir)).sort()).toEqual(['image-1.png', 'image-3.png', 'image-5.png']);
    // saveImages: the same saving, then the first failure thrown.
    expect(await fail(saveImages(result({ url: `${base}/missing` }, { b64_json: b64(png) }), dir))).toBeInstanceOf(
      DownloadError,
    );
    expect((await readdir(dir)).sort()).toEqual(['image-1.png', 'image-2.png', 'image-3.png', 'image-5.png']);
  });
});
