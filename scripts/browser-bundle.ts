/**
 * The client's browser build: one minified ESM file from src/index.ts, no Node built-ins (those are reached only
 * through dynamic imports on Node paths). Used by scripts/build.ts for dist/browser and by the browser tests, which
 * build their own copy so they never depend on an earlier `npm run build`.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Writes the bundle (and its source map) to `outfile`; resolves to the bundle's size in bytes. */
export async function buildBrowserBundle(outfile: string): Promise<number> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    external: ['node:*'],
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  return Object.values(result.metafile.outputs).find((output) => output.entryPoint)?.bytes ?? 0;
}
