/**
 * Two versions of the spec, each as scripts/generate/openapi-document.ts loads it (Redocly's openapi-core: `raw`
 * bundled, `resolved` with every `$ref` followed) → the changes a caller or a reader of the operation can meet,
 * each classified.
 *
 * api-smart-diff walks both documents and pairs what changed (array entries such as enum values and required names
 * are paired by value, oneOf members by likeness), reporting each change at every place the operation meets it
 * (`retry.count` and `orq.retry.count`); classify.ts then classifies each change by direction. The library is given the
 * bundled documents, whose `$ref`s it follows itself, comparing each shared schema once: on the resolved ones,
 * where every use is a copy, it takes about six times as long. The rules look values up in the resolved ones.
 */
import { apiDiff } from 'api-smart-diff';
import type { LoadedSpec } from '../generate/openapi-document.ts';
import { classify, type Change, type ChangeClass, type FoundDiff } from './classify.ts';
import type { Segment } from './schema-path.ts';

export type { Change, ChangeClass } from './classify.ts';

function nodeAt(root: unknown, segments: Segment[]): unknown {
  let node = root;
  for (const segment of segments) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[segment];
  }
  return node;
}

const ORDER: Record<ChangeClass, number> = { breaking: 0, unclassified: 1, 'non-breaking': 2 };

export function compareSpecs(before: LoadedSpec, after: LoadedSpec): Change[] {
  const lookup = (which: 'before' | 'after', segments: Segment[]) =>
    nodeAt((which === 'before' ? before : after).resolved, segments);
  // The library writes into the documents it compares (it merges them in place: an `enum: []` appears where the
  // other side has an enum), so it gets copies and the rules look things up in the documents as loaded.
  const found = apiDiff(structuredClone(before.raw), structuredClone(after.raw)) as FoundDiff[];
  const seen = new Set<string>();
  const changes: Change[] = [];
  for (const diff of found) {
    for (const change of classify(diff, lookup)) {
      // A change inside a shared schema is met once per place that uses it (retry and orq.retry), but each place
      // is reported once even when the library reports it twice (its normalised oneOf repeats sibling keywords).
      const id = `${change.class}\0${change.path}\0${change.what}`;
      if (seen.has(id)) continue;
      seen.add(id);
      changes.push(change);
    }
  }
  return changes.sort((a, b) => ORDER[a.class] - ORDER[b.class] || a.path.localeCompare(b.path));
}
