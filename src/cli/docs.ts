/**
 * orq-images docs: builds the offline API reference (src/docs/build.ts) into a directory. Flags and printing only.
 */
import path from 'node:path';
import { buildDocs, REDOCLY_CLI_VERSION } from '../docs/build.js';

const HELP = `orq-images docs — build the offline API reference

Usage:
  orq-images docs [--out DIR]

Writes DIR/index.html (default DIR: ./docs): one self-contained page with the whole reference of
POST /v2/router/images/edits, built from this package's OpenAPI document: the operation, a Try-it
console and a table of every error. It loads nothing from the network; its console connects only
to the one server the reader picks (by default the server that serves the page, e.g. the mock at
/docs; opened from disk, the local mock). Open it from disk or serve it anywhere.

Options:
  --out DIR     directory to write index.html into (created if missing; default ./docs)
  -h, --help    show this help

Needs Redocly CLI (an optional peer dependency): npm install --save-dev @redocly/cli@${REDOCLY_CLI_VERSION}
`;

function parseArgs(argv: string[]): { help: true } | { help: false; out: string } | { error: string } {
  let out = 'docs';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '-h' || arg === '--help') return { help: true };
    if (arg === '--out' || arg === '-o') {
      const value = argv[++i];
      if (value === undefined || value === '' || value.startsWith('-')) return { error: `${arg} needs a directory` };
      out = value;
    } else if (arg.startsWith('--out=')) {
      out = arg.slice('--out='.length);
      if (out === '') return { error: '--out needs a directory' };
    } else {
      return { error: `unknown argument "${arg}"` };
    }
  }
  return { help: false, out };
}

export interface DocsCommandOptions {
  /** The Try-it console's script; else the one `npm run build` put beside the docs builder (tryItScript()). */
  tryItScript?: string;
}

export async function run(argv: string[], options: DocsCommandOptions = {}): Promise<number> {
  const parsed = parseArgs(argv);
  if ('error' in parsed) {
    process.stderr.write(`orq-images docs: ${parsed.error}\n\n${HELP}`);
    return 2;
  }
  if (parsed.help) {
    process.stdout.write(HELP);
    return 0;
  }
  try {
    const { file, bytes } = await buildDocs({
      outDir: parsed.out,
      ...(options.tryItScript !== undefined ? { tryItScript: options.tryItScript } : {}),
    });
    process.stdout.write(
      `wrote ${path.relative(process.cwd(), file) || file} (${(bytes / 1024).toFixed(0)} kB, self-contained, works offline)\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`orq-images docs: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
