/**
 * orq-images mock: the local mock server (src/mock) on 127.0.0.1:4010 until Ctrl-C or SIGTERM. Prints the endpoint,
 * the API reference's URL when --docs is given, and a ready-to-paste curl command built from the spec's smallest
 * request example. Everything runs in this process: stopping it leaves nothing behind.
 */
import { MAX_DELAY_MS, PREFER_KEYS, REAL_SERVICE_TIME } from '../contract/mock-prefer.js';
import { imageField, specFacts, wireContract } from '../contract/spec.js';
import { parseLatency } from '../mock/core/prefer.js';
import { MAX_CASSETTE_BYTES, MAX_CASSETTE_FILES, MAX_REPLAY_BYTES } from '../mock/core/replay.js';
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

/** Every Prefer key the mock reads, with one example each and what it does: the banner's and --help's table. */
function preferKeys(): string[] {
  return Object.values(PREFER_KEYS)
    .flatMap((key) => key.listed())
    .map(({ value, what }) => `Prefer: ${value.padEnd(15)} ${what}`);
}

const usage = () => `orq-images mock — a local mock of POST ${wireContract.path} (Stoplight Prism, no key, no network)

Usage:
  orq-images mock [--port ${DEFAULT_PORT}] [--host ${DEFAULT_HOST}] [--dynamic] [--seed N] [--latency MS|MIN-MAX] [--docs DIR]
      [--replay DIR [--replay-strict]]

Options:
  --port N         port to listen on, decimal (default ${DEFAULT_PORT}; 0 picks a free one)
  --host H         interface to bind (default ${DEFAULT_HOST}: only this machine can reach it)
  --dynamic        let Prism's generator draw what a request leaves open (output_format, size, quality)
  --seed N         make every generated value repeatable (dynamic values, image file names, latency jitter)
  --latency MS     hold every response back MS ms, or MIN-MAX ms jittered (e.g. 2000-20000; ${REAL_SERVICE_TIME});
                   at most ${MAX_DELAY_MS}; Prefer: delay= overrides it per request
  --docs DIR       also serve DIR/index.html (the built API reference) at /docs
  --replay DIR     respond to requests recorded by "orq-images proxy --record DIR" with the recorded responses
                   (same fields once decoded, same images by SHA-256; Prefer: code=, example= or dynamic= gets the
                   mock's own response, delay= and fault= apply to the recorded one). A file that is not a cassette
                   (not a regular file, over ${MAX_CASSETTE_BYTES} bytes, not the shape, a 1xx status, a header
                   HTTP cannot carry) is skipped with a warning naming it; past ${MAX_CASSETTE_FILES} cassettes or
                   ${MAX_REPLAY_BYTES} bytes in all the mock does not start
  --replay-strict  do not start when a file of --replay DIR is not a cassette, instead of skipping it
  -h, --help       this text

A 200 is made from the request: n images from the first uploaded one, at the size asked, as url (served by the
mock at /files/...) or b64_json. A request chooses otherwise with a Prefer header (or ?__example=, ?__code=, ...):
${preferKeys()
  .map((line) => `  ${line}`)
  .join('\n')}
`;

/** Quotes a word for a POSIX shell when it needs it. */
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `curl -F` for the spec's request example with the fewest fields; its image names stand for local files. */
function curlExample(endpoint: string): string {
  const smallest =
    specFacts.requestExamples.find((example) => example.name === specFacts.smallestRequestExample)?.value ?? {};
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

/** Most skipped cassettes the banner names one by one; the rest are counted. */
const SKIPPED_SHOWN = 10;

/** The banner's warnings for the cassettes --replay skipped, each naming the file and why. */
function skippedWarnings(skipped: readonly Error[]): string[] {
  const lines = skipped.slice(0, SKIPPED_SHOWN).map((error) => `  warning   skipped ${error.message}`);
  if (skipped.length > SKIPPED_SHOWN)
    lines.push(`  warning   ... and ${skipped.length - SKIPPED_SHOWN} more file(s) skipped`);
  if (skipped.length > 0) lines.push('            (--replay-strict refuses to start instead)');
  return lines;
}

export async function run(argv: string[]): Promise<number> {
  const flags = readFlags(
    'mock',
    argv,
    {
      port: { type: 'string' },
      host: { type: 'string' },
      dynamic: { type: 'boolean' },
      seed: { type: 'string' },
      latency: { type: 'string' },
      docs: { type: 'string' },
      replay: { type: 'string' },
      'replay-strict': { type: 'boolean' },
    },
    usage,
  );
  if ('exitCode' in flags) return flags.exitCode;
  const { values } = flags;
  if (values['replay-strict'] && values.replay === undefined) {
    process.stderr.write('orq-images mock: --replay-strict needs --replay DIR\n');
    return 2;
  }
  const port = portOption(values.port);
  if (typeof port !== 'number') {
    process.stderr.write(`orq-images mock: ${port.error}\n`);
    return 2;
  }

  if (values.latency !== undefined) {
    try {
      parseLatency(values.latency);
    } catch (error) {
      process.stderr.write(`orq-images mock: --${(error as Error).message}\n`);
      return 2;
    }
  }

  const started = Date.now();
  let mock: Awaited<ReturnType<typeof import('../mock/index.js').startMock>>;
  try {
    const { startMock } = await import('../mock/index.js');
    mock = await startMock({
      port,
      host: values.host ?? DEFAULT_HOST,
      dynamic: values.dynamic ?? false,
      seed: values.seed,
      latency: values.latency,
      docsDir: values.docs,
      replayDir: values.replay,
      replayStrict: values['replay-strict'],
      log: logLine,
    });
  } catch (error) {
    process.stderr.write(listenFailure('mock', error, port));
    return 1;
  }

  // Listening for Ctrl-C and SIGTERM before the banner says it stops them: a supervisor may signal as soon as it
  // reads the banner.
  const stopped = untilStopped('the mock');
  process.stdout.write(
    [
      `Mock of POST ${wireContract.path}: Stoplight Prism ${mock.prismVersion} in process, images made with ${mock.imageMaker} (ready in ${Date.now() - started} ms)`,
      `  endpoint  ${mock.endpoint}`,
      ...(mock.docsUrl ? [`  docs      ${mock.docsUrl}`] : []),
      ...(mock.replayable !== undefined
        ? [`  replay    ${mock.replayable} recorded response(s) from ${values.replay}`]
        : []),
      ...skippedWarnings(mock.replaySkipped ?? []),
      `  responses made from each request${values.dynamic ? ", open values drawn by Prism's generator" : ''}${values.seed !== undefined ? `, seed ${values.seed}` : ''}`,
      `  latency   ${values.latency === undefined ? `none (${REAL_SERVICE_TIME}: try --latency 2000-20000)` : `${values.latency} ms`}`,
      ...wildcardWarning(values.host, 'reach it'),
      '',
      'Any bearer token is accepted. Choose another response, a delay or a failure with a Prefer header:',
      ...preferKeys().map((line) => `  ${line}`),
      '',
      `Try it (${imageField.limits.mediaTypes.join(', ')} files of up to ${imageField.limits.maxBytes} bytes):`,
      '',
      `  ${curlExample(mock.endpoint)}`,
      '',
      'Ctrl-C stops it.',
      '',
    ].join('\n'),
  );

  await stopped;
  await mock.close();
  return 0;
}
