/**
 * orq-images edit: one image edit from the command line. The key comes from ORQ_API_KEY (or a file named with
 * --api-key-file), never from a flag value that would land in shell history. Uploads show a progress bar on stderr
 * when stderr is a terminal; saved paths and token usage go to stdout (`--json` for machines).
 *
 * Exit codes: 0 success; 1 API, network, timeout or bad-answer error; 2 usage error (bad flags, no key, or a request
 * the spec refuses, which is never sent); 130 interrupted (Ctrl-C).
 */
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import {
  AbortError,
  ApiError,
  OrqImageEditError,
  RequestValidationError,
  ResponseValidationError,
  createImageEditClient,
  saveImages,
  type ImageEditRequest,
  type ImageEditResponse,
  type RetryEvent,
  type UploadProgress,
} from '../index.js';
import { enumOf } from '../contract/spec-facts.js';
import { defaultBaseUrl } from '../contract/wire-contract.js';

type Json = Record<string, unknown>;

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
  --json                print the result as JSON on stdout
  --progress            show the upload progress bar even when stderr is not a terminal
  --api-key-file PATH   read the API key from this file instead of ORQ_API_KEY
  -h, --help            this help

The API key is read from ORQ_API_KEY. Saved paths and token usage go to stdout, progress and errors to stderr.
Exit codes: 0 success, 1 API or network error, 2 usage error (nothing sent), 130 interrupted.
`;
}

class UsageError extends Error {}

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

function describeError(error: unknown): string {
  if (error instanceof RequestValidationError) return `invalid request, nothing was sent:\n${error.issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`;
  if (error instanceof ApiError) return `${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}`;
  if (error instanceof ResponseValidationError) return error.message;
  return error instanceof Error ? error.message : String(error);
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
      try {
        apiKey = (await readFile(values['api-key-file'], 'utf8')).trim();
      } catch (error) {
        throw new UsageError(`cannot read --api-key-file ${JSON.stringify(values['api-key-file'])}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
      }
    } else {
      apiKey = (process.env.ORQ_API_KEY ?? '').trim();
    }
    if (!apiKey) throw new UsageError('no API key: set ORQ_API_KEY (or pass --api-key-file PATH)');
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    err(`orq-images edit: ${error.message}\n\nRun "orq-images edit --help" for the options.\n`);
    return 2;
  }

  const showProgress = values.progress === true || process.stderr.isTTY === true;
  const bar = progressBar(err);
  const controller = new AbortController();
  const onSigint = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', onSigint);
  let client;
  try {
    client = createImageEditClient({ apiKey, baseUrl: values['base-url'] ?? defaultBaseUrl, timeoutMs });
  } catch (error) {
    err(`orq-images edit: ${(error as Error).message}\n`);
    return 2;
  }
  try {
    let result: ImageEditResponse;
    try {
      result = await client.edit(request, {
        signal: controller.signal,
        onUploadProgress: showProgress ? (progress) => bar.update(progress) : undefined,
        onRetry: (event: RetryEvent) => {
          bar.done();
          const why = event.failure.kind === 'status' ? `HTTP ${event.failure.status}` : `connection ${event.failure.code ?? 'failed'}`;
          err(`orq-images edit: ${why}; retry ${event.retry} in ${(event.delayMs / 1000).toFixed(1)} s\n`);
        },
      });
    } finally {
      bar.done();
    }
    const files = await saveImages(result, values.out ?? '.', { signal: controller.signal, timeoutMs });
    if (values.json) {
      out(`${JSON.stringify({ files, created: result.created, usage: result.usage ?? null, size: result.size ?? null, quality: result.quality ?? null, output_format: result.output_format ?? null }, null, 2)}\n`);
    } else {
      for (const file of files) out(`${file}\n`);
      const usageLine = result.usage
        ? `tokens: ${result.usage.total_tokens} total (${result.usage.input_tokens} input: ${result.usage.input_tokens_details?.text_tokens} text, ${result.usage.input_tokens_details?.image_tokens} image; ${result.usage.output_tokens} output)`
        : 'tokens: not reported';
      out(`${usageLine}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof AbortError && controller.signal.aborted) {
      err('orq-images edit: interrupted\n');
      return 130;
    }
    if (values.json && error instanceof OrqImageEditError) {
      const detail: Json = { error: error.name, message: error.message };
      if (error instanceof ApiError) Object.assign(detail, { status: error.status, code: error.code ?? null, requestId: error.requestId ?? null, body: error.body });
      if (error instanceof RequestValidationError || error instanceof ResponseValidationError) detail.issues = error.issues;
      out(`${JSON.stringify(detail, null, 2)}\n`);
    }
    err(`orq-images edit: ${describeError(error)}\n`);
    return error instanceof RequestValidationError ? 2 : 1;
  } finally {
    process.removeListener('SIGINT', onSigint);
  }
}
