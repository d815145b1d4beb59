/**
 * Image files on Node: a path or file: URL becomes a file-backed Blob (`fs.openAsBlob`: its size known at once,
 * nothing read until the upload, so 16 large files cost no memory up front), and a stream is spooled once into a
 * temporary file (a file-backed Blob again, so a retry can re-read it and memory stays flat). Temporary files are
 * removed by `dispose()` (the client does this after every call) and, failing that, when the process exits.
 */
import { SourceIssue, systemReason } from '../../errors.js';
import type { Drain, ResolvedSource } from '../shared.js';

/*
 * Node's built-in modules, each loaded on first use and kept. A static `import` of a built-in costs every cold import
 * of the client 1-2 ms (Node 20 builds an ES module of all its exports), whether or not the caller ever sends a file:
 * a client used with Blobs never loads node:fs at all.
 */
type Fs = typeof import('node:fs');
type Path = typeof import('node:path');

let loadedFs: Promise<Fs> | undefined;
let loadedPath: Promise<Path> | undefined;

export const nodeFs = (): Promise<Fs> => (loadedFs ??= import('node:fs').then((module) => module.default));
export const nodePath = (): Promise<Path> => (loadedPath ??= import('node:path').then((module) => module.default));

const noop = async () => {};

/** Bytes in memory as node:buffer's Blob, whatever a DOM emulation put in the global scope (shared.ts: memoryBlob). */
export async function memoryBlob(bytes: Uint8Array): Promise<Blob> {
  return new (await import('node:buffer')).Blob([bytes]) as Blob;
}

/**
 * The file behind each file-backed Blob made here (from a path, a file: URL or a spooled stream), so the upload can
 * read it with large fs reads.
 */
export const fileBehind = new WeakMap<Blob, string>();

export async function openImageFile(given: string | URL): Promise<ResolvedSource> {
  const [fs, path, { fileURLToPath }] = await Promise.all([nodeFs(), nodePath(), import('node:url')]);
  let file: string;
  try {
    file = typeof given === 'string' ? given : fileURLToPath(given);
  } catch (error) {
    throw new SourceIssue(`is a file: URL that names no local file (${systemReason(error)})`);
  }
  let blob: Blob | undefined;
  try {
    if ((await fs.promises.stat(file)).isFile()) blob = (await fs.openAsBlob(file)) as Blob;
  } catch (error) {
    throw new SourceIssue(`cannot read ${JSON.stringify(file)} (${systemReason(error)})`);
  }
  if (!blob) throw new SourceIssue(`${JSON.stringify(file)} is not a regular file`);
  fileBehind.set(blob, file);
  return { blob, filename: path.basename(file), dispose: noop };
}

/** Temporary directories not yet disposed, removed on exit if the process ends first. */
const liveTempDirs = new Set<string>();
let exitHookInstalled = false;

export async function spool(drain: Drain): Promise<ResolvedSource> {
  const [fs, path, { tmpdir }] = await Promise.all([nodeFs(), nodePath(), import('node:os')]);
  const dir = await fs.promises.mkdtemp(path.join(tmpdir(), 'orq-image-'));
  liveTempDirs.add(dir);
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const left of liveTempDirs) fs.rmSync(left, { recursive: true, force: true });
    });
  }
  const dispose = async () => {
    if (!liveTempDirs.delete(dir)) return;
    await fs.promises.rm(dir, { recursive: true, force: true });
  };
  const file = path.join(dir, 'upload');
  try {
    const handle = await fs.promises.open(file, 'w');
    try {
      // One chunk in memory at a time: the next is read only once this one is on disk.
      await drain((bytes) => handle.write(bytes));
    } finally {
      await handle.close();
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  const blob = (await fs.openAsBlob(file)) as Blob;
  fileBehind.set(blob, file);
  return { blob, dispose };
}
