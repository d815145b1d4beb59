/**
 * src/ + generated/ → dist/: tsc's build of src/ (declarations, the CLI and the mock), the generated artefacts beside
 * it, and the client bundled for Node (the package's "node" export: ESM for `import`, CommonJS for `require`, whose
 * declarations are the same files under dist/commonjs, read there as CommonJS) and minified for browsers (its
 * "browser" and "default" exports).
 *
 *   tsx scripts/build.ts    writes dist/ (what `npm pack` ships)
 *
 * buildDist(dir) writes the same into any directory: the packed-package test builds into a staging copy of the
 * package, so it never touches the dist/ another test or a developer is using.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle, buildNodeBundle, buildNodeCommonJsBundle } from './client-bundle.js';
import { writeTryItBundle } from './try-it-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BuiltDist {
  nodeBytes: number;
  commonJsBytes: number;
  browserBytes: number;
  tryItBytes: number;
}

export async function buildDist(dist: string): Promise<BuiltDist> {
  for (const part of ['src', 'generated', 'commonjs', 'node', 'browser']) await rm(path.join(dist, part), { recursive: true, force: true });
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist], { stdio: 'inherit' });
  await cp(path.join(root, 'generated'), path.join(dist, 'generated'), { recursive: true });
  await chmod(path.join(dist, 'src/cli/main.js'), 0o755);
  // One ESM file each for Node and browsers (scripts/client-bundle.ts, shared with the browser tests and the bench).
  const nodeBytes = await buildNodeBundle(path.join(dist, 'node/orq-image-edits.js'));
  const commonJsBytes = await buildNodeCommonJsBundle(path.join(dist, 'node/orq-image-edits.cjs'));
  await writeCommonJsDeclarations(dist);
  const browserBytes = await buildBrowserBundle(path.join(dist, 'browser/orq-image-edits.js'));
  // The docs' Try-it console, prebuilt for an installed package's `orq-images docs` (src/docs/build.ts reads it).
  const tryItBytes = await writeTryItBundle(path.join(dist, 'src/docs/try-it.bundle.js'));
  return { nodeBytes, commonJsBytes, browserBytes, tryItBytes };
}

/**
 * The client's declarations for `require` (the "types" → "require" export): TypeScript reads a .d.ts as ESM or
 * CommonJS by the nearest package.json's "type", so the same files are copied under dist/commonjs beside one that says
 * "commonjs". Only what the client's entry reaches: the mock and the CLI are ESM only.
 */
async function writeCommonJsDeclarations(dist: string): Promise<void> {
  const commonjs = path.join(dist, 'commonjs');
  for (const part of ['src', 'generated']) {
    const files = (await readdir(path.join(dist, part), { recursive: true })).filter((file) => file.endsWith('.d.ts') && !/^(mock|cli|docs)\//.test(file));
    for (const file of files) await cp(path.join(dist, part, file), path.join(commonjs, part, file));
  }
  await writeFile(path.join(commonjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { nodeBytes, commonJsBytes, browserBytes, tryItBytes } = await buildDist(path.join(root, 'dist'));
  const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  console.log(`built dist/src (tsc, with .d.ts), dist/generated, dist/node/orq-image-edits.js (${kB(nodeBytes)}) and .cjs (${kB(commonJsBytes)}), dist/commonjs (its .d.ts), dist/browser/orq-image-edits.js (${kB(browserBytes)} minified), dist/src/docs/try-it.bundle.js (${kB(tryItBytes)})`);
}
