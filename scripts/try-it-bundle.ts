/**
 * The reference page's Try-it console (src/docs/try-it/main.ts) as one minified classic script: the console with the
 * client's browser build inside it (the same platform swap as dist/browser), so the page sends requests exactly as
 * this package does in a browser. The repository's docs build (build-docs.ts) hands it to buildDocs; `npm run build`
 * writes it beside the docs builder in dist/, where an installed package's `orq-images docs` reads it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { browserPlatform } from './client-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The console's script, bundled now. */
export async function bundleTryIt(): Promise<string> {
  const result = await build({
    entryPoints: [path.join(root, 'src/docs/try-it/main.ts')],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    // Nothing is external: a Node built-in that slipped in fails the build ("could not resolve") on this platform.
    plugins: [browserPlatform],
  });
  const [output] = result.outputFiles;
  if (!output) throw new Error('try-it: esbuild wrote nothing');
  return output.text;
}

/** Writes the console's script to `file` (dist/src/docs/try-it.bundle.js, which an installed package's docs build reads). */
export async function writeTryItBundle(file: string): Promise<number> {
  const text = await bundleTryIt();
  await writeFile(file, text);
  return Buffer.byteLength(text);
}
