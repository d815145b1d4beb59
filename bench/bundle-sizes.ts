/**
 * Browser bundle sizes for BENCHMARKS.md: one edit call bundled by esbuild (minified, this client's browser build
 * beside its peers' entries in bench/entries/), and the packed package bundled by each common bundler with its
 * defaults (scripts/consumer-bundles.ts, the same path test/package/ takes). bench/run.ts renders these in its report;
 *
 *   npx tsx bench/bundle-sizes.ts    measures the bundles only and rewrites their rows in BENCHMARKS.md
 *
 * so a change to the bundle can be measured without the whole (long, machine-loading) bench.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { browserPlatform } from '../scripts/client-bundle.js';
import { verdict } from './format.js';
import {
  BUNDLERS,
  bundleWith,
  createConsumerProject,
  packPackage,
  pageHtml,
  type ConsumerBundle,
} from '../scripts/consumer-bundles.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Issue 21: one edit call at most 12 kB gzipped, validators included.
const TARGET_GZIP = 12 * 1024;

export const BUNDLES: Record<string, string> = {
  this: 'this client (createImageEditClient + edit, validators included; its browser build)',
  openai: 'openai-node (`new OpenAI().images.edit`)',
  orq: 'Orq SDK (`new Orq().router.images.edits.create`)',
  'orq-standalone': 'Orq SDK standalone function (`routerImagesEditsCreate` + `OrqCore`)',
  'openapi-fetch': 'openapi-fetch alone (`createClient().POST`, no checks)',
  validators: "this client's generated validators alone (part of its bundle)",
};

export interface Size {
  minified: number;
  gzip: number;
}

export interface BundleSizes {
  entries: Map<string, Size>;
  /** The packed package, one edit call, each bundler with its defaults. */
  consumers: ConsumerBundle[];
  /** The tarball `npm pack` writes: its size and how many files it holds. */
  packed: { bytes: number; files: number };
}

const gzip = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;

async function entryBundles(log: (line: string) => void): Promise<Map<string, Size>> {
  const results = new Map<string, Size>();
  for (const name of Object.keys(BUNDLES)) {
    const result = await build({
      entryPoints: [path.join(root, 'bench/entries', `${name}.ts`)],
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      minify: true,
      // This client's entry gets its browser platform, as dist/browser does; the peers' Node built-ins stay imports.
      plugins: name === 'this' ? [browserPlatform] : [],
      external: ['node:*'],
      legalComments: 'none',
      logLevel: 'silent',
    });
    const code = result.outputFiles[0]!.contents;
    results.set(name, { minified: code.length, gzip: gzip(code) });
    log(`bundle ${name}: ${(code.length / 1024).toFixed(1)} kB minified`);
  }
  return results;
}

/** One edit call, as a page's script imports it from the installed package. */
const CONSUMER_ENTRY = `import { createImageEditClient } from 'orq-image-edits';
const input = document.querySelector('input');
input.addEventListener('change', async () => {
  const result = await createImageEditClient({ apiKey: 'key' }).edit({ model: 'openai/gpt-image-1', prompt: 'Add a red scarf', image: input.files[0] });
  document.querySelector('img').src = 'data:image/png;base64,' + result.data[0].b64_json;
});
`;

async function consumerBundles(log: (line: string) => void): Promise<Pick<BundleSizes, 'consumers' | 'packed'>> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orq-bench-bundlers-'));
  try {
    const project = path.join(dir, 'app');
    const tarball = await packPackage(dir);
    const { stdout } = await promisify(execFile)('tar', ['-tzf', tarball], { maxBuffer: 16 * 1024 * 1024 });
    const packed = {
      bytes: (await stat(tarball)).size,
      files: stdout.split('\n').filter((line) => line && !line.endsWith('/')).length,
    };
    log(`packed package: ${(packed.bytes / 1024).toFixed(1)} kB, ${packed.files} files`);
    await createConsumerProject(project, tarball);
    const body = '<input type="file"><img alt="">';
    await writeFile(path.join(project, 'main.js'), CONSUMER_ENTRY);
    await writeFile(
      path.join(project, 'index.html'),
      pageHtml(body, '<script type="module" src="./main.js"></script>'),
    );
    const built: ConsumerBundle[] = [];
    for (const bundler of BUNDLERS) {
      const bundle = await bundleWith(bundler, project, 'main.js', body);
      if (bundle.errors.length > 0) throw new Error(`${bundler} failed: ${bundle.errors.join('; ')}`);
      built.push(bundle);
      log(
        `bundle with ${bundler}: ${bundle.scripts.map((s) => `${s.file} ${(s.bytes / 1024).toFixed(1)} kB`).join(', ')}`,
      );
    }
    return { consumers: built, packed };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function measureBundles(log: (line: string) => void): Promise<BundleSizes> {
  return { entries: await entryBundles(log), ...(await consumerBundles(log)) };
}

const kB = (bytes: number) =>
  `${(bytes / 1024).toLocaleString('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 })} kB`;
const total = (bundle: ConsumerBundle, key: 'bytes' | 'gzip') =>
  bundle.scripts.reduce((sum, script) => sum + script[key], 0);

export const bundleTargetMet = (sizes: BundleSizes): boolean => sizes.entries.get('this')!.gzip <= TARGET_GZIP;

/** The summary table's row (bench/run.ts places it among the other targets). */
export function bundleSummaryRow(sizes: BundleSizes): string {
  const size = (name: string) => kB(sizes.entries.get(name)!.gzip);
  return `| browser bundle of one edit call, minified + gzip (esbuild) | ${size('this')} | ${size('orq')} (standalone function: ${size('orq-standalone')}) | ${size('openai')} | | openapi-fetch ${size('openapi-fetch')} | ≤ 12 kB incl. validators | ${verdict(bundleTargetMet(sizes))} |`;
}

/** The report's bundle section, from its heading to the blank line after it. */
export function bundleSection(sizes: BundleSizes): string[] {
  const self = sizes.entries.get('this')!;
  const lines = [
    '### Browser bundle of one edit call (esbuild, ESM, minified, platform browser)',
    '',
    '| bundle | minified | minified + gzip -9 | ÷ this client |',
    '|---|---|---|---|',
  ];
  for (const [name, label] of Object.entries(BUNDLES)) {
    const size = sizes.entries.get(name)!;
    lines.push(`| ${label} | ${kB(size.minified)} | ${kB(size.gzip)} | ${(size.gzip / self.gzip).toFixed(2)}× |`);
  }
  lines.push('', 'Entries are in bench/entries/: each bundles exactly one edit call.', '');
  lines.push(
    `The packed package (\`npm pack\`: ${kB(sizes.packed.bytes)}, ${sizes.packed.files} files; target ≤ 400 kB), installed into a fresh project, and one edit call, bundled by each bundler with its defaults:`,
    '',
  );
  lines.push('| bundler | output | raw | gzip -9 | errors, warnings |', '|---|---|---|---|---|');
  const how: Record<string, string> = {
    esbuild: 'esbuild `--bundle --platform=browser` (IIFE, not minified)',
    vite: 'Vite `vite build` (minified)',
    webpack: 'webpack 5, `mode: production` (minified)',
    rollup: 'Rollup + `@rollup/plugin-node-resolve` (ES module, not minified)',
  };
  for (const bundle of sizes.consumers) {
    lines.push(
      `| ${how[bundle.bundler]} | ${bundle.scripts.map((s) => s.file).join(', ')} | ${kB(total(bundle, 'bytes'))} | ${kB(total(bundle, 'gzip'))} | ${bundle.errors.length}, ${bundle.warnings.length} |`,
    );
  }
  lines.push('');
  return lines;
}

/** The note on the bundle target when it is missed. */
export function bundleNote(sizes: BundleSizes): string {
  const size = (name: string) => (sizes.entries.get(name)!.gzip / 1024).toFixed(1);
  const over = ((sizes.entries.get('this')!.gzip - TARGET_GZIP) / 1024).toFixed(1);
  const own = ((sizes.entries.get('this')!.gzip - sizes.entries.get('validators')!.gzip) / 1024).toFixed(1);
  return (
    `- **Bundle: ${size('this')} kB against ≤ 12 kB, ${over} kB over.** The browser build carries nothing of Node, and \`edit()\` sends through fetch itself, ` +
    `so openapi-fetch (${size('openapi-fetch')} kB alone) is no longer in it (it stays behind \`createRawClient\` for callers who want it). ` +
    `The part kept by design is the generated validators (ajv's standalone code: no eval, CSP-safe; ${size('validators')} kB gzipped alone, after scripts/generate/validators.ts rewrites ajv's output for size with the same failures: one helper per failure, only the schema parts the code reads, no ucs2length); the client's own code is about ${own} kB: ` +
    'the pre-flight check and its messages (each naming the field and the limit), the typed errors, key redaction in every written form, the retry policy reading Retry-After in every HTTP form, ' +
    'the response check with its drift report, every image input form (jsdom and happy-dom Blobs included), the multipart encoder and the call deadline. ' +
    "Tried without gain: ajv's options (allErrors off, inlined refs, loops for enum/required: each makes the validators bigger), sharing the drift and issue walkers and other duplicates (gzip already shares repeated code). " +
    "Closing it needs behaviours left out of the browser build: leaving out key redaction, the response's image checks (base64, URL, one form) and the response byte limit together saved 1.6 kB when measured, just enough."
  );
}

/** Rewrites the bundle rows, section and note of an existing BENCHMARKS.md with new sizes. */
function rewrite(report: string, sizes: BundleSizes, commit: string): string {
  const lines = report.split('\n');
  const start = lines.findIndex((line) => line.startsWith('### Browser bundle of one edit call'));
  const end = lines.findIndex((line, i) => i > start && line.startsWith('### '));
  if (start < 0 || end < 0) throw new Error('BENCHMARKS.md has no bundle section to rewrite: run npm run bench');
  const section = bundleSection(sizes);
  section.splice(
    section.length - 1,
    0,
    '',
    `Bundle sizes re-measured alone on ${commit} (\`npx tsx bench/bundle-sizes.ts\`); the other figures are from the run described above.`,
  );
  lines.splice(start, end - start, ...section);
  return lines
    .filter((line) => !(line.startsWith('- **Bundle:') && bundleTargetMet(sizes)))
    .map((line) =>
      line.startsWith('| browser bundle of one edit call')
        ? bundleSummaryRow(sizes)
        : line.startsWith('- **Bundle:')
          ? bundleNote(sizes)
          : line,
    )
    .join('\n');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { execFileSync } = await import('node:child_process');
  const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  const sizes = await measureBundles((line) => process.stderr.write(`[bench] ${line}\n`));
  const file = path.join(root, 'BENCHMARKS.md');
  await writeFile(file, rewrite(await readFile(file, 'utf8'), sizes, commit));
  process.stderr.write(`[bench] rewrote the bundle rows of BENCHMARKS.md\n`);
}
