/**
 * "Is what was built from these files still up to date?", decided by their content: each file a build read is
 * recorded with its size, modification time and SHA-256; it is unchanged while size and time are the same, or,
 * when only the time differs (a checkout, a reinstall), while its SHA-256 is. Used for Prism's bundle
 * (bundle.ts) and, in the repository, for the prebuilt scripts (scripts/run-prebuilt.ts), `npm start`'s
 * reference page (scripts/start.ts) and generate's record and code cache (scripts/generate/).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';

export interface FileRecord {
  file: string;
  size: number;
  mtimeMs: number;
  digest: string;
}

export function digestOf(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('base64url');
}

export function recordOf(file: string): FileRecord {
  const { size, mtimeMs } = statSync(file);
  return { file, size, mtimeMs, digest: digestOf(readFileSync(file)) };
}

/** True when every recorded file still holds what it held (an empty or malformed list is never up to date). */
export function unchanged(records: unknown): boolean {
  if (!Array.isArray(records) || records.length === 0) return false;
  for (const record of records as FileRecord[]) {
    const stat = statSync(record.file, { throwIfNoEntry: false });
    if (!stat || stat.size !== record.size) return false;
    if (stat.mtimeMs !== record.mtimeMs && digestOf(readFileSync(record.file)) !== record.digest) return false;
  }
  return true;
}

/** What a build records of itself: how it was made (a recipe, bumped when that changes) and every file it read. */
export interface BuildRecord {
  recipe: string;
  inputs: FileRecord[];
}

/** True while the record in `file` is of this recipe and every file it lists holds what it held (no record: false). */
export function recordHolds(file: string, recipe: string): boolean {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<BuildRecord>;
    return record.recipe === recipe && unchanged(record.inputs);
  } catch {
    return false;
  }
}

/**
 * Writes beside the file, then renames: a reader sees the old file or the new one, never half of one; writers at
 * once (test files in parallel, threads of one process) each write their own temporary file.
 */
export function writeAtomically(file: string, data: string | Uint8Array): void {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, data);
  renameSync(temporary, file);
}
