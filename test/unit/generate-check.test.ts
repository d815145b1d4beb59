/**
 * `npm run generate` is deterministic, and `generate:check` fails naming each file that drifted from the spec.
 * Run on a copy (--out), never on the committed generated/ that other tests read. The first run writes to an empty
 * directory, so it generates; once files differ from the record of the last generation (scripts/generate/record.ts),
 * --check generates again and names them.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

/** As `npm run generate` runs it: from its prebuilt bundle, its packages from V8's code cache once there is one. */
function generate(...args: string[]) {
  return run(process.execPath, [path.join(root, 'scripts/run-prebuilt.mjs'), 'scripts/generate.ts', ...args], {
    cwd: root,
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  );
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-generated-'));
  expect((await generate('--out', dir)).code).toBe(0);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('generate and generate:check', () => {
  it('writes exactly what is committed in generated/ (deterministic)', async () => {
    const files = (await readdir(dir)).sort();
    expect(files).toEqual((await readdir(path.join(root, 'generated'))).sort());
    for (const file of files)
      expect(await readFile(path.join(dir, file), 'utf8'), file).toBe(
        await readFile(path.join(root, 'generated', file), 'utf8'),
      );
  });

  it('passes on a fresh copy, fails naming an edited file and a missing one', { timeout: 120_000 }, async () => {
    expect((await generate('--check', '--out', dir)).code).toBe(0);
    await writeFile(
      path.join(dir, 'schema.d.ts'),
      (await readFile(path.join(dir, 'schema.d.ts'), 'utf8')) + '// edited by hand\n',
    );
    await unlink(path.join(dir, 'validators.js'));
    const result = await generate('--check', '--out', dir);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/schema\.d\.ts/);
    expect(result.stderr).toMatch(/validators\.js \(missing\)/);
    expect(result.stderr).not.toMatch(/openapi\.json/);
  });
});
