/**
 * orq-images edit: one image edit from the command line. The key comes from ORQ_API_KEY (or a file named with
 * --api-key-file), never from a flag value that would land in shell history. Uploads show a progress bar on stderr
 * when stderr is a terminal; saved paths and token usage go to stdout (`--json` for machines). Once the edit
 * succeeded (and was paid for), what was received is always printed, whatever becomes of the files (edit-report.ts).
 * Everything printed is scrubbed of the API key first: a server may echo it anywhere, in a success too.
 *
 * Exit codes: 0 success; 1 API, network, timeout or bad-answer error, or an image not saved where asked; 2 usage error
 * (bad flags, no key, or a request the spec refuses, which is never sent); 128 + the signal's number when a signal
 * stopped it (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM), with no partial file left behind.
 */
import { open } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { constants } from 'node:os';
import {
  AbortError,
  RequestValidationError,
  createImageEditClient,
  redactText,
  type ImageEditRequest,
  type ImageEditResult,
  type RetryEvent,
  type UploadProgress,
} from '../index.js';
import { enumOf, defaultBaseUrl, maxResultImageBytes } from '../contract/spec.js';
import { describeError, errorJson, printResult, saveReported } from './edit-report.js';

/** Signals that stop an edit the way Ctrl-C does: the call aborted, partial files removed, 128 + n as exit code. */
const STOP_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;

function usage(): string {
  return `orq-images edit — send one image edit to POST /v2/router/images/edits

Usage:
  orq-images edit --image a.png [--image b.png ...] --prompt "..." --model provider/model [options]

Required:
  --image PATH          an image file (PNG, JPEG or WebP; repeat for several)
  --prompt TEXT         what to change
  --model ID            provider/model, e.g. openai/gpt-image-1

Options:
  -n N                  number of images to generate
  --size SIZE           e.g. 1024x1024
  --quality Q           ${enumOf('quality').join(' | ')}
  --format F            ${enumOf('response_format').join(' | ')}
  --retry-count N       retries the router makes upstream (the request's retry.count)
  --fallback MODEL      a fallback model (repeat for several)
  --out DIR             where to save the images (default: the current directory)
  --base-url URL        API base URL (default: ${defaultBaseUrl})
  --timeout MS          give up after MS milliseconds (upload and answer; then again for downloads)
  --json                print the result as JSON on stdout (always JSON, on failure too)
  --progress            show the upload progress bar even when stderr is not a terminal
  --api-key-file PATH   read the API key from this file instead of ORQ_API_KEY (at most ${MAX_KEY_FILE_BYTES} bytes;
                        a FIFO works: --api-key-file <(pass show orq))
  -h, --help            this help

The API key is read from ORQ_API_KEY. Saved paths and token usage go to stdout, progress and errors to stderr.
Once the edit succeeded, every image is printed on stdout even if it could not be saved: its file, else its URL,
else its base64 data (an image --out refused is saved in a temporary directory instead). Downloads stop at
${maxResultImageBytes} bytes per image (the spec's x-max-image-bytes). Departures of the answer from the spec are
printed on stderr (and under "drift" with --json); the images are saved all the same.
Exit codes: 0 success; 1 API, network or timeout error, or an image not saved where asked; 2 usage error (nothing
sent); 130 interrupted (Ctrl-C), 129 SIGHUP, 143 SIGTERM.
`;
}

class UsageError extends Error {}

/** The most an --api-key-file may hold: a key is tens of bytes; a file past this is not a key file. */
const MAX_KEY_FILE_BYTES = 4096;

/**
 * The key from --api-key-file, read to its end but never past MAX_KEY_FILE_BYTES (+1, to tell a longer file), so a
 * wrong path (/dev/zero, a log, an image) fails at once with the limit named instead of filling memory. Any kind of
 * file is read this way, not by its size on disk: the usual one is a FIFO from process substitution
 * (`--api-key-file <(pass show orq)`, i.e. /dev/fd/N), whose size says nothing. This is not replay's cassette reader
 * (src/mock/replay-dir.ts): that one refuses a FIFO without waiting for a writer, and a key file must wait for it.
 */
async function readKeyFile(file: string): Promise<string> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (error) {
    throw new UsageError(`cannot read --api-key-file ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
  try {
    let bytes = 0;
    for (let read = -1; read !== 0 && bytes < buffer.length; bytes += read) {
      ({ bytesRead: read } = await handle.read(buffer, bytes, buffer.length - bytes, null));
    }
    if (bytes > MAX_KEY_FILE_BYTES) throw new UsageError(`--api-key-file ${JSON.stringify(file)} holds more than ${MAX_KEY_FILE_BYTES} bytes: it must hold the API key only`);
    return buffer.toString('utf8', 0, bytes).trim();
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(`cannot read --api-key-file ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  } finally {
    buffer.fill(0);
    await handle.close();
  }
}

function integer(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${flag} must be an integer, got ${JSON.stringify(value)}`);
  return Number(value);
}

/** `value` when the spec allows it (the field's enum), else a usage error in the pre-flight check's words. */
function oneOf<T extends string>(field: string, allowed: readonly T[], value: string): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) {
    throw new UsageError(`invalid request, nothing was sent:\n  ${field}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`);
  }
  return found;
}

function megabytes(bytes: number): string {
  return `${(bytes / 1_000_000).toFixed(1)} MB`;
}

/** A one-line bar redrawn in place (`\r`), at most ten times a second, finished with a newline. */
function progressBar(write: (text: string) => void) {
  let started = 0;
  let lastDraw = 0;
  let lastAttempt = -1;
  let drawn = false;
  return {
    update({ loaded, total, attempt }: UploadProgress) {
      const now = Date.now();
      if (attempt !== lastAttempt) {
        lastAttempt = attempt;
        started = now;
        lastDraw = 0;
      }
      if (loaded < total && now - lastDraw < 100) return;
      lastDraw = now;
      const fraction = total > 0 ? loaded / total : 1;
      const width = 30;
      const filled = Math.round(fraction * width);
      const seconds = Math.max((now - started) / 1000, 0.001);
      const rate = `${megabytes(loaded / seconds)}/s`;
      write(`\ruploading [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${megabytes(loaded)} of ${megabytes(total)}  ${rate}   `);
      drawn = true;
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}

export async function run(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const err = (text: string) => process.stderr.write(text);
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        image: { type: 'string', multiple: true },
        prompt: { type: 'string' },
        model: { type: 'string' },
        n: { type: 'string', short: 'n' },
        size: { type: 'string' },
        quality: { type: 'string' },
        format: { type: 'string' },
        'retry-count': { type: 'string' },
        fallback: { type: 'string', multiple: true },
        out: { type: 'string' },
        'base-url': { type: 'string' },
        timeout: { type: 'string' },
        json: { type: 'boolean' },
        progress: { type: 'boolean' },
        'api-key-file': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    err(`orq-images edit: ${(error as Error).message}\n\n${usage()}`);
    return 2;
  }
  if (values.help) {
    out(usage());
    return 0;
  }

  let request: ImageEditRequest;
  let apiKey: string;
  let timeoutMs: number | undefined;
  try {
    const missing = (['image', 'prompt', 'model'] as const).filter((name) => values[name] === undefined).map((name) => `--${name}`);
    if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
    timeoutMs = integer('--timeout', values.timeout);
    if (timeoutMs !== undefined && timeoutMs <= 0) throw new UsageError('--timeout must be a positive number of milliseconds');
    const retryCount = integer('--retry-count', values['retry-count']);
    const images = values.image!;
    request = {
      model: values.model!,
      prompt: values.prompt!,
      image: images.length === 1 ? images[0]! : images,
      ...(values.n !== undefined ? { n: integer('-n', values.n) } : {}),
      ...(values.size !== undefined ? { size: values.size } : {}),
      ...(values.quality !== undefined ? { quality: oneOf('quality', enumOf('quality'), values.quality) } : {}),
      ...(values.format !== undefined ? { response_format: oneOf('response_format', enumOf('response_format'), values.format) } : {}),
      ...(retryCount !== undefined ? { retry: { count: retryCount } } : {}),
      ...(values.fallback ? { fallbacks: values.fallback.map((model) => ({ model })) } : {}),
    };
    if (values['api-key-file'] !== undefined) {
      apiKey = await readKeyFile(values['api-key-file']);
    } else {
      apiKey = (process.env.ORQ_API_KEY ?? '').trim();
    }
    if (!apiKey) throw new UsageError('no API key: set ORQ_API_KEY (or pass --api-key-file PATH)');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`orq-images edit: ${error.message}\n\nRun "orq-images edit --help" for the options.\n`);
    return 2;
  }

  // From here on, everything printed may carry what a server sent: scrubbed of the key first.
  const say = (text: string) => out(redactText(text, apiKey));
  const warn = (text: string) => err(redactText(text, apiKey));
  const showProgress = values.progress === true || process.stderr.isTTY === true;
  const bar = progressBar(warn);
  const controller = new AbortController();
  let stoppedBy: (typeof STOP_SIGNALS)[number] | undefined;
  const onSignal = (signal: (typeof STOP_SIGNALS)[number]) => {
    stoppedBy = signal;
    // A second signal gets Node's default (the process ends at once): a way out should cleaning up ever hang.
    for (const other of STOP_SIGNALS) process.removeListener(other, onSignal);
    controller.abort(new Error(`interrupted (${signal})`));
  };
  for (const signal of STOP_SIGNALS) process.on(signal, onSignal);
  const interruptedCode = () => (stoppedBy ? 128 + constants.signals[stoppedBy] : undefined);
  let client;
  try {
    client = createImageEditClient({ apiKey, baseUrl: values['base-url'] ?? defaultBaseUrl, timeoutMs });
  } catch (error) {
    warn(`orq-images edit: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    let result: ImageEditResult;
    try {
      result = await client.edit(request, {
        signal: controller.signal,
        onUploadProgress: showProgress ? (progress) => bar.update(progress) : undefined,
        onRetry: (event: RetryEvent) => {
          bar.done();
          const why = event.failure.kind === 'status' ? `HTTP ${event.failure.status}` : `connection ${event.failure.code ?? 'failed'}`;
          warn(`orq-images edit: ${why}; retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)} s\n`);
        },
      });
    } finally {
      bar.done();
    }
    // The edit is done and paid for: from here, whatever happens to the files, what came is printed.
    const reports = await saveReported(result, values.out ?? '.', { signal: controller.signal, timeoutMs });
    return printResult(result, reports, { json: values.json === true, out: say, err: warn, interruptedCode: interruptedCode() });
  } catch (error) {
    const code = error instanceof AbortError && controller.signal.aborted ? interruptedCode() : undefined;
    if (values.json) say(`${JSON.stringify(errorJson(error), null, 2)}\n`);
    if (code !== undefined) {
      warn('orq-images edit: interrupted\n');
      return code;
    }
    warn(`orq-images edit: ${describeError(error)}\n`);
    return error instanceof RequestValidationError ? 2 : 1;
  } finally {
    for (const signal of STOP_SIGNALS) process.removeListener(signal, onSignal);
  }
}
