/**
 * The last generation's record, so that an unchanged spec is not generated again: a digest of everything generation
 * reads (the spec, the generators' own sources, the installed packages as package-lock.json pins them, Node's
 * version) and the SHA-256 of each file it produced. While that digest is the same, generating again would produce
 * the same files, so `generate` and `--check` compare the files on disk with the recorded digests and load none of
 * the generators (TypeScript, openapi-typescript, ajv, esbuild and Redocly's parser are most of the command's time).
 * A file that differs, or any change to an input, runs the generators as before. ORQ_GENERATE_RECORD=off ignores it.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { digestOf, writeAtomically } from '../../src/mock/prism/file-records.ts';

/** Bump when what generation reads, or how it is recorded, changes beyond the files hashed below. */
const RECIPE = 'generate-record 1';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const recordFile = path.join(root, 'node_modules/.cache/orq-image-edits/generate.json');

interface Record {
  inputs: string;
  outputs: { [name: string]: string };
}

const recordOff = () => process.env.ORQ_GENERATE_RECORD === 'off';

/** The generators' sources: generate.ts and everything under generate/ (which they import or read as text). */
function generatorFiles(): string[] {
  const dir = path.join(root, 'scripts/generate');
  const under = readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => path.join(entry.parentPath, entry.name));
  return [path.join(root, 'scripts/generate.ts'), ...under].sort();
}

/** One digest of every input of generation, by content. */
export function inputsDigest(specPath: string): string {
  const parts = [RECIPE, process.version];
  for (const file of [specPath, path.join(root, 'package-lock.json'), ...generatorFiles()]) {
    parts.push(path.relative(root, file), existsSync(file) ? digestOf(readFileSync(file)) : 'missing');
  }
  return digestOf(parts.join('\0'));
}

/** True when a generation from these inputs was recorded and every file in outDir holds what it produced. */
export function unchangedSinceRecord(inputs: string, outDir: string): boolean {
  if (recordOff()) return false;
  let record: Record;
  try {
    record = JSON.parse(readFileSync(recordFile, 'utf8')) as Record;
  } catch {
    return false;
  }
  const names = Object.keys(record.outputs ?? {});
  if (record.inputs !== inputs || names.length === 0) return false;
  return names.every((name) => {
    const file = path.join(outDir, name);
    return existsSync(file) && digestOf(readFileSync(file)) === record.outputs[name];
  });
}

export function saveRecord(inputs: string, files: Map<string, string>): void {
  if (recordOff()) return;
  try {
    mkdirSync(path.dirname(recordFile), { recursive: true });
    const outputs = Object.fromEntries([...files].map(([name, content]) => [name, digestOf(content)]));
    writeAtomically(recordFile, JSON.stringify({ inputs, outputs } satisfies Record));
  } catch {
    // No record only means the next run generates again.
  }
}
