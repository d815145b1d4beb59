/**
 * A path inside a schema, as api-smart-diff reports it (`properties/orq/properties/retry/properties/count/maximum`),
 * read as the field a caller or reader knows (`.orq.retry.count`) and the keyword that changed (`maximum`).
 * `oneOf`/`anyOf`/`allOf` members are transparent (a field is the same field in every alternative); array items are
 * `[]`, as in `image[]`; unnamed keys (`additionalProperties`, `patternProperties`) are `.*`.
 */
export type Segment = string | number;

export interface SchemaLocation {
  /** The field, from the schema's root: '' for the root itself, '.n', '.image[]', '.usage.input_tokens'. */
  field: string;
  /** The changed keyword, or 'property' when a whole property was added or removed, or 'schema' for the whole. */
  keyword: string;
  /** For 'property': its name. For array-valued keywords (`enum/2`): the entry's index. */
  name?: string;
  indexed: boolean;
  /** The segments up to the schema object that holds the keyword (to look it up in either document). */
  holder: Segment[];
}

const ARRAY_CHILDREN = new Set(['items', 'additionalItems', 'unevaluatedItems', 'contains']);
const COMBINATORS = new Set(['oneOf', 'anyOf', 'allOf']);

export function locateInSchema(segments: Segment[]): SchemaLocation {
  let field = '';
  let i = 0;
  const at = (keyword: string, extra: Partial<SchemaLocation> = {}): SchemaLocation => ({
    field,
    keyword,
    indexed: false,
    holder: segments.slice(0, i),
    ...extra,
  });
  while (i < segments.length) {
    const segment = String(segments[i]);
    const rest = segments.length - i - 1;
    if (segment === 'properties' && rest >= 1) {
      const name = String(segments[i + 1]);
      if (rest === 1) return at('property', { name });
      field += `.${name}`;
      i += 2;
    } else if (ARRAY_CHILDREN.has(segment) && rest >= 1) {
      field += '[]';
      i += 1;
    } else if (segment === 'prefixItems' && rest >= 2) {
      field += `[${String(segments[i + 1])}]`;
      i += 2;
    } else if (COMBINATORS.has(segment) && rest >= 2) {
      i += 2;
    } else if (segment === 'additionalProperties' && rest >= 1) {
      field += '.*';
      i += 1;
    } else if (segment === 'patternProperties' && rest >= 2) {
      field += '.*';
      i += 2;
    } else {
      // The keyword itself; a following segment is an entry of an array-valued keyword (enum/2, required/0,
      // type/1, oneOf/0) or a part of a structured value (examples/0, default/x), which the keyword's rule classifies.
      const entry = segments[i + 1];
      return at(
        segment,
        rest >= 1
          ? { indexed: rest === 1 && typeof entry === 'number', ...(rest === 1 ? { name: String(entry) } : {}) }
          : {},
      );
    }
  }
  return at('schema');
}
