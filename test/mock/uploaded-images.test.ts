/**
 * The Node mock keeps each request's first image whole for the response made from it, within a memory budget shared by
 * every request in flight: past it the bytes go to a temporary file (and still arrive whole), every file is removed
 * once its response is made or its request refused, and the directory goes when the mock closes.
 */
import { existsSync, readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UploadedImages } from '../../src/mock/node-http.js';

const chunk = (size: number, fill: number) => Buffer.alloc(size, fill);

async function feed(sink: ReturnType<UploadedImages['sink']>, chunks: Buffer[]) {
  for (const piece of chunks) await sink.write(piece);
}

async function bytesOf(source: Uint8Array | Blob | { path: string }): Promise<Buffer> {
  if (source instanceof Uint8Array) return Buffer.from(source);
  if (source instanceof Blob) return Buffer.from(await source.arrayBuffer());
  return readFile(source.path);
}

describe('keeping the first image', () => {
  it('small images stay in memory, counted against the budget until released', async () => {
    const uploads = new UploadedImages({ perImage: 100, total: 1_000 });
    const sink = uploads.sink();
    await feed(sink, [chunk(40, 1), chunk(40, 2)]);
    const kept = await sink.finish();
    expect(kept.source).toBeInstanceOf(Uint8Array);
    expect(await bytesOf(kept.source)).toEqual(Buffer.concat([chunk(40, 1), chunk(40, 2)]));
    expect(uploads.heldBytes).toBe(80);
    await kept.release();
    expect(uploads.heldBytes).toBe(0);
    uploads.close();
  });

  it('an image over its own budget, or over what all requests may hold together, goes to a file, whole, removed on release', async () => {
    const uploads = new UploadedImages({ perImage: 100, total: 150 });
    const big = uploads.sink();
    const others = [uploads.sink(), uploads.sink()];
    await feed(big, [chunk(60, 1), chunk(60, 2), chunk(60, 3)]);
    // Two more requests at once: the first fits the shared budget, the second does not.
    await feed(others[0]!, [chunk(90, 4)]);
    await feed(others[1]!, [chunk(90, 5)]);
    expect(uploads.heldBytes).toBeLessThanOrEqual(150);
    const [keptBig, keptFirst, keptSecond] = [await big.finish(), await others[0]!.finish(), await others[1]!.finish()];
    expect(keptBig.source).toHaveProperty('path');
    expect(keptFirst.source).toBeInstanceOf(Uint8Array);
    expect(keptSecond.source).toHaveProperty('path');
    expect(await bytesOf(keptBig.source)).toEqual(Buffer.concat([chunk(60, 1), chunk(60, 2), chunk(60, 3)]));
    expect(await bytesOf(keptSecond.source)).toEqual(chunk(90, 5));
    const dir = path.dirname((keptBig.source as { path: string }).path);
    for (const kept of [keptBig, keptFirst, keptSecond]) await kept.release();
    expect(readdirSync(dir)).toEqual([]);
    expect(uploads.heldBytes).toBe(0);
    uploads.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('a request whose Content-Length says the image cannot fit goes to disk from its first byte, holding no memory', async () => {
    const uploads = new UploadedImages({ perImage: 100, total: 1_000 });
    const sink = uploads.sink(5_000);
    await feed(sink, [chunk(10, 1)]);
    expect(uploads.heldBytes).toBe(0);
    const kept = await sink.finish();
    expect(await bytesOf(kept.source)).toEqual(chunk(10, 1));
    expect(kept.source).toHaveProperty('path');
    await kept.release();
    uploads.close();
  });

  it('a refused or abandoned request leaves nothing: its bytes and its file are dropped', async () => {
    const uploads = new UploadedImages({ perImage: 10, total: 10 });
    const sink = uploads.sink();
    await feed(sink, [chunk(8, 1), chunk(8, 2)]);
    await sink.discard();
    expect(uploads.heldBytes).toBe(0);
    const probe = uploads.sink();
    await feed(probe, [chunk(20, 1)]);
    const kept = await probe.finish();
    const dir = path.dirname((kept.source as { path: string }).path);
    await kept.release();
    expect(readdirSync(dir)).toEqual([]);
    uploads.close();
  });
});
