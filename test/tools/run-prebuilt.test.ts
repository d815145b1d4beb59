/**
 * scripts/run-prebuilt.mjs (what `npm start` and `npm run generate` run): a script runs from its bundle with its
 * arguments, each module keeping its own import.meta.url; the bundle is used while its sources hold what they held and
 * built again once one changed, even to other bytes of the same size. And generate's record is keyed by the content
 * of what generation reads.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { prebuiltPlace } from '../../scripts/run-prebuilt.ts';
import { inputsDigest } from '../../scripts/generate/record.ts';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'orq-run-prebuilt-'));

afterAll(() => {
  const place = prebuiltPlace(path.join(work, 'main.ts'));
  rmSync(path.dirname(place.code), { recursive: true, force: true });
  rmSync(place.manifest, { force: true });
  rmSync(work, { recursive: true, force: true });
});

describe('run-prebuilt', () => {
  it('runs a script from its bundle with its arguments, and builds it again when a source changed by content', {
    timeout: 120_000,
  }, async () => {
    mkdirSync(path.join(work, 'lib'), { recursive: true });
    writeFileSync(
      path.join(work, 'lib/word.ts'),
      "export const word: string = 'one';\nexport const here = import.meta.url;\n",
    );
    writeFileSync(
      path.join(work, 'main.ts'),
      "import { word, here } from './lib/word.ts';\nconsole.log(JSON.stringify({ word, here, args: process.argv.slice(2), entry: process.argv[1] }));\n",
    );
    const once = async () =>
      JSON.parse(
        (
          await run(process.execPath, ['scripts/run-prebuilt.mjs', path.join(work, 'main.ts'), '--flag', 'x'], {
            cwd: root,
          })
        ).stdout,
      );
    const place = prebuiltPlace(path.join(work, 'main.ts'));

    expect(await once()).toEqual({
      word: 'one',
      here: new URL('lib/word.ts', `file://${work}/`).href,
      args: ['--flag', 'x'],
      entry: path.join(work, 'main.ts'),
    });
    expect(existsSync(place.code)).toBe(true);
    const built = readFileSync(place.manifest, 'utf8');
    expect((await once()).word).toBe('one');
    expect(readFileSync(place.manifest, 'utf8'), 'an unchanged source is not built again').toBe(built);

    writeFileSync(
      path.join(work, 'lib/word.ts'),
      "export const word: string = 'two';\nexport const here = import.meta.url;\n",
    ); // same size
    expect((await once()).word).toBe('two');
  });
});

describe("generate's record", () => {
  it('is keyed by the content of the spec it reads', () => {
    const spec = path.join(work, 'openapi.yaml');
    writeFileSync(spec, 'openapi: 3.1.0\n');
    const first = inputsDigest(spec);
    expect(inputsDigest(spec)).toBe(first);
    writeFileSync(spec, 'openapi: 3.1.1\n');
    expect(inputsDigest(spec)).not.toBe(first);
  });
});
