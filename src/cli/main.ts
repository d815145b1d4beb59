#!/usr/bin/env node
/**
 * orq-images: one command line for the toolkit. Each subcommand lives in its own module, loaded only when used,
 * so `orq-images edit` never loads Prism and `orq-images mock` never loads the docs builder.
 */
const USAGE = `orq-images — Orq.ai image edits, contract-first

Usage:
  orq-images edit --image a.png --prompt "..." --model provider/model [options]   send an edit (key from ORQ_API_KEY)
  orq-images mock [--port 4010] [--host 127.0.0.1] [--dynamic] [--docs DIR] [--replay DIR [--replay-strict]]
                                                                                  run the local mock server
  orq-images proxy --upstream URL [--port 4010] [--record DIR] [--strict]         a proxy that checks real traffic by the spec
  orq-images docs [--out DIR]                                                     build the offline API reference

Run "orq-images <command> --help" for a command's options; "orq-images --version" prints the version.
Exit codes: 0 success, 1 API or network error, 2 usage error.
`;

type Command = (argv: string[]) => Promise<number>;

/** The installed package's version, read from its package.json: two folders up from src/cli, three from dist/src/cli. */
async function version(): Promise<string> {
  const { readFile } = await import('node:fs/promises');
  const up = import.meta.url.includes('/dist/src/cli/') ? '../../../' : '../../';
  return (JSON.parse(await readFile(new URL(`${up}package.json`, import.meta.url), 'utf8')) as { version: string })
    .version;
}

const commands: Record<string, () => Promise<Command>> = {
  edit: async () => (await import('./edit.js')).run,
  mock: async () => (await import('./mock.js')).run,
  proxy: async () => (await import('./proxy.js')).run,
  docs: async () => (await import('./docs.js')).run,
};

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(USAGE);
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V' || name === '-v') {
    process.stdout.write(`${await version()}\n`);
    return 0;
  }
  const load = commands[name];
  if (!load) {
    process.stderr.write(`orq-images: unknown command "${name}"\n\n${USAGE}`);
    return 2;
  }
  return (await load())(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`orq-images: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
