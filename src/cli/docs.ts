/**
 * orq-images docs: builds the offline API reference (src/docs/build.ts) into a directory. Flags and printing only.
 */
import path from 'node:path';
import { buildDocs, REDOCLY_CLI_VERSION } from '../docs/build.js';
import { readFlags } from './command.js';

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

export interface DocsCommandOptions {
  /** The Try-it console's script; else the one `npm run build` put beside the docs builder (tryItScript()). */
  tryItScript?: string;
}

export async function run(argv: string[], options: DocsCommandOptions = {}): Promise<number> {
  const flags = readFlags('docs', argv, { out: { type: 'string', short: 'o', default: 'docs' } }, () => HELP);
  if ('exitCode' in flags) return flags.exitCode;
  const { out } = flags.values;
  if (out === '') {
    process.stderr.write(`orq-images docs: --out needs a directory\n\n${HELP}`);
    return 2;
  }
  try {
    const { file, bytes } = await buildDocs({
      outDir: out,
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
