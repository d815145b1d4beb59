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
