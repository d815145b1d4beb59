/**
 * Real uploads: sixteen images at the spec's per-file limit (16 × 50 MiB) are accepted while the mock's memory
 * stays far below the upload's size, and sizes over the limits are refused with 413 naming the part, without the
 * body being held. The mock runs in its own process here so that its memory can be read from /proc.
 */
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, maxRequestBodyBytes, wireContract } from '../../src/contract/spec.js';
import { startMockProcess, type MockProcess } from './process.js';
import { closingBoundary, partHead } from '../../scripts/multipart-writer.js';
import { AUTH, BOUNDARY, minimalParts } from './support.js';

const { maxBytes, maxItems } = imageField.limits;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const MiB = 1024 * 1024;
/** Far below the 800 MiB upload: the mock must stream, not hold. */
const MEMORY_BOUND = 200 * MiB;

let mock: MockProcess;
let dir: string;

/** A file of `size` bytes that starts like a PNG; sparse, so it costs no disk. */
async function sparsePng(name: string, size: number): Promise<string> {
  const file = path.join(dir, name);
  const handle = await open(file, 'w');
  await handle.write(PNG_SIGNATURE, 0, PNG_SIGNATURE.length, 0);
  await handle.truncate(size);
  await handle.close();
  return file;
}

/**
 * A multipart upload the way curl -F sends one: Content-Length up front, `Expect: 100-continue`, the spec's required
 * text fields, then each file streamed from disk with back-pressure. Stops writing once the mock responds.
 */
async function upload(files: string[]): Promise<{ status: number; body: any; seconds: number }> {
  const texts = minimalParts().filter((part) => part.filename === undefined);
  const head = (name: string, filename?: string) =>
    partHead(filename ? { name, filename: path.basename(filename), contentType: 'image/png' } : { name }, BOUNDARY);
  const textBody = texts.map((part) => `${head(part.name)}${String(part.value)}\r\n`).join('');
  const sizes = await Promise.all(files.map(async (file) => (await stat(file)).size));
  const closing = closingBoundary(BOUNDARY);
  const length =
    Buffer.byteLength(textBody) +
    files.reduce((sum, file, i) => sum + Buffer.byteLength(head(imageField.name, file)) + sizes[i]! + 2, 0) +
    Buffer.byteLength(closing);
  const started = performance.now();
  const response = await rawPost(
    { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Content-Length': length, Expect: '100-continue' },
    async (req, stopped) => {
      await new Promise<void>((resolve) => req.once('continue', resolve));
      await write(req, textBody);
      for (const file of files) {
        if (stopped()) return;
        await write(req, head(imageField.name, file));
        for await (const chunk of createReadStream(file, { highWaterMark: MiB })) {
          if (stopped()) return;
          await write(req, chunk as Buffer);
        }
        await write(req, '\r\n');
      }
      await write(req, closing);
      req.end();
    },
  );
  return { ...response, seconds: (performance.now() - started) / 1000 };
}

/** Samples the mock's RSS while `work` runs; resolves to the work's result and the highest RSS seen. */
async function watchMemory<T>(work: Promise<T>): Promise<{ result: T; peakSampled: number }> {
  let peak = mock.memory('VmRSS');
  const timer = setInterval(() => (peak = Math.max(peak, mock.memory('VmRSS'))), 20);
  try {
    return { result: await work, peakSampled: peak };
  } finally {
    clearInterval(timer);
  }
}

/**
 * A raw POST through node:http, streaming `writeBody` (which writes until told to stop); the response may come early.
 */
function rawPost(
  headers: Record<string, string | number>,
  writeBody: (req: http.ClientRequest, stopped: () => boolean) => Promise<void>,
): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const url = new URL(`${mock.url}${wireContract.path}`);
    let responded = false;
    const req = http.request(url, { method: 'POST', headers: { ...AUTH, ...headers } }, (res) => {
      responded = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) });
      });
    });
    req.on('error', (error) => {
      if (!responded) reject(error);
    });
    // Headers go out now, even for a body that is never written.
    req.flushHeaders();
    writeBody(req, () => responded).catch(() => undefined);
  });
}

function write(req: http.ClientRequest, chunk: Buffer | string): Promise<void> {
  return new Promise((resolve) => (req.write(chunk) ? resolve() : req.once('drain', resolve)));
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-mock-uploads-'));
  mock = await startMockProcess();
});

afterAll(async () => {
  await mock?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('large uploads', () => {
  it(`${maxItems} images of ${maxBytes} bytes each are accepted, with the mock's memory far below the upload`, {
    timeout: 120_000,
  }, async () => {
    const files = await Promise.all(Array.from({ length: maxItems }, (_, i) => sparsePng(`big-${i}.png`, maxBytes)));
    await upload(files.slice(0, 1)); // warm up: first-request allocations are not the upload's
    const before = mock.memory('VmRSS');
    mock.resetPeak();
    const { result, peakSampled } = await watchMemory(upload(files));
    const peak = Math.max(mock.memory('VmHWM'), peakSampled);
    const growth = peak - before;
    console.log(
      `mock memory for ${maxItems} × ${maxBytes} bytes (${((maxItems * maxBytes) / MiB).toFixed(0)} MiB) in ${result.seconds.toFixed(2)} s: ` +
        `RSS ${(before / MiB).toFixed(0)} MiB before, peak ${(peak / MiB).toFixed(0)} MiB, growth ${(growth / MiB).toFixed(1)} MiB`,
    );
    expect(result.status, JSON.stringify(result.body)).toBe(200);
    expect(validateImageEditResponse(result.body)).toBe(true);
    expect(growth).toBeLessThan(MEMORY_BOUND);
  });

  it(`an image of ${maxBytes + 1} bytes → 413 naming it and the limit`, { timeout: 60_000 }, async () => {
    const small = await sparsePng('small.png', 1024);
    const tooBig = await sparsePng('too-big.png', maxBytes + 1);
    const { status, body } = await upload([small, tooBig]);
    expect(status).toBe(413);
    expect(validateErrorResponse(body)).toBe(true);
    expect(body.error.message).toContain(`${imageField.name}[1]:`);
    expect(body.error.message).toContain(String(maxBytes));
    expect(body.error.details.field).toBe(`${imageField.name}[1]`);
  });

  it('a declared Content-Length over the whole-body limit → 413 before any of the body is sent', async () => {
    for (const expectContinue of [true, false]) {
      const response = await rawPost(
        {
          'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`,
          'Content-Length': maxRequestBodyBytes + 1,
          ...(expectContinue ? { Expect: '100-continue' } : {}),
        },
        async () => undefined, // nothing is ever written
      );
      expect(response.status).toBe(413);
      expect(validateErrorResponse(response.body)).toBe(true);
      expect(response.body.error.message).toContain(String(maxRequestBodyBytes));
    }
  });

  it('a chunked body (no Content-Length) that passes the whole-body limit → 413 while it streams, memory flat', {
    timeout: 120_000,
  }, async () => {
    const zeros = Buffer.alloc(4 * MiB);
    const before = mock.memory('VmRSS');
    mock.resetPeak();
    let sent = 0;
    const { result } = await watchMemory(
      rawPost(
        { 'Content-Type': `multipart/form-data; boundary=${BOUNDARY}`, 'Transfer-Encoding': 'chunked' },
        async (req, stopped) => {
          // Images just under the per-file limit, one after another, until the mock responds.
          for (let i = 0; !stopped(); i++) {
            await write(
              req,
              partHead({ name: imageField.name, filename: `${i}.png`, contentType: 'image/png' }, BOUNDARY),
            );
            await write(req, PNG_SIGNATURE);
            for (let size = PNG_SIGNATURE.length; size + zeros.length < maxBytes && !stopped(); size += zeros.length) {
              await write(req, zeros);
              sent += zeros.length;
            }
            await write(req, '\r\n');
          }
        },
      ),
    );
    expect(result.status).toBe(413);
    expect(result.body.error.details.field).toBe('(body)');
    expect(sent).toBeGreaterThan(maxRequestBodyBytes - maxBytes);
    expect(mock.memory('VmHWM') - before).toBeLessThan(MEMORY_BOUND);
  });

  it('the mock process still responds after all of that', async () => {
    const small = await sparsePng('after.png', 64);
    expect((await upload([small])).status).toBe(200);
  });
});
