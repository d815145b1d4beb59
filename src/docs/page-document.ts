/**
 * The document Redocly renders: the spec as written, with the sections that are generated rather than written put in
 * where the spec marks them. A tag description (a Redoc "trait tag", a section of prose after the operation) holds an
 * HTML comment such as `<!-- error-table: ... -->`; other renderers show nothing there, this page shows the table.
 */
import { errorTableMarkdown } from './error-table.js';
import { TRY_IT_MOUNT_ID } from './try-it/names.js';


const GENERATED_SECTIONS: Record<string, () => string> = {
  'error-table': errorTableMarkdown,
  'try-it': () =>
    `<div id="${TRY_IT_MOUNT_ID}"><p><em>The console starts once the page's script runs (it needs JavaScript).</em></p></div>`,
};

interface TagObject {
  name: string;
  description?: string;
}

/** A copy of `spec` with every generated section filled in; throws when the spec no longer marks one of them. */
export function pageDocument<T extends { tags?: TagObject[] }>(spec: T): T {
  const copy = structuredClone(spec);
  for (const [marker, make] of Object.entries(GENERATED_SECTIONS)) {
    const pattern = new RegExp(`<!--\\s*${marker}\\b[\\s\\S]*?-->`);
    const tag = copy.tags?.find((candidate) => pattern.test(candidate.description ?? ''));
    if (!tag) throw new Error(`docs: no tag description in the spec holds the <!-- ${marker} --> marker, so the page would lack it`);
    tag.description = tag.description!.replace(pattern, () => `\n\n${make()}\n`);
  }
  return copy;
}
