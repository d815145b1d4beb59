/**
 * src/ + generated/ → dist/: the Node build (tsc, with declarations), the generated artefacts beside it, and a
 * minified browser build of the client (esbuild) for pages that import it without a bundler.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');

await rm(path.join(dist, 'src'), { recursive: true, force: true });
await rm(path.join(dist, 'generated'), { recursive: true, force: true });
execFileSync(process.execPath, [path.join(root, 'node_modules/typescript/bin/tsc'), '-p', path.join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
await cp(path.join(root, 'generated'), path.join(dist, 'generated'), { recursive: true });
await chmod(path.join(dist, 'src/cli/main.js'), 0o755);

// The browser build: one ESM file, no Node built-ins (those are only reached through dynamic imports on Node paths).
await mkdir(path.join(dist, 'browser'), { recursive: true });
const result = await build({
  entryPoints: [path.join(root, 'src/index.ts')],
  outfile: path.join(dist, 'browser/orq-image-edits.js'),
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
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes ?? 0;
console.log(`built dist/src (Node, with .d.ts), dist/generated, dist/browser/orq-image-edits.js (${(bytes / 1024).toFixed(1)} kB minified)`);
