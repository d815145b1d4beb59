/**
 * The offline API reference: one self-contained HTML file built by Redocly CLI (Redoc 3) from this package's spec.
 * `npm run docs` (scripts/build-docs.ts), the browser tests, the mock's `npm start` and `orq-images docs` all build
 * through `buildDocs` below, so what is tested is what is shipped.
 *
 * Redocly CLI 2.77's `build-docs` loads Redoc from a CDN unless given `--inlineBundle`, and even then the sidebar's
 * "API docs by Redocly" logo is an <img> on cdn.redoc.ly. The logo is replaced by an inline SVG, telemetry is off in
 * the build and in the page, and a Content-Security-Policy in the page forbids every network request, so the file
 * renders the same with no network at all.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { specFacts } from '../contract/spec-facts.js';

/** The Redocly CLI version this package is built and tested with (also its optional peer dependency). */
export const REDOCLY_CLI_VERSION = '2.77.0';

/** Redoc options (the `openapi` key of a Redocly config). Kept here, not in redocly.yaml, so an installed package
 *  builds the same page as the repository, whatever redocly.yaml the caller's directory holds. */
export const REDOC_OPTIONS = {
  // Show the 200 example and request examples whole, not folded at the first level.
  jsonSamplesExpandLevel: 'all',
  // Open the first level of nested schemas, so retry.count, cache.ttl, ... are on the page without clicking.
  schemasExpansionLevel: 2,
} as const;

/**
 * Redoc 3 shows an operation's `x-codeSamples` only for the languages listed in its `codeSamples.languages` option,
 * matched by label (or lang), one tab each; by default that list is curl, JavaScript, Python, ... with no room for
 * two curl samples or a CLI. So the list is made from the spec's own samples, in order, then the request examples
 * ("Payload").
 */
export function codeSampleLanguages(): { lang: string; label?: string }[] {
  const seen = new Set<string>();
  const languages: { lang: string; label?: string }[] = [];
  for (const sample of specFacts.codeSamples) {
    const key = (sample.label || sample.lang).toLowerCase();
    if (seen.has(key)) throw new Error(`docs: two x-codeSamples share the label "${sample.label || sample.lang}"; Redoc would show only one`);
    seen.add(key);
    languages.push(sample.label ? { lang: sample.lang, label: sample.label } : { lang: sample.lang });
  }
  languages.push({ lang: 'Payload' });
  return languages;
}

/** Everything the page may load: its own inline scripts and styles, and data:/blob: images and fonts. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob:; font-src data:; connect-src 'none'; worker-src blob:; base-uri 'none'; form-action 'none'";

/** Stands in for cdn.redoc.ly's "Redocly" logo in the sidebar's attribution link: the same word, drawn locally. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16"><text x="0" y="12.5" font-family="system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" font-size="13" font-weight="600" fill="#0044D4">Redocly</text></svg>';
const LOGO_DATA_URL = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;
const REMOTE_LOGO = /https:\/\/cdn\.redoc(?:ly)?\.(?:ly|com)\/redoc\/logo[\w-]*\.svg/g;

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
 * The spec this module belongs to: generated/openapi.json beside src/ (in the repository) or beside dist/src (in an
 * installed package), else spec/openapi.yaml.
 */
export function defaultSpecPath(): string {
  const candidates = ['../../generated/openapi.json', '../../spec/openapi.yaml', '../../../spec/openapi.yaml'].map((relative) =>
    fileURLToPath(new URL(relative, import.meta.url)),
  );
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) throw new Error(`cannot find this package's spec; looked for ${candidates.join(', ')}`);
  return found;
}

export interface BuildDocsOptions {
  /** Directory to write index.html into (created if missing). */
  outDir: string;
  /** The OpenAPI document Redocly renders: this package's own, as YAML or its bundled JSON (defaultSpecPath). The
   *  code-sample tabs are made from the same spec's generated facts. */
  specPath?: string;
  /** Path of Redocly CLI's bin/cli.js; defaults to the one resolved from this module. */
  redoclyCli?: string;
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

/** Makes Redocly's inline-bundle page fully offline; throws if anything in it would still reach the network. */
export function makeOffline(html: string): string {
  let page = html.replace(REMOTE_LOGO, LOGO_DATA_URL);
  const csp = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
  if (!/<head>/i.test(page)) throw new Error('docs: the page Redocly wrote has no <head>');
  page = page.replace(/<head>/i, `<head>\n  ${csp}`);

  const problems: string[] = [];
  if (/<script[^>]*\ssrc=/i.test(page)) problems.push('a <script src> (Redoc not inlined)');
  if (/<link[^>]*\shref=["']?(?:https?:)?\/\//i.test(page)) problems.push('a <link> to another host');
  if (/@import\s+url\(\s*["']?(?:https?:)?\/\//i.test(page)) problems.push('a CSS @import of a remote stylesheet');
  if (/cdn\.redoc\.ly\/redoc\/logo/.test(page)) problems.push('the remote Redocly logo');
  if (!/"disableTelemetry":\s*true/.test(page)) problems.push('Redoc telemetry is not disabled');
  if (problems.length > 0) throw new Error(`docs: the built page is not self-contained: ${problems.join('; ')}`);
  return page;
}

/** Builds `<outDir>/index.html`: Redocly CLI build-docs with the bundle inlined and telemetry off, made offline. */
export async function buildDocs(options: BuildDocsOptions): Promise<BuildDocsResult> {
  const specPath = path.resolve(options.specPath ?? defaultSpecPath());
  const cli = options.redoclyCli ?? resolveRedoclyCli();
  const outDir = path.resolve(options.outDir);
  const work = await mkdtemp(path.join(tmpdir(), 'orq-docs-'));
  try {
    // Our own config, so the caller's redocly.yaml (if any) neither changes the page nor turns telemetry on.
    const config = path.join(work, 'redocly.yaml');
    const openapi = { ...REDOC_OPTIONS, codeSamples: { languages: codeSampleLanguages() } };
    await writeFile(config, JSON.stringify({ telemetry: 'off', openapi }, null, 2) + '\n');
    const draft = path.join(work, 'index.html');
    const { code, stdout, stderr } = await runNode(
      [cli, 'build-docs', specPath, '--inlineBundle', '--output', draft, '--config', config, '--lint-config', 'off'],
      { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
    );
    if (code !== 0 || !existsSync(draft)) {
      const output = `${stdout}\n${stderr}`.split('\n').filter((line) => line.trim() !== '' && !/[║╔╚]/.test(line));
      throw new Error(`docs: redocly build-docs failed (exit ${code}):\n${output.slice(-20).join('\n')}`);
    }
    const page = makeOffline(await readFile(draft, 'utf8'));
    await mkdir(outDir, { recursive: true });
    const file = path.join(outDir, 'index.html');
    await writeFile(file, page);
    return { file, bytes: Buffer.byteLength(page) };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
