/**
 * src/ + generated/ → dist/, each module shipped once:
 * - dist/node: the client for Node (the package's "node" export): ESM for `import`, with the mock, the MSW handlers
 *   and the CLI built beside it in one build (dist/src/mock/index.js, dist/src/mock/msw.js, dist/src/cli/main.js),
 *   their shared code and first-use modules in dist/node/chunks; and CommonJS for `require`, one file.
 * - dist/browser: the client minified for browsers (the "browser" and "default" exports).
 * - dist/src, dist/generated: tsc's declarations (.d.ts only: the JavaScript is the bundles above), the spec as JSON
 *   (the "./openapi.json" export, which the mock and the docs read), and under dist/commonjs the client's declarations
 *   again, read there as CommonJS for `require`.
 * Source maps carry no sources (a stack frame still names the file and line of src/), so they do not double the size.
 *
 *   tsx scripts/build.ts    writes dist/ (what `npm pack` ships)
 *
 * buildDist(dir) writes the same into any directory: the packed-package test builds into a staging copy of the
 * package, so it never touches the dist/ another test or a developer is using.
 */
import { execFileSync } from 'node:child_process';
import { chmod, cp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBrowserBundle, buildNodeCommonJsBundle, buildNodePackage } from './client-bundle.js';
import { writeTryItBundle } from './try-it-bundle.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export interface BuiltDist {
  nodeBytes: number;
  commonJsBytes: number;
  browserBytes: number;
  tryItBytes: number;
}

export async function buildDist(dist: string): Promise<BuiltDist> {
  for (const part of ['src', 'generated', 'commonjs', 'node', 'browser'])
    await rm(path.join(dist, part), { recursive: true, force: true });
  const tsc = path.join(root, 'node_modules/typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', path.join(root, 'tsconfig.build.json'), '--outDir', dist], {
    stdio: 'inherit',
  });
  const generated = (await readdir(path.join(root, 'generated'))).filter(
    (file) => file.endsWith('.d.ts') || file === 'openapi.json',
  );
  for (const file of generated) await cp(path.join(root, 'generated', file), path.join(dist, 'generated', file));
  const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as {
    peerDependencies: Record<string, string>;
  };
  const outputs = await buildNodePackage(dist, Object.keys(manifest.peerDependencies));
  const entryBytes = (entry: string) =>
    Object.values(outputs).find((output) => output.entryPoint === entry)?.bytes ?? 0;
  await chmod(path.join(dist, 'src/cli/main.js'), 0o755);
  const commonJsBytes = await buildNodeCommonJsBundle(path.join(dist, 'node/orq-image-edits.cjs'));
  await writeCommonJsDeclarations(dist);
  const browserBytes = await buildBrowserBundle(path.join(dist, 'browser/orq-image-edits.js'));
  // The docs' Try-it console, prebuilt for an installed package's `orq-images docs` (src/docs/build.ts reads it).
  const tryItBytes = await writeTryItBundle(path.join(dist, 'src/docs/try-it.bundle.js'));
  return { nodeBytes: entryBytes('src/node.ts'), commonJsBytes, browserBytes, tryItBytes };
}

/**
 * The client's declarations for `require` (the "types" → "require" export): TypeScript reads a .d.ts as ESM or
 * CommonJS by the nearest package.json's "type", so the same files are copied under dist/commonjs beside one that says
 * "commonjs". Only what the client's entry reaches: the mock and the CLI are ESM only.
 */
async function writeCommonJsDeclarations(dist: string): Promise<void> {
  const commonjs = path.join(dist, 'commonjs');
  for (const part of ['src', 'generated']) {
    const files = (await readdir(path.join(dist, part), { recursive: true })).filter(
      (file) => file.endsWith('.d.ts') && !/^(mock|cli|docs)\//.test(file),
    );
    for (const file of files) await cp(path.join(dist, part, file), path.join(commonjs, part, file));
  }
  await writeFile(path.join(commonjs, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { nodeBytes, commonJsBytes, browserBytes, tryItBytes } = await buildDist(path.join(root, 'dist'));
  const kB = (bytes: number) => `${(bytes / 1024).toFixed(1)} kB`;
  console.log(
    `built dist/node/orq-image-edits.js (${kB(nodeBytes)}) and .cjs (${kB(commonJsBytes)}), the mock, MSW handlers and CLI beside it, dist/browser/orq-image-edits.js (${kB(browserBytes)} minified), the Try-it script (${kB(tryItBytes)}), declarations (dist/src, dist/generated, dist/commonjs)`,
  );
}
