/**
 * `--replay DIR` / `startMock({ replayDir })`: the cassettes of a directory (its `*.json` files, as
 * `orq-images proxy --record DIR` writes them), read once at start, in name order (the order they were recorded).
 * Bounded: at most MAX_CASSETTE_FILES files of at most MAX_CASSETTE_BYTES each. A file that is not a cassette
 * stops the start with a CassetteError naming it, rather than being skipped without a word.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { CassetteError, MAX_CASSETTE_BYTES, parseCassette, type Cassette } from './core/cassette.js';

export const MAX_CASSETTE_FILES = 10_000;

/**
 * The recorder numbers its files from 0001 on and keeps counting across runs (0999, 1000, ... 10000): by that number
 * first, so `10000-…` comes after `9999-…` (a plain text sort puts it before `1001-…`), then by name.
 */
function recordedOrder(a: string, b: string): number {
  const number = (name: string) => Number(/^\d+/.exec(name)?.[0] ?? Number.POSITIVE_INFINITY);
  return number(a) - number(b) || (a < b ? -1 : a > b ? 1 : 0);
}

export async function loadCassettes(dir: string): Promise<Cassette[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.json')).sort(recordedOrder);
  } catch (error) {
    throw new CassetteError(dir, '(directory)', `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  if (names.length > MAX_CASSETTE_FILES) throw new CassetteError(dir, '(directory)', `holds ${names.length} cassettes, more than ${MAX_CASSETTE_FILES}`);
  const cassettes: Cassette[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const { size } = await stat(file);
    if (size > MAX_CASSETTE_BYTES) throw new CassetteError(file, '(file)', `is ${size} bytes, over ${MAX_CASSETTE_BYTES}`);
    cassettes.push(parseCassette(await readFile(file, 'utf8'), file));
  }
  return cassettes;
}
