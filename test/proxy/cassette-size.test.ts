/**
 * A cassette fits its 1 MiB whatever the exchange: a valid request with a prompt of quotes (each doubled once
 * JSON-escaped) and a response with 12,000 departures are recorded cut and marked, and the mock's replay skips the
 * cut cassette with a warning naming it.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MAX_LISTED_ISSUES } from '../../src/contract/issues.js';
import { MAX_CASSETTE_BYTES } from '../../src/mock/core/replay.js';
import { serversClosedAfterEach } from '../support/scripted-server.js';
import { okBody, postParts, proxiesClosedAfterEach, startCommand, validParts } from './support.js';

const { serve } = serversClosedAfterEach();
const proxy = proxiesClosedAfterEach();

describe('a cassette of a large exchange', () => {
  it('a prompt of 900,000 quotes and a response with 12,000 departures are cut and marked to fit 1 MiB, and replay skips the cut cassette with a warning', {
    timeout: 120_000,
  }, async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'orq-cassette-size-'));
    try {
      const departures = 12_000;
      const upstream = await serve(() => ({
        status: 200,
        body: { ...okBody, data: Array.from({ length: departures }, () => ({ b64_json: 5 })) },
      }));
      const through = await proxy({ upstream: upstream.url, recordDir: dir });
      const prompt = '"'.repeat(900_000);
      const parts = validParts().map((part) => (part.name === 'prompt' ? { ...part, value: prompt } : part));
      expect(await postParts(through.url, parts)).toMatchObject({ status: 200 });
      await through.reported(1);
      expect(through.lines[0]).toMatch(/recorded as 0001-post-200\.json/);
      const drift = through.reports[0]!.drift.length;

      const [name] = await readdir(dir);
      const text = await readFile(path.join(dir, name!), 'utf8');
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MAX_CASSETTE_BYTES);
      const cassette = JSON.parse(text);
      expect(cassette.request.truncated).toBe(true);
      expect(cassette.request.parts.find((part: { name: string }) => part.name === 'prompt').value).toMatch(/^"+$/);
      // The departures are bounded where they are found: the first MAX_LISTED_ISSUES named, one entry counting the rest.
      expect(drift).toBeLessThanOrEqual(MAX_LISTED_ISSUES + 1);
      expect(through.reports[0]!.drift[drift - 1]).toMatchObject({
        field: '(more)',
        received: expect.stringMatching(/^\d{5} more failures/),
      });
      expect(cassette.drift.length + (cassette.driftLeftOut ?? 0)).toBe(drift);
      expect(cassette.response.truncated).toBeUndefined();
      expect(cassette.response.body.data).toHaveLength(departures);

      const mock = await startCommand(['mock', '--port', '0', '--replay', dir], /Ctrl-C/);
      // A cassette the recorder cut is not the exchange that happened: replay skips it, naming it and why.
      expect(mock.output()).toContain(`replay    0 recorded response(s) from ${dir}`);
      expect(mock.output()).toContain(`warning   skipped ${path.join(dir, name!)}: request.truncated is set`);
      mock.child.kill('SIGTERM');
      expect(await mock.exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
