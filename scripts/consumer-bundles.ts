/**
 * The package as a consumer meets it: built and packed by npm into a tarball, installed with npm into a fresh project
 * outside this repository, and bundled for browsers by the four common bundlers, each with its defaults (no plugin
 * beyond Rollup's node-resolve, no condition, no alias). Shared by test/package/ (which then runs each bundle in
 * Chromium) and the bench (which reports each bundle's size).
 *
 * The bundlers are this repository's devDependencies, run on the consumer project's files: the project itself gets
 * only what `npm install <tarball>` brings.
 */
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { buildDist } from './build.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = promisify(execFile);
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Builds the package into a staging copy (never this repository's dist/) and packs it; resolves to the tarball. */
export async function packPackage(destination: string): Promise<string> {
  const stage = await mkdtemp(path.join(tmpdir(), 'orq-pack-stage-'));
  try {
    const manifest = JSON.parse(await readFile(path.join(root, 'package.json'), 'utf8')) as { files: string[] };
    // What npm would pack from here: package.json, the README, and each "files" entry (dist/ is built below).
    for (const entry of ['package.json', 'README.md', ...manifest.files.filter((file) => !file.startsWith('dist'))]) {
      await cp(path.join(root, entry), path.join(stage, entry), { recursive: true });
    }
    await buildDist(path.join(stage, 'dist'));
    // --ignore-scripts: prepack would build again, into the stage's own (absent) toolchain.
    const { stdout } = await run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
      cwd: stage,
      timeout: 120_000,
    });
    const [packed] = JSON.parse(stdout) as { filename: string }[];
    return path.join(destination, packed!.filename);
  } finally {
    await rm(stage, { recursive: true, force: true });
  }
}

/**
 * A fresh ESM project in `dir` with the tarball installed by npm (its dependencies from the local npm cache when they
 * are there, as after `npm ci`). Optional peer dependencies are not installed, as for any consumer; `alongside` are
 * packages the consumer installs in the same command (a test runner, msw), from npm.
 */
export async function createConsumerProject(
  dir: string,
  tarball: string,
  alongside: readonly string[] = [],
): Promise<void> {
  await mkdir(dir, { recursive: true });
  await writeFile(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'orq-consumer', private: true, type: 'module' }, null, 2),
  );
  const timeout = alongside.length > 0 ? 420_000 : 180_000;
  await run(
    npm,
    ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-save', tarball, ...alongside],
    { cwd: dir, timeout },
  );
}

export const BUNDLERS = ['esbuild', 'vite', 'webpack', 'rollup'] as const;
export type Bundler = (typeof BUNDLERS)[number];

export interface ConsumerBundle {
  bundler: Bundler;
  /** The directory holding the page (index.html) and its scripts. */
  outDir: string;
  errors: string[];
  warnings: string[];
  /** Every JavaScript file written, with its size and gzip -9 size. */
  scripts: { file: string; bytes: number; gzip: number }[];
}

/** The page each bundle runs in; `script` loads the bundle (Vite writes its own from the project's index.html). */
export function pageHtml(body: string, script: string): string {
  return `<!doctype html>\n<meta charset="utf-8">\n<link rel="icon" href="data:,">\n<title>orq-image-edits consumer</title>\n${body}\n${script}\n`;
}

const text = (message: unknown) =>
  typeof message === 'string' ? message : String((message as { message?: unknown })?.message ?? message);

async function esbuildBundle(
  project: string,
  entry: string,
  outDir: string,
): Promise<Pick<ConsumerBundle, 'errors' | 'warnings'>> {
  const { build } = await import('esbuild');
  // The CLI's `esbuild main.js --bundle --platform=browser`: an IIFE, not minified.
  const result = await build({
    absWorkingDir: project,
    entryPoints: [entry],
    bundle: true,
    platform: 'browser',
    outdir: outDir,
    logLevel: 'silent',
  }).catch((error: { errors?: unknown[]; warnings?: unknown[] }) => ({
    errors: error.errors ?? [error],
    warnings: error.warnings ?? [],
  }));
  return {
    errors: result.errors.map((m) => text((m as { text?: string }).text ?? m)),
    warnings: result.warnings.map((m) => text((m as { text?: string }).text ?? m)),
  };
}

async function viteBundle(project: string, outDir: string): Promise<Pick<ConsumerBundle, 'errors' | 'warnings'>> {
  const { build, createLogger } = await import('vite');
  const errors: string[] = [];
  const warnings: string[] = [];
  const logger = createLogger('info', { allowClearScreen: false });
  logger.info = () => {};
  logger.warn = (message) => void warnings.push(message);
  logger.warnOnce = (message) => void warnings.push(message);
  logger.error = (message) => void errors.push(message);
  // `vite build` in the project: index.html is the entry; no config file.
  await build({
    root: project,
    configFile: false,
    customLogger: logger,
    logLevel: 'info',
    build: { outDir, emptyOutDir: true },
  }).catch((error: unknown) => errors.push(text(error)));
  return { errors, warnings };
}

async function webpackBundle(
  project: string,
  entry: string,
  outDir: string,
): Promise<Pick<ConsumerBundle, 'errors' | 'warnings'>> {
  const { default: webpack } = await import('webpack');
  // webpack's defaults with the mode set, as every project sets it (an unset mode is itself a warning).
  const compiler = webpack({ mode: 'production', context: project, entry: `./${entry}`, output: { path: outDir } });
  const stats = await new Promise<import('webpack').Stats | undefined>((resolve, reject) =>
    compiler.run((error, result) => (error ? reject(error) : resolve(result))),
  );
  await new Promise<void>((resolve) => compiler.close(() => resolve()));
  const json = stats?.toJson({ all: false, errors: true, warnings: true });
  return { errors: (json?.errors ?? []).map((e) => e.message), warnings: (json?.warnings ?? []).map((w) => w.message) };
}

async function rollupBundle(
  project: string,
  entry: string,
  outDir: string,
): Promise<Pick<ConsumerBundle, 'errors' | 'warnings'>> {
  const { rollup } = await import('rollup');
  const { nodeResolve } = await import('@rollup/plugin-node-resolve');
  const warnings: string[] = [];
  const errors: string[] = [];
  try {
    const bundle = await rollup({
      input: path.join(project, entry),
      plugins: [nodeResolve()],
      onwarn: (warning) => void warnings.push(warning.message),
    });
    await bundle.write({ dir: outDir });
    await bundle.close();
  } catch (error) {
    errors.push(text(error));
  }
  return { errors, warnings };
}

async function scriptsIn(dir: string): Promise<ConsumerBundle['scripts']> {
  const files = (await readdir(dir, { recursive: true })).filter((file) => file.endsWith('.js')).sort();
  return Promise.all(
    files.map(async (file) => {
      const bytes = await readFile(path.join(dir, file));
      return { file, bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
    }),
  );
}

/**
 * Bundles `project/<entry>` (an ES module importing the package) with one bundler into `project/out/<bundler>/`, and
 * writes the page that runs it there. For Vite, `project/index.html` must load the entry (`<script type="module">`).
 * `body` is the page's markup, before the script.
 */
export async function bundleWith(
  bundler: Bundler,
  project: string,
  entry: string,
  body: string,
): Promise<ConsumerBundle> {
  const outDir = path.join(project, 'out', bundler);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const script = path.basename(entry);
  let result: Pick<ConsumerBundle, 'errors' | 'warnings'>;
  if (bundler === 'esbuild') result = await esbuildBundle(project, entry, outDir);
  else if (bundler === 'vite') result = await viteBundle(project, outDir);
  else if (bundler === 'webpack') result = await webpackBundle(project, entry, outDir);
  else result = await rollupBundle(project, entry, outDir);
  // esbuild writes an IIFE and webpack a classic script; Rollup keeps ES modules.
  if (bundler === 'esbuild')
    await writeFile(path.join(outDir, 'index.html'), pageHtml(body, `<script src="./${script}"></script>`));
  if (bundler === 'webpack')
    await writeFile(path.join(outDir, 'index.html'), pageHtml(body, '<script src="./main.js"></script>'));
  if (bundler === 'rollup')
    await writeFile(
      path.join(outDir, 'index.html'),
      pageHtml(body, `<script type="module" src="./${script}"></script>`),
    );
  return { bundler, outDir, ...result, scripts: await scriptsIn(outDir) };
}

/** `node:` specifiers (import, require, import()) left in any script: a browser bundle must have none. */
export function nodeSpecifiers(source: string): string[] {
  return [...source.matchAll(/["'`](node:[\w/]+)["'`]/g)].map((m) => m[1]!);
}
