/**
 * Blobs, Files and ArrayBuffers made in another realm (a node:vm context here; jsdom's File under Jest, an iframe's
 * Blob in a page) fail `instanceof Blob` / `instanceof ArrayBuffer` in the client's realm. They are accepted by their
 * shape, read with what they offer (arrayBuffer(), else their stream, counted against the limit as it arrives) and
 * arrive at a real multipart parser as the same part as their bytes would; one whose size is over the limit is
 * refused naming the image and the limit without being read. (The packed package under Jest and Vitest with jsdom,
 * where the environment's FileReader reads them, is test/package/test-runners.test.ts.)
 */
import { createHash } from 'node:crypto';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RequestValidationError, createImageEditClient, toImageFile } from '../../src/index.js';
import { imageField } from '../../src/contract/spec.js';
import { makeJpegHead, makePng } from '../support/images.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const { maxBytes } = imageField.limits;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
const servers = serversClosedAfterEach();

/**
 * Another realm with a File class of its own, as jsdom's: a size, a type, a name, slice(), and either arrayBuffer()
 * (resolving to that realm's ArrayBuffer) or only stream() (handing out that realm's Uint8Arrays). `reads` counts
 * how often its bytes were asked for.
 */
const realm = vm.createContext({ HostReadableStream: ReadableStream });
const OtherFile = vm.runInContext(
  `(class File {
    constructor(bytes, name, type, { withArrayBuffer = true, size } = {}) {
      this.bytes = new Uint8Array(bytes);
      this.name = name;
      this.type = type;
      this.size = size ?? this.bytes.length;
      this.reads = 0;
      if (!withArrayBuffer) this.arrayBuffer = undefined;
    }
    slice(start, end) { return new File(this.bytes.slice(start, end), '', this.type); }
    arrayBuffer() { this.reads++; return Promise.resolve(this.bytes.slice().buffer); }
    stream() {
      this.reads++;
      let at = 0;
      const bytes = this.bytes;
      return new HostReadableStream({ pull(controller) {
        if (at >= bytes.length) return controller.close();
        controller.enqueue(bytes.slice(at, at + 5));
        at += 5;
      } });
    }
  })`,
  realm,
) as new (
  bytes: number[],
  name: string,
  type: string,
  options?: { withArrayBuffer?: boolean; size?: number },
) => Blob & { name: string; reads: number };

const otherArrayBuffer = (bytes: Uint8Array): ArrayBuffer =>
  vm.runInContext(`new Uint8Array(${JSON.stringify([...bytes])}).buffer`, realm) as ArrayBuffer;

describe('images from another realm', () => {
  it("a File with arrayBuffer(), one with only a stream, and an ArrayBuffer of a vm context arrive as their bytes' parts", async () => {
    const png = makePng(6, 4, { seed: 11 });
    const jpeg = makeJpegHead();
    const streamed = makePng(3, 3, { seed: 12 });
    const file = new OtherFile([...png], 'other-realm.png', 'image/png');
    const streamOnly = new OtherFile([...streamed], 'streamed.png', 'image/png', { withArrayBuffer: false });
    expect(file instanceof Blob).toBe(false);
    const buffer = otherArrayBuffer(jpeg);
    expect(buffer instanceof ArrayBuffer).toBe(false);

    const server = await servers.serve(() => ({ status: 200, body: okBody }));
    const client = createImageEditClient({ apiKey: 'sk-realm-test', baseUrl: server.url, maxRetries: 0 });
    await expect(
      client.edit({ model: 'openai/gpt-image-1', prompt: 'Add a hat', image: [file, streamOnly, buffer] }),
    ).resolves.toEqual(okBody);
    const parts = server.requests[0]!.parts.filter((part) => part.name === imageField.name).map(
      ({ filename, contentType, size, sha256 }) => ({ filename, contentType, size, sha256 }),
    );
    expect(parts).toEqual([
      { filename: 'other-realm.png', contentType: 'image/png', size: png.length, sha256: sha256(png) },
      { filename: 'streamed.png', contentType: 'image/png', size: streamed.length, sha256: sha256(streamed) },
      { filename: 'image-3.jpg', contentType: 'image/jpeg', size: jpeg.length, sha256: sha256(jpeg) },
    ]);
    // Read once, when the request was prepared: the upload sends what was read then.
    expect(file.reads).toBe(1);
    expect(streamOnly.reads).toBe(1);
  });

  it('toImageFile gives a Blob of this realm, with the name and the type read from the bytes', async () => {
    const png = makePng(2, 2, { seed: 13 });
    const image = await toImageFile(new OtherFile([...png], 'cat.png', 'application/octet-stream'));
    expect(image.data).toBeInstanceOf(Blob);
    expect(image).toMatchObject({ filename: 'cat.png', contentType: 'image/png', size: png.length });
    expect(new Uint8Array(await image.data.arrayBuffer())).toEqual(new Uint8Array(png));
  });

  it('one whose size is over the limit is refused naming the image and the limit, without being read', async () => {
    const huge = new OtherFile([...makePng(2, 2)], 'huge.png', 'image/png', { size: maxBytes + 1 });
    const error = await toImageFile(huge).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(RequestValidationError);
    expect((error as RequestValidationError).issues).toEqual([
      { field: 'image', message: `is ${maxBytes + 1} bytes, over the limit of ${maxBytes} bytes per image` },
    ]);
    expect(huge.reads).toBe(0);
  });
});
