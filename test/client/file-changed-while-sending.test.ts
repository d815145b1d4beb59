/**
 * On Node, images given as paths are read straight from disk while they are sent. An image that changed between
 * the pre-flight check and its upload is not what was checked: a file that grew or shrank (its declared length
 * would break), or one swapped for other bytes of the same size (a PNG rewritten as a JPEG would go out under
 * `image/png`). The upload stops before the changed bytes go out, with an ImageChangedError naming the file, and is
 * never retried; through the client's own transport and through a caller's own fetch alike.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageEditClient, ImageChangedError, type ImageEditClientOptions } from '../../src/index.js';
import { makeJpegHead, makePng } from '../support/images.js';
import { startScriptedServer, type ScriptedServer } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
let server: ScriptedServer;
let dir: string;
beforeAll(async () => {
  server = await startScriptedServer(() => ({ status: 200, body: okBody }));
  dir = await mkdtemp(path.join(tmpdir(), 'orq-changed-'));
});
afterAll(async () => {
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The client's own transport, or the same calls through a fetch the caller gave (a stream body). */
const transports: [string, Partial<ImageEditClientOptions>][] = [
  ['the client’s own transport', {}],
  ['a caller’s own fetch', { fetch: (input, init) => globalThis.fetch(input, init) }],
];

describe.each(transports)('an image file that changes between the check and the upload, through %s', (_, options) => {
  const client = () =>
    createImageEditClient({
      apiKey: 'sk-changed-test-0123456789',
      baseUrl: server.url,
      retryOn: [500, 'reset'],
      ...options,
    });

  it('a path image is sent whole from disk, byte for byte', async () => {
    const file = path.join(dir, 'big.png');
    const bytes = makePng(4, 4, { padTo: 3 * 1024 * 1024 + 17 });
    await writeFile(file, bytes);
    await client().edit({ model: 'm/x', prompt: 'p', image: file });
    const part = server.requests.at(-1)!.parts.find((p) => p.filename === 'big.png');
    expect(part).toMatchObject({ size: bytes.length, sha256: sha256(bytes), contentType: 'image/png' });
  });

  it('grown after the check, while an earlier image uploads: stopped with an ImageChangedError naming it, never retried', async () => {
    const first = path.join(dir, 'before-growing.png');
    const file = path.join(dir, 'growing.png');
    writeFileSync(first, makePng(4, 4, { padTo: 4 * 1024 * 1024 }));
    writeFileSync(file, makePng(4, 4));
    const before = server.requests.length;
    let grown = false;
    // The first progress report comes while the first image goes out: after the check, before the second is opened.
    const error = await client()
      .edit(
        { model: 'm/x', prompt: 'p', image: [first, file] },
        {
          onUploadProgress: ({ loaded }) =>
            void (loaded > 0 && !grown && (grown = true) && appendFileSync(file, 'more bytes')),
        },
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImageChangedError);
    expect(error).toMatchObject({ index: 1, file });
    expect((error as Error).message).toContain(`image 2 (${file}) changed after it was checked`);
    expect(server.requests.length - before).toBeLessThanOrEqual(1);
  });

  it('swapped for other bytes of the same size while an earlier image uploads: stopped before they go out', async () => {
    const first = path.join(dir, 'first.png');
    const second = path.join(dir, 'second.png');
    writeFileSync(first, makePng(4, 4, { padTo: 4 * 1024 * 1024 }));
    const png = makePng(4, 4, { padTo: 64 * 1024 });
    writeFileSync(second, png);
    const jpeg = Buffer.concat([makeJpegHead(), Buffer.alloc(png.length - makeJpegHead().length, 0x20)]);
    expect(jpeg.length).toBe(png.length);
    const before = server.requests.length;
    let swapped = false;
    const error = await client()
      .edit(
        { model: 'm/x', prompt: 'p', image: [first, second] },
        {
          onUploadProgress: ({ loaded }) =>
            void (loaded > 0 && !swapped && (swapped = true) && writeFileSync(second, jpeg)),
        },
      )
      .catch((e: unknown) => e);
    expect(swapped).toBe(true);
    expect(error).toBeInstanceOf(ImageChangedError);
    expect(error).toMatchObject({ index: 1, file: second });
    expect((error as Error).message).toMatch(
      /no longer those of the image\/png that was checked \(they are now image\/jpeg\)/,
    );
    // Sent at most once, and the swapped bytes never arrived as a part.
    const sent = server.requests.slice(before);
    expect(sent.length).toBeLessThanOrEqual(1);
    expect(sent.flatMap((request) => request.parts).some((part) => part.sha256 === sha256(jpeg))).toBe(false);
  });
});
