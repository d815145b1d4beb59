/**
 * The client as one ESM file each for browsers and for Node, bundled from src/index.ts by esbuild.
 *
 * - Browser build: minified, openapi-fetch inlined, no Node built-ins (those are reached only through dynamic
 *   imports on Node paths). Used by scripts/build.ts for dist/browser and by the browser tests, which build their
 *   own copy so they never depend on an earlier `npm run build`.
 * - Node build: the package's main entry. One file instead of a dozen modules halves a cold import (measured in
 *   BENCHMARKS.md); openapi-fetch stays a real import, shared with the caller's own copy.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function bundle(outfile: string, options: BuildOptions): Promise<number> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'src/index.ts')],
    outfile,
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
    ...options,
  });
  return Object.values(result.metafile?.outputs ?? {}).find((output) => output.entryPoint)?.bytes ?? 0;
}

/** Writes the browser bundle (and its source map) to `outfile`; resolves to its size in bytes. */
export function buildBrowserBundle(outfile: string): Promise<number> {
  return bundle(outfile, { platform: 'browser', minify: true, external: ['node:*'] });
}

/** Writes the Node bundle (and its source map) to `outfile`; resolves to its size in bytes. */
export function buildNodeBundle(outfile: string): Promise<number> {
  return bundle(outfile, { platform: 'node', external: ['node:*', 'openapi-fetch'] });
}
