/**
 * `npm start`: the local mock with the API reference at /docs (`orq-images mock --docs dist/docs` and its options).
 * npm runs this script from a prebuilt bundle (run-prebuilt.ts), the CLI inside it, so nothing is compiled at a start.
 * The reference is built again only when a file it is made from changed, by content (src/mock/prism/file-records.ts): the
 * spec, the docs builder's and the Try-it console's sources (as esbuild resolves them), package-lock.json (Redocly
 * CLI's and every other package's version), and the page itself. A fresh clone's first start builds everything.
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordHolds, recordOf, writeAtomically, type BuildRecord } from '../src/mock/prism/file-records.ts';

/** Bump when what the reference is made from, or how it is recorded, changes beyond the files recorded. */
const DOCS_RECIPE = 'start-docs 2';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const docsDir = path.join(root, 'dist/docs');
const docsRecord = path.join(root, 'node_modules/.cache/orq-image-edits/start-docs.json');

/** The page's record: the page itself and every file it was built from (a page edited or removed is rebuilt). */
const docsUpToDate = (): boolean => recordHolds(docsRecord, DOCS_RECIPE);

/** Every file the reference is built from: the builder's graph (Node) and the console's (browser), as esbuild resolves them. */
async function docsInputs(): Promise<string[]> {
  const esbuild = await import('esbuild');
  const { browserPlatform } = await import('./client-bundle.ts');
  const common = { bundle: true, write: false, metafile: true, logLevel: 'silent', absWorkingDir: root } as const;
  try {
    const [builder, tryIt] = await Promise.all([
      esbuild.build({
        ...common,
        entryPoints: ['scripts/build-docs.ts', 'scripts/try-it-bundle.ts'],
        outdir: 'out',
        platform: 'node',
        format: 'esm',
        packages: 'external',
      }),
      esbuild.build({
        ...common,
        entryPoints: ['src/docs/try-it/main.ts'],
        platform: 'browser',
        format: 'iife',
        plugins: [browserPlatform],
      }),
    ]);
    const files = [builder, tryIt]
      .flatMap((result) => Object.keys(result.metafile.inputs))
      .map((input) => path.resolve(root, input));
    return [...new Set([...files, path.join(root, 'spec/openapi.yaml'), path.join(root, 'package-lock.json')])];
  } finally {
    await esbuild.stop();
  }
}

function buildDocs(): Promise<number> {
  return new Promise((resolve, reject) => {
    // Through tsx: the docs build bundles the console from its TypeScript sources.
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'scripts/build-docs.ts')], {
      cwd: root,
      stdio: 'inherit',
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<void> {
  if (!docsUpToDate()) {
    // Recorded before the build reads them: a file edited meanwhile makes the next start build again.
    const inputs = (await docsInputs()).map(recordOf);
    const code = await buildDocs();
    if (code !== 0) {
      process.exitCode = code;
      return;
    }
    mkdirSync(path.dirname(docsRecord), { recursive: true });
    writeAtomically(
      docsRecord,
      JSON.stringify({
        recipe: DOCS_RECIPE,
        inputs: [recordOf(path.join(docsDir, 'index.html')), ...inputs],
      } satisfies BuildRecord),
    );
  }
  const cli = path.join(root, 'src/cli/main.ts');
  process.argv = [
    process.argv[0]!,
    cli,
    'mock',
    '--docs',
    path.relative(process.cwd(), docsDir) || '.',
    ...process.argv.slice(2),
  ];
  await import('../src/cli/main.ts');
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
