/**
 * The proxy streams: sixteen images at the spec's per-file limit (16 × 50 MiB, sent by curl -F) pass through it to
 * the upstream whole, checked on the way, while the proxy's memory (its own process, read from /proc) grows far less
 * than the upload. With --strict the body is held on disk, not in memory, until checked; the temporary file is gone
 * afterwards.
 */
import { execFile } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { KEY, memory, okBody, startProxyProcess } from './support.js';

const run = promisify(execFile);
const { serve } = serversClosedAfterEach();
const MiB = 1024 * 1024;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
/** Far below the 800 MiB upload: the proxy must stream, not hold. */
const GROWTH_BOUND = 150 * MiB;

let dir: string;
let files: string[];
let proxyTmp: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'large-uploads-'));
  proxyTmp = path.join(dir, 'tmp');
  await mkdir(proxyTmp);
  // Sparse files that start like a PNG, each exactly the spec's per-file limit: no disk, no memory.
  files = await Promise.all(
    Array.from({ length: imageField.limits.maxItems }, async (_, i) => {
      const file = path.join(dir, `image-${i}.png`);
      const handle = await open(file, 'w');
      await handle.write(PNG_SIGNATURE, 0, PNG_SIGNATURE.length, 0);
      await handle.truncate(imageField.limits.maxBytes);
      await handle.close();
      return file;
    }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function uploadThrough(strict: boolean, count: number) {
  const upstream = await serve(() => ({ status: 200, body: okBody }));
  const proxy = await startProxyProcess(['--upstream', upstream.url, ...(strict ? ['--strict'] : [])], proxyTmp);
  try {
    const before = memory(proxy.pid, 'VmRSS');
    writeFileSync(`/proc/${proxy.pid}/clear_refs`, '5'); // VmHWM := VmRSS, so the peak read below is the upload's
    const form = files.slice(0, count).flatMap((file) => ['-F', `${imageField.name}=@${file};type=image/png`]);
    const { stdout } = await run(
      'curl',
      [
        '-sS',
        '--max-time',
        '300',
        '-H',
        `Authorization: Bearer ${KEY}`,
        '-F',
        'model=openai/gpt-image-1',
        '-F',
        'prompt=Brighter',
        ...form,
        `${proxy.endpoint}`,
      ],
      { maxBuffer: 16 * MiB },
    );
    const growth = memory(proxy.pid, 'VmHWM') - before;
    await expect.poll(() => proxy.output(), { timeout: 20_000 }).toMatch(/#1 POST/);
    return { response: JSON.parse(stdout), growth, upstream, line: /#1 POST.*/.exec(proxy.output())![0] };
  } finally {
    await proxy.stop();
  }
}

describe('large uploads through the proxy', () => {
  it(`16 × ${imageField.limits.maxBytes} bytes reach the upstream whole, checked on the way, at bounded memory`, {
    timeout: 300_000,
  }, async () => {
    const { response, growth, upstream, line } = await uploadThrough(false, imageField.limits.maxItems);
    expect(response).toEqual(okBody);
    const images = upstream.requests[0]!.parts.filter((part) => part.name === imageField.name);
    expect(images.map((part) => part.size)).toEqual(Array(imageField.limits.maxItems).fill(imageField.limits.maxBytes));
    expect(line).toMatch(new RegExp(`${wireContract.path} → 200 \\(\\d+ ms\\): conforms$`));
    console.log(
      `proxy memory for 16 × ${imageField.limits.maxBytes} bytes: peak growth ${(growth / MiB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(GROWTH_BOUND);
  });

  it('--strict holds the body on disk, not in memory, and removes it afterwards', { timeout: 300_000 }, async () => {
    const spools = () => readdirSync(proxyTmp).filter((name) => name.startsWith('orq-proxy-')).length;
    const spoolsBefore = spools();
    const { response, growth, upstream } = await uploadThrough(true, 4);
    expect(response).toEqual(okBody);
    expect(
      upstream.requests[0]!.parts.filter((part) => part.name === imageField.name).map((part) => part.size),
    ).toEqual(Array(4).fill(imageField.limits.maxBytes));
    console.log(
      `strict proxy memory for 4 × ${imageField.limits.maxBytes} bytes: peak growth ${(growth / MiB).toFixed(1)} MiB`,
    );
    expect(growth).toBeLessThan(GROWTH_BOUND);
    expect(spools()).toBe(spoolsBefore);
  });
});
