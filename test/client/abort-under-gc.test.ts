/**
 * A timeout and a caller's abort stop every phase of a call (the upload, the wait for a response, reading the
 * response, saveImages downloading an image) while the garbage collector runs. On Node 20, fetch given a `new Request(url, { signal })` (as
 * openapi-fetch always gives it) loses the abort once a collection has run: a call could then run forever. The cases
 * run in one child process with `--expose-gc` and a collection forced every 10 ms.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const here = path.dirname(fileURLToPath(import.meta.url));
let results: {
  phase?: string;
  how?: string;
  name?: string;
  movedAfterStop?: number;
  connectionClosed?: boolean;
  left?: string[];
  stuck?: boolean;
}[] = [];

beforeAll(async () => {
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--expose-gc', '--import', 'tsx', path.join(here, 'fixtures/abort-under-gc.ts')],
      { timeout: 60_000 },
      (error, out, stderr) => {
        if (!out.trim()) return reject(new Error(`no result (${error?.message ?? ''}): ${stderr.slice(-800)}`));
        resolve(out);
      },
    );
  });
  results = stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}, 90_000);

describe('with the garbage collector running', () => {
  it.each([
    ['upload', 'timeout', 'TimeoutError'],
    ['waiting', 'timeout', 'TimeoutError'],
    ['reading', 'timeout', 'TimeoutError'],
    ['upload', 'abort', 'AbortError'],
    ['waiting', 'abort', 'AbortError'],
    ['reading', 'abort', 'AbortError'],
  ])('%s, stopped by %s: the call ends in %s and nothing more moves', (phase, how, name) => {
    expect(results.some((r) => r.stuck)).toBe(false);
    expect(results.find((r) => r.phase === phase && r.how === how)).toEqual({ phase, how, name, movedAfterStop: 0 });
  });

  it.each([
    ['timeout', 'TimeoutError'],
    ['abort', 'AbortError'],
  ])(
    'downloading (saveImages), stopped by %s: ends in %s, the connection closed, nothing more moves, no partial file left',
    (how, name) => {
      expect(results.find((r) => r.phase === 'downloading' && r.how === how)).toEqual({
        phase: 'downloading',
        how,
        name,
        movedAfterStop: 0,
        connectionClosed: true,
        left: [],
      });
    },
  );
});
