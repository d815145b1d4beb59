/**
 * The generated validators are compiled ahead of time: they run where generating code from strings is forbidden
 * (Node's --disallow-code-generation-from-strings, the same rule a strict Content-Security-Policy imposes on a page).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const run = promisify(execFile);

describe('validators without eval', () => {
  it('validate a good and a bad request under --disallow-code-generation-from-strings', async () => {
    const validators = pathToFileURL(path.join(root, 'generated/validators.js')).href;
    const script = `
      const { validateEditFields } = await import(${JSON.stringify(validators)});
      let evalBlocked = false;
      try { new Function('return 1'); } catch { evalBlocked = true; }
      const good = validateEditFields({ model: 'm/x', prompt: 'p', n: 2, retry: { count: 2 } });
      const bad = validateEditFields({ model: 'm/x', prompt: 'p', n: 11 });
      console.log(JSON.stringify({ evalBlocked, good, bad, errors: validateEditFields.errors.length }));`;
    const { stdout } = await run(process.execPath, [
      '--disallow-code-generation-from-strings',
      '--input-type=module',
      '-e',
      script,
    ]);
    expect(JSON.parse(stdout)).toEqual({ evalBlocked: true, good: true, bad: false, errors: 1 });
  });
});
