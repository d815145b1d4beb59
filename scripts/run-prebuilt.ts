/**
 * Runs one of this repository's TypeScript scripts from a prebuilt bundle instead of compiling it at every run
 * (`node scripts/run-prebuilt.mjs scripts/generate.ts --check`): tsx costs a second or more on a loaded 2-core
 * machine before a script does anything. The bundle (esbuild, packages left outside) sits in
 * node_modules/.cache/orq-image-edits/scripts/ and is used while every file it was made from is unchanged by content
 * (src/mock/prism/file-records.ts); otherwise it is built again first. This script bundles itself the same way: run-prebuilt.mjs
 * runs its bundle, or, on a fresh clone, runs it once through tsx.
 *
 * Each bundled module keeps its own `import.meta.url` (the plugin below writes it in as its source file's URL), so a
 * module that finds files beside itself, or checks whether it is the script being run, behaves as under tsx.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Plugin } from 'esbuild';
import { recordHolds, recordOf, writeAtomically, type BuildRecord } from '../src/mock/prism/file-records.ts';

/** Bump when buildPrebuilt changes what it writes: bundles of another recipe are built again. */
const RECIPE = 'run-prebuilt 1';

/** Defined (true) in a bundle built here; undeclared under tsx. */
declare const ORQ_PREBUILT: boolean | undefined;

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = path.join(root, 'node_modules/.cache/orq-image-edits');

export interface Prebuilt {
  code: string;
  manifest: string;
}

/** node_modules/.cache/orq-image-edits/scripts/scripts+generate/generate.mjs (and its chunks) for scripts/generate.ts. */
export function prebuiltPlace(script: string): Prebuilt {
  const name = path.relative(root, script).replace(/\.ts$/, '').replace(/[\\/]/g, '+');
  const dir = path.join(cacheDir, 'scripts', name);
  return { code: path.join(dir, `${path.basename(script, '.ts')}.mjs`), manifest: `${dir}.json` };
}

/** True while the bundle's manifest is of this recipe and every file it lists holds what it held. */
const fresh = (manifestFile: string): boolean => recordHolds(manifestFile, RECIPE);

// A pattern, not the words as a string: this file is bundled by this plugin too.
const OWN_URL = /\bimport\.meta\.url\b/g;

const ownUrl: Plugin = {
  name: 'orq-own-import-meta-url',
  setup(build) {
    build.onLoad({ filter: /\.[cm]?[jt]s$/ }, (args) => {
      if (args.path.split(path.sep).includes('node_modules')) return undefined;
      const contents = readFileSync(args.path, 'utf8').replace(OWN_URL, JSON.stringify(pathToFileURL(args.path).href));
      return { contents, loader: /\.[cm]?ts$/.test(args.path) ? 'ts' : 'js' };
    });
  },
};

/**
 * Bundles the script (its own modules in, packages out) and records every file it was made from. A module the script
 * imports with import() becomes a chunk of its own, loaded when imported, with the packages it imports: a script can
 * leave its heavy work unloaded when it has nothing to do.
 */
export async function buildPrebuilt(script: string, place: Prebuilt = prebuiltPlace(script)): Promise<void> {
  const esbuild = await import('esbuild');
  try {
    const result = await esbuild.build({
      entryPoints: [script],
      absWorkingDir: root,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      packages: 'external',
      define: { ORQ_PREBUILT: 'true' },
      splitting: true,
      outdir: path.dirname(place.code),
      entryNames: '[name]',
      // Named by content: a process still running an older bundle loads its own chunks.
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      write: false,
      metafile: true,
      logLevel: 'warning',
      plugins: [ownUrl],
    });
    const inputs = Object.keys(result.metafile.inputs).map((input) => recordOf(path.resolve(root, input)));
    mkdirSync(path.dirname(place.code), { recursive: true });
    // The entry after its chunks, the manifest last: it is what says the bundle is ready.
    const outputs = [...result.outputFiles].sort(
      (a, b) => Number(a.path === place.code) - Number(b.path === place.code),
    );
    for (const output of outputs) writeAtomically(output.path, output.contents);
    writeAtomically(place.manifest, JSON.stringify({ recipe: RECIPE, inputs } satisfies BuildRecord));
  } finally {
    // esbuild's service is a child process that otherwise lives as long as this one (the mock runs in it).
    await esbuild.stop();
  }
}

/** Runs the script's bundle (built first when missing or stale) with the arguments after it, as `node script` would. */
async function main(): Promise<void> {
  const self = prebuiltPlace(fileURLToPath(import.meta.url));
  if (!process.env.ORQ_PREBUILT_SELF_CHECKED && !fresh(self.manifest)) {
    await buildPrebuilt(fileURLToPath(import.meta.url), self);
    if (typeof ORQ_PREBUILT !== 'undefined') {
      // This is an older build of this script: the new one takes over.
      process.env.ORQ_PREBUILT_SELF_CHECKED = '1';
      await import(`${pathToFileURL(self.code).href}?${Date.now()}`);
      return;
    }
  }
  delete process.env.ORQ_PREBUILT_SELF_CHECKED;
  const [target, ...args] = process.argv.slice(2);
  if (!target) throw new Error('usage: node scripts/run-prebuilt.mjs scripts/<script>.ts [arguments]');
  const script = path.resolve(root, target);
  const place = prebuiltPlace(script);
  if (!fresh(place.manifest)) await buildPrebuilt(script, place);
  process.argv = [process.argv[0]!, script, ...args];
  await import(pathToFileURL(place.code).href);
}

if (
  process.argv[1] &&
  path.resolve(process.argv[1]) === fileURLToPath(new URL('./run-prebuilt.mjs', import.meta.url))
) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
