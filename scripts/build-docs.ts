/**
 * spec/openapi.yaml → dist/docs/index.html: the offline API reference (`npm run docs`). The build itself is
 * `buildDocs` in src/docs/build.ts, shared with `orq-images docs` and the browser tests; the Try-it console is
 * bundled from its sources here (scripts/try-it-bundle.ts) and handed to it, so the page shows the console as it is now.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { buildDocs } from '../src/docs/build.ts';
import { bundleTryIt } from './try-it-bundle.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The repository's docs build: the hand-written spec in (so an edit shows without `npm run generate`), dist/docs out. */
export async function buildRepositoryDocs(outDir: string = path.join(root, 'dist/docs')) {
  const spec = parse(await readFile(path.join(root, 'spec/openapi.yaml'), 'utf8'));
  return buildDocs({ spec, outDir, tryItScript: await bundleTryIt() });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = performance.now();
  buildRepositoryDocs().then(
    ({ file, bytes }) =>
      console.log(
        `built ${path.relative(root, file)} (${(bytes / 1024).toFixed(0)} kB, self-contained) in ${Math.round(performance.now() - started)} ms`,
      ),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
