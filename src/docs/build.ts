/**
 * The offline API reference: one self-contained HTML file built by Redocly CLI (Redoc 3) from this package's spec.
 * `npm run docs` (scripts/build-docs.ts), the browser tests, the mock's `npm start` and `orq-images docs` all build
 * through `buildDocs` below, so what is tested is what is shipped. The Try-it console's script is made by the
 * build (scripts/try-it-bundle.ts) and handed in, or read where `npm run build` put it: this module bundles nothing.
 *
 * Redocly CLI 2.77's `build-docs` loads Redoc from a CDN unless given `--inlineBundle`, and even then the sidebar's
 * "API docs by Redocly" logo is an <img> on cdn.redoc.ly. The logo is replaced by an inline SVG, telemetry is off in
 * the build and in the page, and a Content-Security-Policy in the page forbids every network request but those of the
 * Try-it console to the one server the reader chose (page.ts), so the file renders the same with no network.
 * The page lands on the operation, and the spec's generated sections (the error table, the console) are filled in
 * (page.ts).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { specFacts, wireContract } from '../contract/spec.js';
import { makeOffline, operationRoute, pageDocument } from './page.js';

/** The Redocly CLI version this package is built and tested with (also its optional peer dependency). */
export const REDOCLY_CLI_VERSION = '2.77.0';

/** Redoc options (the `openapi` key of a Redocly config). Kept here, not in redocly.yaml, so an installed package
 *  builds the same page as the repository, whatever redocly.yaml the caller's directory holds. */
const REDOC_OPTIONS = {
  // Show the 200 example and request examples whole, not folded at the first level.
  jsonSamplesExpandLevel: 'all',
  // Open every level of nested schemas, so retry.on_codes, load_balancer.models[].weight and each orq.* child are on
  // the page, found by the browser's find-in-page, without a "Show ..." click per level.
  schemasExpansionLevel: 'all',
} as const;

/**
 * Redoc 3 shows an operation's `x-codeSamples` only for the languages listed in its `codeSamples.languages` option,
 * matched by label (or lang), one tab each; by default that list is curl, JavaScript, Python, ... with no room for
 * two curl samples or a CLI. So the list is made from the spec's own samples, in order, then the request examples
 * ("Payload").
 */
function codeSampleLanguages(): { lang: string; label?: string }[] {
  const seen = new Set<string>();
  const languages: { lang: string; label?: string }[] = [];
  for (const sample of specFacts.codeSamples) {
    const key = (sample.label || sample.lang).toLowerCase();
    if (seen.has(key))
      throw new Error(
        `docs: two x-codeSamples share the label "${sample.label || sample.lang}"; Redoc would show only one`,
      );
    seen.add(key);
    languages.push(sample.label ? { lang: sample.lang, label: sample.label } : { lang: sample.lang });
  }
  languages.push({ lang: 'Payload' });
  return languages;
}

export class MissingRedoclyCliError extends Error {
  constructor() {
    super(
      `Redocly CLI (@redocly/cli) is not installed: it is an optional peer dependency of orq-image-edits, needed only to build the docs.\n` +
        `Install it beside this package:  npm install --save-dev @redocly/cli@${REDOCLY_CLI_VERSION}`,
    );
    this.name = 'MissingRedoclyCliError';
  }
}

/** The path of Redocly CLI's entry script, resolved from this module (an installed package finds its peer). */
export function resolveRedoclyCli(from: string = import.meta.url): string {
  const require = createRequire(from);
  let manifest: string;
  try {
    manifest = require.resolve('@redocly/cli/package.json');
  } catch {
    throw new MissingRedoclyCliError();
  }
  const bin = path.join(path.dirname(manifest), 'bin/cli.js');
  if (!existsSync(bin)) throw new MissingRedoclyCliError();
  return bin;
}

/**
 * The spec this module belongs to, bundled as JSON: generated/openapi.json beside src/ (in the repository) or beside
 * dist/src (in an installed package).
 */
export function defaultSpecPath(): string {
  const file = fileURLToPath(new URL('../../generated/openapi.json', import.meta.url));
  if (!existsSync(file)) throw new Error(`cannot find this package's spec; looked for ${file}`);
  return file;
}

export interface BuildDocsOptions {
  /** Directory to write index.html into (created if missing). */
  outDir: string;
  /** The OpenAPI document to render, already parsed (the repository's build reads spec/openapi.yaml). */
  spec?: { tags?: { name: string; description?: string }[] };
  /** Else the path of this package's spec as JSON (defaultSpecPath). The code-sample tabs are made from the same
   *  spec's generated facts. */
  specPath?: string;
  /** Path of Redocly CLI's bin/cli.js; defaults to the one resolved from this module. */
  redoclyCli?: string;
  /** The Try-it console as one browser script (scripts/try-it-bundle.ts makes it); defaults to the one built beside
   *  this module (tryItScript()). */
  tryItScript?: string;
}

/** The name of the console's prebuilt script, beside this module. */
const TRY_IT_BUNDLE_NAME = 'try-it.bundle.js';

/**
 * The Try-it console's script (src/docs/try-it/, bundled with the client's browser build), as `npm run build` wrote it
 * beside this module (dist/src/docs/try-it.bundle.js in an installed package). A checkout has none until built: its
 * own docs build (`npm run docs`, scripts/build-docs.ts) bundles the console from source and hands it to buildDocs.
 */
export async function tryItScript(from: string | URL = import.meta.url): Promise<string> {
  const prebuilt = new URL(`./${TRY_IT_BUNDLE_NAME}`, from);
  try {
    return await readFile(prebuilt, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      `docs: the Try-it console's script is not built (${fileURLToPath(prebuilt)}): npm run build writes it; in a checkout, npm run docs builds the page from source`,
    );
  }
}

/** The route Redoc gives the operation, which the page opens on. */
function landingRoute(spec: {
  paths?: Record<string, Record<string, { operationId?: string; tags?: string[] }>>;
}): string | undefined {
  const operation = spec.paths?.[specFacts.operation.path]?.[specFacts.operation.method.toLowerCase()];
  const tag = operation?.tags?.[0];
  return tag && operation.operationId ? operationRoute(tag, operation.operationId) : undefined;
}

/** The spec's server on this machine (the local mock), which Try it uses when the page is opened from disk. */
function localServer(): string | undefined {
  return wireContract.servers.find((url) => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname));
}

export interface BuildDocsResult {
  /** The written file, absolute. */
  file: string;
  bytes: number;
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

/** Builds `<outDir>/index.html`: Redocly CLI build-docs with the bundle inlined and telemetry off, made offline. */
export async function buildDocs(options: BuildDocsOptions): Promise<BuildDocsResult> {
  const spec: Parameters<typeof landingRoute>[0] & Parameters<typeof pageDocument>[0] =
    options.spec ?? JSON.parse(await readFile(path.resolve(options.specPath ?? defaultSpecPath()), 'utf8'));
  const cli = options.redoclyCli ?? resolveRedoclyCli();
  // Before Redocly runs: a missing console script is said at once, not after seconds of building.
  const script = options.tryItScript ?? (await tryItScript());
  const outDir = path.resolve(options.outDir);
  const work = await mkdtemp(path.join(tmpdir(), 'orq-docs-'));
  try {
    // Our own config, so the caller's redocly.yaml (if any) neither changes the page nor turns telemetry on.
    const config = path.join(work, 'redocly.yaml');
    const openapi = { ...REDOC_OPTIONS, codeSamples: { languages: codeSampleLanguages() } };
    await writeFile(config, JSON.stringify({ telemetry: 'off', openapi }, null, 2) + '\n');
    // What Redocly renders: the spec with its generated sections (the error table, the console's place) filled in.
    const specPath = path.join(work, 'openapi.json');
    await writeFile(specPath, JSON.stringify(pageDocument(spec)));
    const draft = path.join(work, 'index.html');
    const { code, stdout, stderr } = await runNode(
      [cli, 'build-docs', specPath, '--inlineBundle', '--output', draft, '--config', config, '--lint-config', 'off'],
      { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    );
    if (code !== 0 || !existsSync(draft)) {
      const output = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '' && !/[║╔╚]/.test(line));
      throw new Error(`docs: redocly build-docs failed (exit ${code}):\n${output.slice(-20).join('\n')}`);
    }
    const page = makeOffline(await readFile(draft, 'utf8'), {
      landingRoute: landingRoute(spec),
      fileDefaultServer: localServer(),
      tryItScript: script,
    });
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, 'index.html');
    await writeFile(file, page);
    return { file, bytes: Buffer.byteLength(page) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
