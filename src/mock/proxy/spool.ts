/**
 * A body held on disk rather than in memory, in a private temporary file removed when the exchange ends, whatever its
 * outcome. Two bodies are held so: `--strict` holds a request (up to 16 × 50 MiB) until it is checked, so that the
 * upstream sees nothing of a request the spec refuses (checked on the way by the mock's own multipart reader, sent from
 * the file once valid; the reader stops a body at the spec's limit); and the copy of a response kept for checking
 * goes here past its first MiB (response-copy.ts, which stops it at the most the proxy checks).
 */
import { createReadStream, createWriteStream, type ReadStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface Spool {
  /** Where the body is written as it arrives. */
  readonly sink: WriteStream;
  /** Resolves once every byte written is on disk; to its size. */
  finished(): Promise<number>;
  /** The held body, from its first byte. */
  source(): ReadStream;
  /** Removes the file and its directory (idempotent). */
  remove(): Promise<void>;
}

export async function openSpool(): Promise<Spool> {
  const dir = await mkdtemp(path.join(tmpdir(), 'orq-proxy-'));
  const file = path.join(dir, 'body');
  const sink = createWriteStream(file, { mode: 0o600 });
  const written = new Promise<void>((resolve, reject) => {
    sink.once('finish', resolve);
    sink.once('error', reject);
  });
  written.catch(() => undefined);
  // Every read side opened is closed on removal too: a caller that went away leaves a source paused mid-file.
  const sources = new Set<ReadStream>();
  let removing: Promise<void> | undefined;
  return {
    sink,
    async finished() {
      await written;
      return (await stat(file)).size;
    },
    source() {
      const source = createReadStream(file);
      sources.add(source);
      return source;
    },
    remove() {
      sink.destroy();
      for (const source of sources) source.destroy();
      removing ??= rm(dir, { recursive: true, force: true });
      return removing;
    },
  };
}
