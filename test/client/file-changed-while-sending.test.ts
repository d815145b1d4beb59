/**
 * On Node, images given as paths are read straight from disk while they are sent (large fs reads, not
 * Blob.stream()). A file that changed size after the request was checked would break the body's declared length:
 * the upload is stopped with an error naming the file, and the call is not retried.
 */
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageEditClient, NetworkError } from '../../src/index.js';
import { makePng } from '../support/images.js';
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

describe('an image file that changes between the check and the upload', () => {
  it('a path image is sent whole from disk, byte for byte', async () => {
    const file = path.join(dir, 'big.png');
    const bytes = makePng(4, 4, { padTo: 3 * 1024 * 1024 + 17 });
    await writeFile(file, bytes);
    const client = createImageEditClient({ apiKey: 'sk-test', baseUrl: server.url });
    await client.edit({ model: 'm/x', prompt: 'p', image: file });
    expect(server.requests.at(-1)!.parts.find((p) => p.filename === 'big.png')?.size).toBe(bytes.length);
  });

  it('grown after the check: the upload stops with an error naming the file, and nothing is retried', async () => {
    const file = path.join(dir, 'growing.png');
    await writeFile(file, makePng(4, 4));
    let attempts = 0;
    const client = createImageEditClient({
      apiKey: 'sk-test',
      baseUrl: server.url,
      retryOn: [500, 'reset'],
      // Runs after the request was checked and before its body is read: the moment a file could change.
      fetch: async (input, init) => {
        attempts++;
        await appendFile(file, 'more bytes');
        return globalThis.fetch(input, init);
      },
    });
    const error = await client.edit({ model: 'm/x', prompt: 'p', image: file }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as Error).message).toContain(file);
    expect((error as Error).message).toContain('changed after it was checked');
    expect(attempts).toBe(1);
  });
});
