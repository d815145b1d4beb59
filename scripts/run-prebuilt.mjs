/**
 * `node scripts/run-prebuilt.mjs scripts/<script>.ts [arguments]`: runs the script from a bundle rebuilt only when a
 * file it is made from changed (run-prebuilt.ts says how). Plain JavaScript, since it must start without tsx: it runs
 * run-prebuilt.ts's own bundle, or, when there is none yet (a fresh clone), run-prebuilt.ts through tsx, which
 * builds it.
 */
import { existsSync } from 'node:fs';

const own = new URL(
  '../node_modules/.cache/orq-image-edits/scripts/scripts+run-prebuilt/run-prebuilt.mjs',
  import.meta.url,
);
if (existsSync(own)) {
  await import(own.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./run-prebuilt.ts');
}
