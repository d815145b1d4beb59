/**
 * The client bundled by esbuild: one ESM file for browsers (from src/index.ts), and for Node one ESM file and one
 * CommonJS file (from src/node.ts, which lets the two Node copies recognise each other's errors).
 *
 * - Browser build: minified, openapi-fetch inlined, nothing of Node: the client's platform module
 *   (src/client/platform/node) is swapped for its browser twin (src/client/platform/browser), and a `node:` import
 *   that still slipped in fails the build instead of reaching a consumer's bundler. Used by scripts/build.ts for
 *   dist/browser and by the browser tests, which build their own copy so they never depend on an earlier build.
 * - Node build: the package's main entry, made for a fast cold import (BENCHMARKS.md): whitespace and syntax
 *   minified but every name kept (`ApiError.name`, `console.log(error)` and stack frames read as in the source; the
 *   source map gives the lines), openapi-fetch inlined (resolving a bare package name costs a cold import more than compiling openapi-fetch does), and what only
 *   some calls need (the platform's files, transport and saveImages, imported on first use by
 *   src/client/platform/node/index.ts) split into chunks of their own beside it, so importing the package compiles
 *   none of it.
 * - CommonJS Node build: the same for `require()` (Jest's default CommonJS mode, Node 20 before 20.19, which cannot
 *   require ESM): one file, since esbuild splits only ESM; what only some calls need still runs only on first use.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type BuildOptions, type Plugin } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function bundle(outfile: string, options: BuildOptions, entry = 'src/index.ts'): Promise<number> {
  await mkdir(path.dirname(outfile), { recursive: true });
  const result = await build({
    entryPoints: [path.join(root, entry)],
    ...(options.splitting
      ? { outdir: path.dirname(outfile), entryNames: path.basename(outfile, '.js'), chunkNames: 'chunks/[name]-[hash]' }
      : { outfile }),
    bundle: true,
    format: 'esm',
    target: 'es2022',
    sourcemap: true,
    // Maps give a stack frame's source file and line; the sources themselves would double the package (BENCHMARKS.md).
    sourcesContent: false,
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

/** Minified where it costs no name. */
const namesKept: BuildOptions = { minifyWhitespace: true, minifySyntax: true, keepNames: true };

/** Writes the Node bundle (and its source map) to `outfile`, its chunks under `chunks/` beside it; resolves to the entry's size in bytes. */
export function buildNodeBundle(outfile: string): Promise<number> {
  return bundle(outfile, { platform: 'node', ...namesKept, splitting: true, external: ['node:*'] }, 'src/node.ts');
}

/**
 * The package's ESM for Node, each module once: the client's entry (node/orq-image-edits.js, as buildNodeBundle
 * writes it), the mock, the MSW handlers and the CLI (src/mock/index.js, src/mock/msw.js, src/cli/main.js, where the
 * "exports" map and "bin" name them), in one build whose shared code and first-use modules are chunks under
 * node/chunks/. The peers stay imports, resolved from the consumer's project.
 *
 * A module that finds a file of the package by its own URL (the spec's JSON, the Try-it script, package.json) gets,
 * for `import.meta.url`, the URL its own file would have under dist/src (moduleUrls), so it finds the file as from
 * src/ whatever chunk its code lands in. Resolves to the build's metafile outputs (paths relative to the root).
 */
export async function buildNodePackage(
  dist: string,
  peers: readonly string[],
): Promise<Record<string, { bytes: number; inputs: Record<string, unknown>; entryPoint?: string }>> {
  const moduleUrlUsers = new Set<string>();
  const entries: Record<string, string> = {
    'node/orq-image-edits': 'src/node.ts',
    'src/mock/index': 'src/mock/index.ts',
    'src/mock/msw': 'src/mock/msw.ts',
    'src/cli/main': 'src/cli/main.ts',
  };
  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.fromEntries(Object.entries(entries).map(([out, entry]) => [out, path.join(root, entry)])),
    outdir: dist,
    chunkNames: 'node/chunks/[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'es2022',
    ...namesKept,
    external: ['node:*', ...peers.flatMap((name) => [name, `${name}/*`])],
    plugins: [moduleUrls(moduleUrlUsers)],
    sourcemap: true,
    sourcesContent: false,
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = result.metafile.outputs;
  // The URL moduleUrls writes is relative to a file two folders under dist: say so if a module using it lands elsewhere.
  for (const [file, output] of Object.entries(outputs)) {
    const depth = path.relative(dist, path.dirname(path.resolve(root, file))).split(path.sep).length;
    const misplaced = Object.keys(output.inputs).filter((input) => moduleUrlUsers.has(path.resolve(root, input)));
    if (depth !== 2 && misplaced.length > 0)
      throw new Error(`build: ${misplaced.join(', ')} would read files by a wrong URL from ${file}`);
  }
  return outputs;
}

/**
 * `import.meta.url` in a module of src/ → the URL of the module's own file under dist/src, from the file it lands in
 * (two folders under dist); each such module is added to `users`.
 */
function moduleUrls(users: Set<string>): Plugin {
  const src = path.join(root, 'src') + path.sep;
  return {
    name: 'module-urls',
    setup(build) {
      build.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (!args.path.startsWith(src)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        users.add(args.path);
        const asBuilt = path.relative(root, args.path).replace(/\.ts$/, '.js').split(path.sep).join('/');
        return {
          contents: text.replaceAll(
            'import.meta.url',
            `new URL(${JSON.stringify(`../../${asBuilt}`)}, import.meta.url).href`,
          ),
          loader: 'ts',
        };
      });
    },
  };
}

/**
 * Writes the CommonJS Node bundle (and its source map) to `outfile` (`.cjs`); resolves to its size in bytes. Its
 * built-ins loaded on first use are `require()`d, not `import()`ed: Jest's CommonJS runtime refuses any `import()`
 * without --experimental-vm-modules.
 */
export function buildNodeCommonJsBundle(outfile: string): Promise<number> {
  return bundle(
    outfile,
    { platform: 'node', format: 'cjs', ...namesKept, supported: { 'dynamic-import': false } },
    'src/node.ts',
  );
}
