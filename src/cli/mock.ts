/**
 * orq-images mock: the local mock server (src/mock) on 127.0.0.1:4010 until Ctrl-C or SIGTERM. Prints the endpoint,
 * the API reference's URL when --docs is given, and a ready-to-paste curl command built from the spec's smallest
 * request example. Everything runs in this process: stopping it leaves nothing behind.
 */
import { parseArgs } from 'node:util';
import { examplesOf, specFacts } from '../contract/spec-facts.js';
import { imageField, wireContract } from '../contract/wire-contract.js';

const DEFAULT_PORT = 4010;
const DEFAULT_HOST = '127.0.0.1';

/** What a Prefer header can ask for, from the spec: its named 200 examples and its documented statuses. */
export function preferHint(): string {
  const okExamples = examplesOf(200).map((example) => example.name);
  const statuses = specFacts.responses.map((response) => response.status).filter((status) => status !== '200');
  return `"Prefer: example=${okExamples.join('|')}", "Prefer: code=${statuses.join('|')}", "Prefer: dynamic=true"`;
}

const usage = () => `orq-images mock — a local mock of POST ${wireContract.path} (Stoplight Prism, no key, no network)

Usage:
  orq-images mock [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}] [--dynamic] [--docs DIR]

Options:
  --port N      port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H      interface to bind (default ${DEFAULT_HOST}: only this machine can reach it)
  --dynamic     answer with data generated from the schemas instead of the spec's named examples
  --docs DIR    also serve DIR/index.html (the built API reference) at /docs
  -h, --help    this text

Requests pick an answer with a Prefer header: ${preferHint()}.
`;

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `curl -F` for the spec's request example with the fewest fields; its image names stand for local files. */
export function curlExample(endpoint: string): string {
  const smallest = specFacts.requestExamples.find((example) => example.name === specFacts.smallestRequestExample)?.value ?? {};
  const lines = [`curl ${shellWord(endpoint)}`, `-H ${shellWord('Authorization: Bearer any-key')}`];
  for (const [name, value] of Object.entries(smallest)) {
    const field = wireContract.fields[name];
    if (field?.part === 'file') {
      for (const file of [value].flat()) lines.push(`-F ${shellWord(`${name}=@${String(file)}`)}`);
    } else {
      lines.push(`-F ${shellWord(`${name}=${field?.part === 'json' ? JSON.stringify(value) : String(value)}`)}`);
    }
  }
  return lines.join(' \\\n    ');
}

export async function run(argv: string[]): Promise<number> {
  let values: { port?: string; host?: string; dynamic?: boolean; docs?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        dynamic: { type: 'boolean' },
        docs: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (error) {
    process.stderr.write(`orq-images mock: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(usage());
    return 0;
  }
  const port = values.port === undefined ? DEFAULT_PORT : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`orq-images mock: --port must be an integer from 0 to 65535, got ${JSON.stringify(values.port)}\n`);
    return 2;
  }

  const started = Date.now();
  let mock: Awaited<ReturnType<typeof import('../mock/index.js').startMock>>;
  try {
    const { startMock } = await import('../mock/index.js');
    mock = await startMock({
      port,
      host: values.host ?? DEFAULT_HOST,
      dynamic: values.dynamic ?? false,
      docsDir: values.docs,
      log: (line) => process.stdout.write(`  ${new Date().toISOString().slice(11, 19)} ${line}\n`),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint = code === 'EADDRINUSE' ? ` (port ${port} is taken: pass --port with another one, or 0 for any free port)` : '';
    process.stderr.write(`orq-images mock: ${(error as Error).message}${hint}\n`);
    return 1;
  }

  const wildcard = ['0.0.0.0', '::'].includes(values.host ?? '');
  process.stdout.write(
    [
      `Mock of POST ${wireContract.path}: Stoplight Prism ${mock.prismVersion} in process, ${values.dynamic ? 'generated data' : "the spec's named examples"} (ready in ${Date.now() - started} ms)`,
      `  endpoint  ${mock.endpoint}`,
      ...(mock.docsUrl ? [`  docs      ${mock.docsUrl}`] : []),
      ...(wildcard ? [`  warning   bound to ${values.host}: other machines on the network can reach it`] : []),
      '',
      `Any bearer token is accepted. Choose an answer with ${preferHint()}.`,
      `Try it (${imageField.limits.mediaTypes.join(', ')} files of up to ${imageField.limits.maxBytes} bytes):`,
      '',
      `  ${curlExample(mock.endpoint)}`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );

  await new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`\n${signal}: stopping the mock\n`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  await mock.close();
  return 0;
}
