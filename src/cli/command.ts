/**
 * What the commands of orq-images share: how flags are read (one way for every command: node:util's parseArgs,
 * strict, `-h`/`--help`), and for the long-running ones (`mock`, `proxy`) where they listen by default, how a port is
 * checked and a failure to listen explained, the timestamped log line, the warning for a wildcard host, and how they
 * stop (Ctrl-C or SIGTERM, said on stdout).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Flags = NonNullable<ParseArgsConfig['options']>;
type FlagValues<F extends Flags> = ReturnType<
  typeof parseArgs<{ options: F & { help: { type: 'boolean'; short: 'h' } }; strict: true; allowPositionals: false }>
>['values'];

/**
 * Reads `argv` by `flags` (plus `-h`/`--help`). An unknown flag or a missing value is a usage error: said on stderr
 * with the usage, exit code 2; `--help` prints the usage, exit code 0. Otherwise the values.
 */
export function readFlags<const F extends Flags>(
  command: string,
  argv: string[],
  flags: F,
  usage: () => string,
): { values: FlagValues<F> } | { exitCode: number } {
  let values: FlagValues<F>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { ...flags, help: { type: 'boolean', short: 'h' } } as F & { help: { type: 'boolean'; short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    process.stderr.write(`orq-images ${command}: ${(error as Error).message}\n\n${usage()}`);
    return { exitCode: 2 };
  }
  if ((values as { help?: boolean }).help) {
    process.stdout.write(usage());
    return { exitCode: 0 };
  }
  return { values };
}

export const DEFAULT_PORT = 4010;
export const DEFAULT_HOST = '127.0.0.1';

/** The port asked for (default DEFAULT_PORT), or the usage error that names what was given. */
export function portOption(given: string | undefined): number | { error: string } {
  // Decimal digits only: Number() would also take '0x10', '1e3', '4.0' and '' (as 0, any free port).
  const port = given === undefined ? DEFAULT_PORT : /^\d{1,5}$/.test(given) ? Number(given) : NaN;
  return Number.isInteger(port) && port >= 0 && port <= 65535
    ? port
    : { error: `--port must be a decimal integer from 0 to 65535, got ${JSON.stringify(given)}` };
}

/** A log line on stdout, with the time of day. */
export function logLine(line: string): void {
  process.stdout.write(`  ${new Date().toISOString().slice(11, 19)} ${line}\n`);
}

/** Why a command could not start listening, with what to do when the port is taken. */
export function listenFailure(command: string, error: unknown, port: number): string {
  const code = (error as NodeJS.ErrnoException).code;
  const hint =
    code === 'EADDRINUSE' ? ` (port ${port} is taken: pass --port with another one, or 0 for any free port)` : '';
  return `orq-images ${command}: ${(error as Error).message}${hint}\n`;
}

/** The banner's warning when the host binds every interface. */
export function wildcardWarning(host: string | undefined, what: string): string[] {
  return ['0.0.0.0', '::'].includes(host ?? '')
    ? [`  warning   bound to ${host}: other machines on the network can ${what}`]
    : [];
}

/** Waits for Ctrl-C or SIGTERM, the way every long-running command of orq-images stops, saying so on stdout. */
export function untilStopped(what: string): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: NodeJS.Signals) => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      process.stdout.write(`\n${signal}: stopping ${what}\n`);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
