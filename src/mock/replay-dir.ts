/**
 * `--replay DIR` / `startMock({ replayDir })`: the cassettes of a directory (its `*.json` files, as
 * `orq-images proxy --record DIR` writes them), read once at start, in name order (the order they were recorded),
 * one at a time. Bounded: at most MAX_CASSETTE_FILES files, each read to at most MAX_CASSETTE_BYTES (counted as it
 * is read, not taken from its size on disk), MAX_REPLAY_BYTES read in all. Only regular files are read: a FIFO is
 * opened without waiting for a writer and a device (a link to /dev/zero) is refused, both before a byte is read.
 *
 * A file that is not a cassette (or, for replay, one the recorder cut) is skipped with a CassetteError naming it,
 * handed to `skipped`, so one bad file does not refuse the rest; `strict` makes it stop the start instead. A
 * directory past its bounds always does.
 */
import { constants } from 'node:fs';
import { open, opendir, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import path from 'node:path';
import {
  CassetteError,
  createReplayer,
  MAX_CASSETTE_BYTES,
  MAX_CASSETTE_FILES,
  MAX_REPLAY_BYTES,
  parseCassette,
  replayableCassette,
  type Cassette,
  type Replayer,
} from './core/replay.js';

export interface ReadCassettesOptions {
  /** Stop at the first file that is not a cassette instead of skipping it. */
  strict?: boolean;
  /** Told of each file skipped, and why. */
  skipped?: (error: CassetteError) => void;
  /** Refuse cassettes that cannot be replayed as well (cut by the recorder), as files that are not cassettes are. */
  replayable?: boolean;
}

/**
 * The recorder numbers its files from 0001 on and keeps counting across runs (0999, 1000, ... 10000): by that number
 * first, so `10000-…` comes after `9999-…` (a plain text sort puts it before `1001-…`), then by name.
 */
function recordedOrder(a: string, b: string): number {
  const number = (name: string) => Number(/^\d+/.exec(name)?.[0] ?? Number.POSITIVE_INFINITY);
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

const reasonOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** The `*.json` names of `dir`, in recorded order; stops listing past MAX_CASSETTE_FILES. */
async function cassetteNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  try {
    for await (const entry of await opendir(dir)) {
      if (!entry.name.endsWith('.json')) continue;
      if (names.push(entry.name) > MAX_CASSETTE_FILES)
        throw new CassetteError(dir, '(directory)', `holds more than ${MAX_CASSETTE_FILES} cassettes (*.json files)`);
    }
  } catch (error) {
    if (error instanceof CassetteError) throw error;
    throw new CassetteError(dir, '(directory)', `cannot be read (${reasonOf(error)})`);
  }
  return names.sort(recordedOrder);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return 'a directory';
  if (stats.isFIFO()) return 'a FIFO';
  if (stats.isCharacterDevice()) return 'a character device';
  if (stats.isBlockDevice()) return 'a block device';
  if (stats.isSocket()) return 'a socket';
  return 'not a file';
}

/**
 * Reads one cassette file into `buffer` (MAX_CASSETTE_BYTES + 1, reused for every file); resolves to the bytes read.
 * Opened without blocking (a FIFO with no writer would hold the open forever), checked a regular file on the
 * descriptor itself (what is read is what was checked, a link followed), read until its end or the buffer is full.
 */
async function readCassetteFile(file: string, buffer: Buffer): Promise<number> {
  let handle: FileHandle;
  try {
    handle = await open(file, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch (error) {
    throw new CassetteError(file, '(file)', `cannot be opened (${reasonOf(error)})`);
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new CassetteError(file, '(file)', `is ${kindOf(stats)}, not a regular file`);
    let bytes = 0;
    for (let read = -1; read !== 0 && bytes < buffer.length; bytes += read) {
      ({ bytesRead: read } = await handle.read(buffer, bytes, buffer.length - bytes, null));
    }
    return bytes;
  } catch (error) {
    if (error instanceof CassetteError) throw error;
    throw new CassetteError(file, '(file)', `cannot be read (${reasonOf(error)})`);
  } finally {
    await handle.close();
  }
}

/** The cassettes of `dir`, one at a time, in recorded order (bounded and skipped as the module's comment says). */
export async function* readCassettes(dir: string, options: ReadCassettesOptions = {}): AsyncGenerator<Cassette> {
  const names = await cassetteNames(dir);
  const buffer = Buffer.allocUnsafe(MAX_CASSETTE_BYTES + 1);
  let total = 0;
  for (const name of names) {
    const file = path.join(dir, name);
    let cassette: Cassette;
    try {
      const bytes = await readCassetteFile(file, buffer);
      total += bytes;
      if (total > MAX_REPLAY_BYTES)
        throw new CassetteError(
          dir,
          '(directory)',
          `holds more than ${MAX_REPLAY_BYTES} bytes of cassettes (passed at ${name})`,
        );
      if (bytes > MAX_CASSETTE_BYTES) throw new CassetteError(file, '(file)', `is over ${MAX_CASSETTE_BYTES} bytes`);
      cassette = parseCassette(buffer.toString('utf8', 0, bytes), file);
      if (options.replayable) replayableCassette(cassette, file);
    } catch (error) {
      if (!(error instanceof CassetteError) || options.strict || error.source === dir) throw error;
      options.skipped?.(error);
      continue;
    }
    yield cassette;
  }
}

/** A replayer of `dir`'s cassettes, filled one cassette at a time, and the files skipped (none when `strict`). */
export async function replayDirectory(
  dir: string,
  options: { strict?: boolean } = {},
): Promise<{ replayer: Replayer; skipped: CassetteError[] }> {
  const replayer = createReplayer();
  const skipped: CassetteError[] = [];
  for await (const cassette of readCassettes(dir, {
    strict: options.strict,
    replayable: true,
    skipped: (error) => skipped.push(error),
  }))
    replayer.add(cassette);
  return { replayer, skipped };
}
