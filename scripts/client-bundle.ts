/**
 * The client as one ESM file each for browsers and for Node, bundled from src/index.ts by esbuild.
 *
 * - Browser build: minified, openapi-fetch inlined, nothing of Node: the client's platform module
 *   (src/client/platform/node) is swapped for its browser twin (src/client/platform/browser), and a `node:` import
 *   that still slipped in fails the build instead of reaching a consumer's bundler. Used by scripts/build.ts for
 *   dist/browser and by the browser tests, which build their own copy so they never depend on an earlier build.
 * - Node build: the package's main entry, made for a fast cold import (BENCHMARKS.md): minified, openapi-fetch
 *   inlined (resolving a bare package name costs a cold import more than compiling openapi-fetch does), and what only
 *   some calls need (the platform's files, transport and saveImages, imported on first use by
 *   src/client/platform/node/index.ts) split into chunks of their own beside it, so importing the package compiles
 *   none of it.
 */
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function bundle(outfile: string, options: BuildOptions): Promise<number> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, 'src/index.ts')],
    ...(options.splitting ? { outdir: path.dirname(outfile), entryNames: path.basename(outfile, '.js'), chunkNames: 'chunks/[name]-[hash]' } : { outfile }),
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

const platformDir = path.join(root, 'src/client/platform');

/** The browser twin of the client's platform module, in place of the Node one (also used by the docs' Try-it bundle and the bench's bundles). */
export const browserPlatform: Plugin = {
  name: 'browser-platform',
  setup(build) {
    build.onResolve({ filter: /\/platform\/node\/index\.js$/ }, (args) => {
      const resolved = path.resolve(args.resolveDir, args.path);
      if (resolved !== path.join(platformDir, 'node/index.js')) return undefined;
      return { path: path.join(platformDir, 'browser/index.ts') };
    });
  },
};

/** Writes the browser bundle (and its source map) to `outfile`; resolves to its size in bytes. */
export function buildBrowserBundle(outfile: string): Promise<number> {
  return bundle(outfile, { platform: 'browser', minify: true, plugins: [browserPlatform] });
}

/** Writes the Node bundle (and its source map) to `outfile`, its chunks under `chunks/` beside it; resolves to the entry's size in bytes. */
export function buildNodeBundle(outfile: string): Promise<number> {
  return bundle(outfile, { platform: 'node', minify: true, splitting: true, external: ['node:*'] });
}
