/**
 * The mock's image work is for live clients only, and bounded: clients that send large requests (a real PNG made
 * with sharp, n=3, 2048×2048) and leave have their work dropped, waiting or between two images, so the next small
 * request gets its response about as fast as alone and the CPU is not spent on responses nobody receives; a small
 * request is not behind large ones from live clients; and a full line gets at once the spec's 503 and Retry-After.
 *
 * Work is measured by the mock's own counters (mock.imageWork(): images made, responses dropped), which do not depend
 * on how loaded the machine is; times and CPU are compared with baselines measured in the same test, with wide factors.
 */
import net from 'node:net';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateErrorResponse } from '../../generated/validators.js';
import { responseFacts } from '../../src/contract/spec.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { AUTH, multipart, post, type MockResponse } from './support.js';

const SIDE = 2048;

/** A 2048×2048 PNG of checks and a gradient: about 100 kB, as a real large upload compresses. */
async function largePng(): Promise<Buffer> {
  const raw = Buffer.alloc(SIDE * SIDE * 3);
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const offset = (y * SIDE + x) * 3;
      raw[offset] = ((x >> 5) ^ (y >> 5)) & 1 ? 200 : 40;
      raw[offset + 1] = y >> 3;
      raw[offset + 2] = 128;
    }
  }
  return sharp(raw, { raw: { width: SIDE, height: SIDE, channels: 3 } })
    .png()
    .toBuffer();
}

/** A 64×64 PNG of its own colour: a new source each time, so the mock's render cache never serves it. */
let colours = 0;
function smallPng(): Promise<Buffer> {
  const seed = ++colours;
  return sharp({
    create: {
      width: 64,
      height: 64,
      channels: 3,
      background: { r: (seed * 37) & 0xff, g: (seed * 91) & 0xff, b: 140 },
    },
  })
    .png()
    .toBuffer();
}

function editBody(png: Buffer, n: number, size: string) {
  return multipart([
    { name: 'model', value: 'openai/gpt-image-1' },
    { name: 'prompt', value: 'Add a red scarf' },
    { name: 'n', value: String(n) },
    { name: 'size', value: size },
    { name: 'image', filename: 'source.png', contentType: 'image/png', value: png },
  ]);
}

async function edit(mock: MockServer, png: Buffer, n: number, size: string): Promise<MockResponse & { ms: number }> {
  const { body, contentType } = editBody(png, n, size);
  const started = performance.now();
  const response = await post(body, { ...AUTH, 'Content-Type': contentType }, mock.endpoint);
  return { ...response, ms: performance.now() - started };
}

/** A whole request on a raw socket, whose response is never read: the client leaves when the test destroys it. */
function sendAndHold(mock: MockServer, png: Buffer, n: number, size: string): net.Socket {
  const { body, contentType } = editBody(png, n, size);
  const url = new URL(mock.endpoint);
  const socket = net.connect(Number(url.port), url.hostname);
  socket.on('error', () => undefined);
  socket.write(
    `POST ${url.pathname} HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: ${AUTH.Authorization}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
  );
  socket.write(body);
  return socket;
}

async function until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`still waiting for ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const inLine = (mock: MockServer) => mock.imageWork().making + mock.imageWork().waiting;
const idle = (mock: MockServer) => inLine(mock) === 0;
const cpuMs = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

let large: Buffer;

beforeAll(async () => {
  large = await largePng();
});

describe('clients that leave take their image work with them', () => {
  let mock: MockServer;

  beforeAll(async () => {
    mock = await startMock({ port: 0 });
    await edit(mock, await smallPng(), 1, '256x256'); // sharp loads with the first image made
  });
  afterAll(() => mock.close());

  it('eight clients send a 2048×2048 PNG (n=3) and leave: their work is dropped, the next small request gets its response about as fast as alone', {
    timeout: 180_000,
  }, async () => {
    const alone: number[] = [];
    for (let i = 0; i < 3; i++) {
      const response = await edit(mock, await smallPng(), 1, '256x256');
      expect(response.status).toBe(200);
      alone.push(response.ms);
    }
    // What one large image costs here, now: the unit the bounds below are counted in.
    const cpuBefore = process.cpuUsage();
    const one = await edit(mock, large, 1, '2048x2048');
    expect(one.status).toBe(200);
    const largeImageCpuMs = cpuMs(cpuBefore);

    const sockets = Array.from({ length: 8 }, () => sendAndHold(mock, large, 3, '2048x2048'));
    await until('the eight requests to reach the image line', () => inLine(mock) === 8);
    const before = mock.imageWork();
    const cpuAtLeaving = process.cpuUsage();
    for (const socket of sockets) socket.destroy();

    const small = await edit(mock, await smallPng(), 1, '256x256');
    expect(small.status).toBe(200);
    await until('the image work to stop', () => idle(mock));
    const spentMs = cpuMs(cpuAtLeaving);
    const after = mock.imageWork();

    expect(after.dropped - before.dropped).toBe(8);
    // Each response being made when its client left finishes at most the image it was on; none waiting starts.
    expect(after.imagesMade - before.imagesMade).toBeLessThanOrEqual(before.making + 1);
    // Before: the 24 images were all made (about 12 large images' time ahead of the small request, 20 of CPU).
    expect(small.ms).toBeLessThan(3 * (median(alone) + one.ms));
    expect(spentMs).toBeLessThan(8 * largeImageCpuMs);
    console.log(
      `small request alone ${median(alone).toFixed(0)} ms, after eight clients left ${small.ms.toFixed(0)} ms; one large image ${one.ms.toFixed(0)} ms, ` +
        `${largeImageCpuMs.toFixed(0)} ms CPU; CPU from leaving to idle ${spentMs.toFixed(0)} ms; images made after leaving ${after.imagesMade - before.imagesMade}`,
    );
  });

  it('a small request gets its response while large responses for live clients still wait their turn', {
    timeout: 180_000,
  }, async () => {
    const sockets = Array.from({ length: 6 }, () => sendAndHold(mock, large, 3, '2048x2048'));
    try {
      await until('the six requests to reach the image line', () => inLine(mock) === 6);
      const small = await edit(mock, await smallPng(), 1, '256x256');
      expect(small.status).toBe(200);
      expect(small.body.data).toHaveLength(1);
      // Not behind them: four of the six large responses (two are made at a time) had not even started.
      expect(mock.imageWork().waiting).toBeGreaterThan(0);
    } finally {
      for (const socket of sockets) socket.destroy();
      await until('the image work to stop', () => idle(mock));
    }
  });
});

describe('a full image line', () => {
  let mock: MockServer;

  beforeAll(async () => {
    mock = await startMock({ port: 0, imageQueue: 1 });
  });
  afterAll(() => mock.close());

  it("gets at once the spec's 503, its Retry-After and error body, and nothing is made for it", {
    timeout: 180_000,
  }, async () => {
    // Two being made and one waiting fill a line of one.
    const sockets = Array.from({ length: 3 }, () => sendAndHold(mock, large, 3, '2048x2048'));
    try {
      await until('the three requests to reach the image line', () => inLine(mock) === 3);
      const made = mock.imageWork().imagesMade;
      const refused = await edit(mock, large, 3, '2048x2048');

      expect(refused.status, refused.text).toBe(503);
      expect(validateErrorResponse(refused.body), JSON.stringify(validateErrorResponse.errors)).toBe(true);
      expect(
        responseFacts(503)!.examples.map((example) => (example.value as { error: { code: string } }).error.code),
      ).toContain(refused.body.error.code);
      expect(refused.body.error.message).toMatch(/image queue.*full.*1 responses already wait/);
      const retryAfter = refused.headers.get('retry-after');
      expect(retryAfter).toMatch(new RegExp(responseFacts(503)!.headers['Retry-After']!.schema!.pattern as string));
      expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
      expect(mock.imageWork().refused).toBe(1);
      expect(inLine(mock)).toBe(3);
      expect(mock.imageWork().imagesMade - made).toBeLessThanOrEqual(2 * 3); // only the two being made went on
    } finally {
      for (const socket of sockets) socket.destroy();
      await until('the image work to stop', () => idle(mock));
    }
    // The line empties when its clients leave: the next one is made.
    expect((await edit(mock, await smallPng(), 1, '256x256')).status).toBe(200);
  });

  it('a bound that is not an integer from 0 to 10,000 is refused by startMock, naming it', async () => {
    await expect(startMock({ port: 0, imageQueue: -1 })).rejects.toThrow(
      /imageQueue must be an integer from 0 to 10000/,
    );
    await expect(startMock({ port: 0, imageQueue: 1.5 })).rejects.toThrow(RangeError);
  });
});
