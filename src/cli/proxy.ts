/**
 * orq-images proxy: the validating proxy (src/mock/proxy) on 127.0.0.1:4010 in front of an upstream, until Ctrl-C or
 * SIGTERM. One line per exchange on stdout, the summary when it stops. The key is the caller's, per request: this
 * command takes none and stores none.
 */
import { wireContract } from '../contract/spec.js';
import {
  DEFAULT_HOST,
  DEFAULT_PORT,
  listenFailure,
  logLine,
  portOption,
  readFlags,
  untilStopped,
  wildcardWarning,
} from './command.js';

const usage =
  () => `orq-images proxy — a validating proxy for POST ${wireContract.path}: forwards to the upstream, checks both ways by the spec

Usage:
  orq-images proxy --upstream URL [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}] [--record DIR] [--strict]

Options:
  --upstream URL       where requests go, e.g. ${wireContract.servers[0]} (required)
  --port N             port to listen on, decimal (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H             interface to bind (default ${DEFAULT_HOST}: only this machine can reach it)
  --record DIR         write each exchange as a cassette into DIR (no key, images by hash); replay with
                       "orq-images mock --replay DIR"
  --max-cassettes N    record at most N cassettes in this run (default 1000)
  --strict             respond to a request the spec refuses with the mock's refusal (400, 401, 413) instead
                       of forwarding it: the upstream sees nothing of it
  -h, --help           this text

Point a client at the proxy instead of the upstream (baseUrl http://${DEFAULT_HOST}:${DEFAULT_PORT}); it sends its own
key, which the proxy passes on and never writes down. Each exchange prints one line: the request's departures from
the spec, then the response's (field: the spec says X, received Y). Departures never stop the traffic (unless --strict).
Responses are checked up to 64 MiB each (past 1 MiB on disk), 16 at once; others pass through, reported unchecked.
`;

export async function run(argv: string[]): Promise<number> {
  const flags = readFlags(
    'proxy',
    argv,
    {
      upstream: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      record: { type: 'string' },
      'max-cassettes': { type: 'string' },
      strict: { type: 'boolean' },
    },
    usage,
  );
  if ('exitCode' in flags) return flags.exitCode;
  const { values } = flags;
  const usageError = (message: string) => {
    process.stderr.write(`orq-images proxy: ${message}\n`);
    return 2;
  };
  if (!values.upstream) return usageError(`--upstream is required (e.g. --upstream ${wireContract.servers[0]})`);
  const port = portOption(values.port);
  if (typeof port !== 'number') return usageError(port.error);
  const maxCassettes = values['max-cassettes'] === undefined ? undefined : Number(values['max-cassettes']);
  if (maxCassettes !== undefined && (!Number.isInteger(maxCassettes) || maxCassettes < 0))
    return usageError(`--max-cassettes must be a whole number, got ${JSON.stringify(values['max-cassettes'])}`);

  let proxy: Awaited<ReturnType<typeof import('../mock/index.js').startProxy>>;
  try {
    const { startProxy } = await import('../mock/index.js');
    proxy = await startProxy({
      upstream: values.upstream,
      port,
      host: values.host ?? DEFAULT_HOST,
      strict: values.strict ?? false,
      recordDir: values.record,
      maxCassettes,
      log: logLine,
    });
  } catch (error) {
    process.stderr.write(listenFailure('proxy', error, port));
    return error instanceof TypeError ? 2 : 1;
  }

  // Listening for Ctrl-C and SIGTERM before the banner says it stops them: a supervisor may signal as soon as it
  // reads the banner.
  const stopped = untilStopped('the proxy');
  process.stdout.write(
    [
      `Validating proxy for POST ${wireContract.path} → ${proxy.upstream}${values.strict ? ' (strict: requests the spec refuses are not forwarded)' : ''}`,
      `  endpoint  ${proxy.endpoint}`,
      ...(values.record !== undefined ? [`  record    ${values.record}`] : []),
      ...wildcardWarning(values.host, 'send through it'),
      '',
      'Ctrl-C stops it and prints the summary.',
      '',
    ].join('\n'),
  );

  await stopped;
  const { summaryLines } = await import('../mock/proxy/report.js');
  for (const line of summaryLines(await proxy.close(), values.record)) process.stdout.write(`${line}\n`);
  return 0;
}
