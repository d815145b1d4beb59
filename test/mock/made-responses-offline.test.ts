/**
 * `url` responses work offline, where a frontend team uses them: `orq-images edit --format url` saves the images the
 * mock made (downloaded from the mock itself), and a page on another origin shows them with `<img src>` and may
 * fetch their bytes (CORS). Nothing reaches past 127.0.0.1.
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wireContract } from '../../src/contract/spec.js';
import { cli } from '../cli/run-cli.js';
import { openBrowser } from '../support/chromium.js';
import { makePng } from '../support/images.js';
import { mockUrl } from './support.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-mock-offline-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('url responses, offline', () => {
  it('orq-images edit --format url -n 2 --size 64x48 saves both images, downloaded from the mock', {
    timeout: 90_000,
  }, async () => {
    const image = path.join(dir, 'cat.png');
    await writeFile(image, makePng(16, 16));
    const out = path.join(dir, 'out');
    const run = await cli(
      [
        'edit',
        '--image',
        image,
        '--prompt',
        'Add a red scarf',
        '--model',
        'openai/gpt-image-1',
        '--format',
        'url',
        '-n',
        '2',
        '--size',
        '64x48',
        '--base-url',
        mockUrl(),
        '--out',
        out,
        '--json',
      ],
      { cwd: dir },
    );
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { images: { file?: string; error?: unknown }[] };
    expect(report.images).toHaveLength(2);
    for (const saved of report.images) expect(saved.file?.startsWith(out), JSON.stringify(saved)).toBe(true);
    const files = await readdir(out);
    expect(files).toHaveLength(2);
    for (const file of files) {
      const meta = await sharp(await readFile(path.join(out, file))).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 64, 48]);
    }
  });

  it('a page on another origin shows the images with <img src> and reads their bytes with fetch (CORS)', {
    timeout: 90_000,
  }, async () => {
    const png = makePng(24, 24).toString('base64');
    const html = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><pre id="status">starting</pre>
<script type="module">
  const form = new FormData();
  form.append('model', 'openai/gpt-image-1');
  form.append('prompt', 'Add a red scarf');
  form.append('n', '3');
  form.append('size', '64x48');
  form.append('response_format', 'url');
  form.append('image', new File([Uint8Array.from(atob('${png}'), (c) => c.charCodeAt(0))], 'cat.png', { type: 'image/png' }));
  try {
    const response = await (await fetch('${mockUrl()}${wireContract.path}', { method: 'POST', headers: { Authorization: 'Bearer any-key' }, body: form })).json();
    const shown = [];
    for (const { url } of response.data) {
      const img = document.body.appendChild(new Image());
      img.src = url;
      await img.decode();
      const bytes = await (await fetch(url)).arrayBuffer();
      shown.push({ url, width: img.naturalWidth, height: img.naturalHeight, bytes: bytes.byteLength });
    }
    window.shown = shown;
    document.getElementById('status').textContent = 'done';
  } catch (error) {
    document.getElementById('status').textContent = 'failed: ' + error;
  }
</script>`;
    const pageServer = http.createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' }).end(html),
    );
    await new Promise<void>((resolve) => pageServer.listen(0, 'localhost', resolve));
    const browser = await openBrowser();
    try {
      // Another origin than the mock's: localhost:<port> against 127.0.0.1:<port>.
      await browser.page.goto(`http://localhost:${(pageServer.address() as AddressInfo).port}/`);
      await browser.page.waitForFunction(
        () => document.getElementById('status')?.textContent !== 'starting',
        undefined,
        { timeout: 60_000 },
      );
      expect(await browser.page.textContent('#status')).toBe('done');
      const shown = (await browser.page.evaluate('window.shown')) as {
        url: string;
        width: number;
        height: number;
        bytes: number;
      }[];
      expect(shown).toHaveLength(3);
      for (const image of shown) expect([image.width, image.height, image.bytes > 0]).toEqual([64, 48, true]);
      expect(browser.externalRequests()).toEqual([]);
      expect(browser.consoleErrors).toEqual([]);
    } finally {
      await browser.close();
      pageServer.closeAllConnections();
      await new Promise<void>((resolve) => pageServer.close(() => resolve()));
    }
  });
});
