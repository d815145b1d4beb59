/**
 * What `orq-images edit` prints once the edit succeeded. The edit was paid for, so whatever happens to the files,
 * everything received reaches the user: one stdout line per image (the file saved, else the image's URL, else, as a
 * last resort, its base64 data), why any image was not saved and every drift of the answer on stderr, and with
 * `--json` all of it as one JSON document. An image the file system refused (`--out` not writable, a full disk) is
 * saved into a fresh temporary directory instead, and said so.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  AbortError,
  ApiError,
  FileSystemError,
  OrqImageEditError,
  RequestValidationError,
  ResponseValidationError,
  TimeoutError,
  describeDrift,
  saveEachImage,
  type ImageEditResult,
  type ImageSaveOutcome,
} from '../index.js';

type Json = Record<string, unknown>;
type Image = { b64_json?: unknown; url?: unknown } | null | undefined;

/** One image's fate as the CLI reports it: the outcome, and where it was rescued to when --out refused it. */
export interface ImageReport {
  outcome: ImageSaveOutcome;
  rescuedTo?: string;
}

/** An error as JSON: its name, message and typed fields (status, code, limits, issues, path ...), never a stack. */
export function errorJson(error: unknown): Json {
  if (!(error instanceof Error)) return { error: 'Error', message: String(error) };
  const detail: Json = { error: error.name, message: error.message };
  if (error instanceof ApiError) return { ...detail, status: error.status, code: error.code ?? null, requestId: error.requestId ?? null, body: error.body };
  if (error instanceof RequestValidationError || error instanceof ResponseValidationError) return { ...detail, issues: error.issues };
  for (const [key, value] of Object.entries(error)) if (key !== 'name' && value !== undefined) detail[key] = value;
  return detail;
}

export function describeError(error: unknown): string {
  if (error instanceof RequestValidationError) return `invalid request, nothing was sent:\n${error.issues.map((i) => `  ${i.field}: ${i.message}`).join('\n')}`;
  if (error instanceof ApiError) return `${error.message}${error.requestId ? ` (request id ${error.requestId})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

/** `tokens: 42 total (...)` from whatever `usage` came: a part the answer left out (or sent as no number) is left out. */
export function usageLine(usage: unknown): string {
  const u = (usage ?? {}) as Record<string, unknown>;
  const count = (value: unknown, label: string) => (typeof value === 'number' ? [`${value} ${label}`] : []);
  const details = (u.input_tokens_details ?? {}) as Record<string, unknown>;
  const inputParts = [...count(details.text_tokens, 'text'), ...count(details.image_tokens, 'image')];
  const input = count(u.input_tokens, 'input').map((text) => (inputParts.length ? `${text}: ${inputParts.join(', ')}` : text));
  const parts = [...input, ...count(u.output_tokens, 'output')];
  const total = count(u.total_tokens, 'total');
  if (total.length === 0 && parts.length === 0) return 'tokens: not reported';
  return `tokens: ${[...total, ...(parts.length ? [`(${parts.join('; ')})`] : [])].join(' ')}`;
}

/** Saves every image into `dir`; an image the file system refused gets a second chance in a temporary directory. */
export async function saveReported(result: ImageEditResult, dir: string, options: { signal: AbortSignal; timeoutMs?: number }): Promise<ImageReport[]> {
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
export function printResult(result: ImageEditResult, reports: ImageReport[], io: { json: boolean; out: (text: string) => void; err: (text: string) => void; interruptedCode?: number }): number {
  const { out, err } = io;
  const failures = reports.flatMap((r) => (r.outcome.saved ? [] : [r.outcome.error]));
  const code = failures.length === 0 ? 0 : (io.interruptedCode ?? 1);
  for (const drift of result.drift) err(`orq-images edit: the answer departs from the spec: ${describeDrift(drift)}\n`);
  const images = reports.map(({ outcome, rescuedTo }) => {
    if (outcome.saved) return { index: outcome.index, file: outcome.path };
    const image = result.data[outcome.index] as Image;
    const url = typeof image?.url === 'string' ? image.url : undefined;
    const b64 = typeof image?.b64_json === 'string' ? image.b64_json : undefined;
    const kept = rescuedTo ? { file: rescuedTo } : url ? { url } : b64 ? { b64_json: b64 } : {};
    const where = rescuedTo ? `saved in ${rescuedTo} instead` : url ? 'its URL is on stdout' : b64 ? 'its base64 data is on stdout' : 'the answer carried nothing to save';
    // A stopped call is said once below, not once per image.
    if (!stopped(outcome.error)) err(`orq-images edit: image ${outcome.index + 1} not saved: ${describeError(outcome.error)}; ${where}\n`);
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
      const line = 'file' in image ? image.file : 'url' in image ? image.url : 'b64_json' in image ? image.b64_json : undefined;
      if (line !== undefined) out(`${String(line)}\n`);
    }
    out(`${usageLine(result.usage)}\n`);
  }
  return code;
}
