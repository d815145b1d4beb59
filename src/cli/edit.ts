/**
 * orq-images edit: one image edit from the command line. The key comes from ORQ_API_KEY (or a file named with
 * --api-key-file), never from a flag value that would land in shell history. Uploads show a progress bar on stderr
 * when stderr is a terminal; saved paths and token usage go to stdout (`--json` for machines). Once the edit
 * succeeded (and was paid for), what was received is always printed, whatever becomes of the files (the report, below).
 * Everything printed is scrubbed of the API key first: a server may echo it anywhere, in a success too.
 *
 * Exit codes: 0 success; 1 API, network, timeout or bad-response error, or an image not saved where asked; 2 usage
 * error (bad flags, no key, or a request the spec refuses, which is never sent); 128 + the signal's number when a
 * signal stopped it (130 Ctrl-C, 129 SIGHUP, 143 SIGTERM), with no partial file left behind.
 */
import { mkdtemp, open } from 'node:fs/promises';
import { constants, tmpdir } from 'node:os';
import path from 'node:path';
import {
  AbortError,
  ApiError,
  FileSystemError,
  OrqImageEditError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  createImageEditClient,
  describeDrift,
  redactText,
  saveEachImage,
  type ImageEditRequest,
  type ImageEditResult,
  type ImageSaveOutcome,
  type RetryEvent,
  type UploadProgress,
} from '../index.js';
import { enumOf, defaultBaseUrl, maxResultImageBytes } from '../contract/spec.js';
import { readFlags } from './command.js';

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
  --timeout MS          give up after MS milliseconds (upload and response; then again for downloads)
  --json                print the result as JSON on stdout (always JSON, on failure too)
  --progress            show the upload progress bar even when stderr is not a terminal
  --api-key-file PATH   read the API key from this file instead of ORQ_API_KEY (at most ${MAX_KEY_FILE_BYTES} bytes;
                        a FIFO works: --api-key-file <(pass show orq))
  -h, --help            this help

The API key is read from ORQ_API_KEY. Saved paths and token usage go to stdout, progress and errors to stderr.
Once the edit succeeded, every image is printed on stdout even if it could not be saved: its file, else its URL,
else its base64 data (an image --out refused is saved in a temporary directory instead). Downloads stop at
${maxResultImageBytes} bytes per image (the spec's x-max-image-bytes). Departures of the response from the spec are
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
  const cannotRead = (error: unknown) =>
    new UsageError(
      `cannot read --api-key-file ${JSON.stringify(file)}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  const handle = await open(file, 'r').catch((error: unknown) => {
    throw cannotRead(error);
  });
  const buffer = Buffer.alloc(MAX_KEY_FILE_BYTES + 1);
  try {
    let bytes = 0;
    for (let read = -1; read !== 0 && bytes < buffer.length; bytes += read) {
      ({ bytesRead: read } = await handle.read(buffer, bytes, buffer.length - bytes, null));
    }
    if (bytes > MAX_KEY_FILE_BYTES)
      throw new UsageError(
        `--api-key-file ${JSON.stringify(file)} holds more than ${MAX_KEY_FILE_BYTES} bytes: it must hold the API key only`,
      );
    return buffer.toString('utf8', 0, bytes).trim();
  } catch (error) {
    throw error instanceof UsageError ? error : cannotRead(error);
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
    throw new UsageError(
      `invalid request, nothing was sent:\n  ${field}: must be one of ${allowed.map((v) => JSON.stringify(v)).join(', ')} (got ${JSON.stringify(value)})`,
    );
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
      write(
        `\ruploading [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}%  ${megabytes(loaded)} of ${megabytes(total)}  ${rate}   `,
      );
      drawn = true;
    },
    done() {
      if (drawn) write('\n');
      drawn = false;
    },
  };
}

/*
 * The report: what `orq-images edit` prints once the edit succeeded. The edit was paid for, so whatever happens to
 * the files, everything received reaches the user: one stdout line per image (the file saved, else the image's URL,
 * else, as a last resort, its base64 data), why any image was not saved and every drift of the response on stderr,
 * and with `--json` all of it as one JSON document. An image the file system refused (`--out` not writable, a full
 * disk) is saved into a fresh temporary directory instead, and said so.
 */

type Json = Record<string, unknown>;
type Image = { b64_json?: unknown; url?: unknown } | null | undefined;

/** One image's fate as the CLI reports it: the outcome, and where it was rescued to when --out refused it. */
interface ImageReport {
  outcome: ImageSaveOutcome;
  rescuedTo?: string;
}

/** An error as JSON: its name, message and typed fields (status, code, limits, issues, path ...), never a stack. */
function errorJson(error: unknown): Json {
  if (!(error instanceof Error)) return { error: 'Error', message: String(error) };
  const detail: Json = { error: error.name, message: error.message };
  if (error instanceof ApiError)
    return {
      ...detail,
      status: error.status,
      code: error.code ?? null,
      requestId: error.requestId ?? null,
      body: error.body,
    };
  if (error instanceof RequestValidationError || error instanceof ResponseValidationError)
    return { ...detail, issues: error.issues };
  for (const [key, value] of Object.entries(error)) if (key !== 'name' && value !== undefined) detail[key] = value;
  return detail;
}

function describeError(error: unknown): string {
  if (error instanceof RequestValidationError)
    return `invalid request, nothing was sent:\n${error.issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`;
  if (error instanceof ApiError) return `${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * `tokens: 42 total (...)` from whatever `usage` came: a part the response left out (or sent as no number) is left
 * out.
 */
function usageLine(usage: unknown): string {
  const u = (usage ?? {}) as Record<string, unknown>;
  const count = (value: unknown, label: string) => (typeof value === 'number' ? [`${value} ${label}`] : []);
  const details = (u.input_tokens_details ?? {}) as Record<string, unknown>;
  const inputParts = [...count(details.text_tokens, 'text'), ...count(details.image_tokens, 'image')];
  const input = count(u.input_tokens, 'input').map((text) =>
    inputParts.length ? `${text}: ${inputParts.join(', ')}` : text,
  );
  const parts = [...input, ...count(u.output_tokens, 'output')];
  const total = count(u.total_tokens, 'total');
  if (total.length === 0 && parts.length === 0) return 'tokens: not reported';
  return `tokens: ${[...total, ...(parts.length ? [`(${parts.join('; ')})`] : [])].join(' ')}`;
}

/** Saves every image into `dir`; an image the file system refused gets a second chance in a temporary directory. */
async function saveReported(
  result: ImageEditResult,
  dir: string,
  options: { signal: AbortSignal; timeoutMs?: number },
): Promise<ImageReport[]> {
  let outcomes: ImageSaveOutcome[];
  try {
    outcomes = await saveEachImage(result, dir, options);
  } catch (error) {
    const typed = error instanceof OrqImageEditError ? error : new OrqImageEditError(String(error));
    outcomes = result.data.map((_, index) => ({ index, saved: false, error: typed }));
  }
  const reports: ImageReport[] = outcomes.map((outcome) => ({ outcome }));
  const refused = new Set(outcomes.flatMap((o) => (!o.saved && o.error instanceof FileSystemError ? [o.index] : [])));
  if (refused.size === 0 || options.signal.aborted) return reports;
  let rescue: string;
  try {
    rescue = await mkdtemp(path.join(tmpdir(), 'orq-images-'));
  } catch {
    return reports;
  }
  // The same data with only the refused images in place, so each keeps its own number in its file name.
  const only = { data: result.data.map((image, index) => (refused.has(index) ? image : null)) } as ImageEditResult;
  for (const second of await saveEachImage(only, rescue, options).catch(() => [])) {
    if (second.saved) reports[second.index]!.rescuedTo = second.path;
  }
  return reports;
}

/** Whether the call was stopped (timeout, abort, a signal) rather than an image failing on its own. */
const stopped = (error: unknown) => error instanceof TimeoutError || error instanceof AbortError;

/**
 * Prints the result and what became of each image; returns the exit code: 0 when every image is saved where
 * asked, `interruptedCode` when a signal stopped the saving, else 1 (what was received is printed all the same).
 */
function printResult(
  result: ImageEditResult,
  reports: ImageReport[],
  io: { json: boolean; out: (text: string) => void; err: (text: string) => void; interruptedCode?: number },
): number {
  const { out, err } = io;
  const failures = reports.flatMap((r) => (r.outcome.saved ? [] : [r.outcome.error]));
  const code = failures.length === 0 ? 0 : (io.interruptedCode ?? 1);
  for (const drift of result.drift)
    err(`orq-images edit: the response departs from the spec: ${describeDrift(drift)}\n`);
  const images = reports.map(({ outcome, rescuedTo }) => {
    if (outcome.saved) return { index: outcome.index, file: outcome.path };
    const image = result.data[outcome.index] as Image;
    const url = typeof image?.url === 'string' ? image.url : undefined;
    const b64 = typeof image?.b64_json === 'string' ? image.b64_json : undefined;
    const kept = rescuedTo ? { file: rescuedTo } : url ? { url } : b64 ? { b64_json: b64 } : {};
    const where = rescuedTo
      ? `saved in ${rescuedTo} instead`
      : url
        ? 'its URL is on stdout'
        : b64
          ? 'its base64 data is on stdout'
          : 'the response carried nothing to save';
    // A stopped call is said once below, not once per image.
    if (!stopped(outcome.error))
      err(`orq-images edit: image ${outcome.index + 1} not saved: ${describeError(outcome.error)}; ${where}\n`);
    return { index: outcome.index, ...kept, error: errorJson(outcome.error) };
  });
  const stop = failures.find(stopped);
  if (stop) err(`orq-images edit: ${describeError(stop)}; the images not saved are listed on stdout\n`);
  if (io.json) {
    const body = {
      files: images.flatMap((image) => ('file' in image && image.file ? [image.file] : [])),
      images,
      created: result.created ?? null,
      usage: result.usage ?? null,
      size: result.size ?? null,
      quality: result.quality ?? null,
      output_format: result.output_format ?? null,
      drift: result.drift,
      ...(code === 0 ? {} : { error: (stop ?? failures[0])!.name, message: describeError(stop ?? failures[0]) }),
    };
    out(`${JSON.stringify(body, null, 2)}\n`);
  } else {
    for (const image of images) {
      const line =
        'file' in image ? image.file : 'url' in image ? image.url : 'b64_json' in image ? image.b64_json : undefined;
      if (line !== undefined) out(`${String(line)}\n`);
    }
    out(`${usageLine(result.usage)}\n`);
  }
  return code;
}

export async function run(argv: string[]): Promise<number> {
  const out = (text: string) => process.stdout.write(text);
  const err = (text: string) => process.stderr.write(text);
  const flags = readFlags(
    'edit',
    argv,
    {
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
    },
    usage,
  );
  if ('exitCode' in flags) return flags.exitCode;
  const { values } = flags;

  let request: ImageEditRequest;
  let apiKey: string;
  let timeoutMs: number | undefined;
  try {
    const missing = (['image', 'prompt', 'model'] as const)
      .filter((name) => values[name] === undefined)
      .map((name) => `--${name}`);
    if (missing.length) throw new UsageError(`missing ${missing.join(', ')}`);
    timeoutMs = integer('--timeout', values.timeout);
    if (timeoutMs !== undefined && timeoutMs <= 0)
      throw new UsageError('--timeout must be a positive number of milliseconds');
    const retryCount = integer('--retry-count', values['retry-count']);
    const images = values.image!;
    request = {
      model: values.model!,
      prompt: values.prompt!,
      image: images.length === 1 ? images[0]! : images,
      ...(values.n !== undefined ? { n: integer('-n', values.n) } : {}),
      ...(values.size !== undefined ? { size: values.size } : {}),
      ...(values.quality !== undefined ? { quality: oneOf('quality', enumOf('quality'), values.quality) } : {}),
      ...(values.format !== undefined
        ? { response_format: oneOf('response_format', enumOf('response_format'), values.format) }
        : {}),
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
          const why =
            event.failure.kind === 'status'
              ? `HTTP ${event.failure.status}`
              : `connection ${event.failure.code ?? 'failed'}`;
          warn(`orq-images edit: ${why}; retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)} s\n`);
        },
      });
    } finally {
      bar.done();
    }
    // The edit is done and paid for: from here, whatever happens to the files, what came is printed.
    const reports = await saveReported(result, values.out ?? '.', { signal: controller.signal, timeoutMs });
    return printResult(result, reports, {
      json: values.json === true,
      out: say,
      err: warn,
      interruptedCode: interruptedCode(),
    });
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
