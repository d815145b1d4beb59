/**
 * What one changed JSON Schema keyword does to the set of values a schema accepts: narrows it, widens it, changes it
 * both ways, only documents it, or something no rule here can classify. Whether that breaks anyone depends on who holds
 * the values (classify.ts): callers send request values, readers receive response values.
 *
 * api-smart-diff finds the changed keywords; its own verdicts are context-free (a response field removed or retyped
 * is "non-breaking", a request field made required is "non-breaking" when it has a default, `x-max-file-bytes` and
 * `contentMediaType` are "unclassified"), so every verdict is made here instead, one rule per keyword.
 */

export type Effect =
  | 'narrows' // fewer values valid than before
  | 'widens' // more values valid than before
  | 'incompatible' // some values lost and some gained
  | 'docs' // descriptions, examples, titles: no value changes validity
  | 'unknown'; // no rule here can tell

export interface Verdict {
  effect: Effect;
  what: string;
}

export type Action = 'add' | 'remove' | 'replace' | 'rename';

const show = (value: unknown): string => (value === undefined ? '(none)' : JSON.stringify(value));

/**
 * Upper limits: a smaller value accepts less. This spec's own: `x-max-file-bytes`, the byte limit of each source
 * image (on ImageFile), `x-max-image-bytes`, that of each response image (on ImageData), and `x-max-response-bytes`,
 * that of a whole response (on the operation).
 */
const UPPER_LIMITS = new Set([
  'maximum',
  'exclusiveMaximum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'maxContains',
  'x-max-file-bytes',
  'x-max-image-bytes',
  'x-max-response-bytes',
]);
/** Lower limits: a larger value accepts less. */
const LOWER_LIMITS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minContains']);
/** Keywords that only document: changing them changes no value's validity. */
const DOCS = new Set(['description', 'title', 'examples', 'example', '$comment', 'externalDocs', 'xml', 'deprecated']);
/** Keywords that, added, constrain the value, and removed, free it; replaced, they change it both ways. */
const CONSTRAINTS = new Set(['const', 'format', 'contentEncoding']);

function limit(keyword: string, action: Action, before: unknown, after: unknown): Verdict {
  const upper = UPPER_LIMITS.has(keyword);
  const what = `${keyword} ${show(before)} → ${show(after)}`;
  if (action === 'add') return { effect: 'narrows', what: `${keyword} ${show(after)} added` };
  if (action === 'remove') return { effect: 'widens', what: `${keyword} ${show(before)} removed` };
  if (typeof before !== 'number' || typeof after !== 'number') return { effect: 'unknown', what };
  const tighter = upper ? after < before : after > before;
  return { effect: tighter ? 'narrows' : 'widens', what };
}

function asTypes(value: unknown): Set<string> {
  return new Set(Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)]);
}

/** Every value of type `inner` is a value of type `outer` (an integer is a number). */
const typeCovers = (outer: Set<string>, inner: string): boolean =>
  outer.has(inner) || (inner === 'integer' && outer.has('number'));

function compareSets<T>(before: T[], after: T[], covers: (set: T[], item: T) => boolean): Effect {
  const lost = before.some((item) => !covers(after, item));
  const gained = after.some((item) => !covers(before, item));
  return lost && gained ? 'incompatible' : lost ? 'narrows' : gained ? 'widens' : 'docs';
}

function typeChange(action: Action, before: unknown, after: unknown, indexed: boolean): Verdict {
  if (indexed) {
    // One entry of a `type` array: an added type accepts more, a removed one less.
    if (action === 'add') return { effect: 'widens', what: `type ${show(after)} added` };
    if (action === 'remove') return { effect: 'narrows', what: `type ${show(before)} removed` };
    return { effect: 'incompatible', what: `type ${show(before)} → ${show(after)}` };
  }
  if (action === 'add') return { effect: 'narrows', what: `type ${show(after)} added` };
  if (action === 'remove') return { effect: 'widens', what: `type ${show(before)} removed` };
  const [b, a] = [asTypes(before), asTypes(after)];
  const effect = compareSets([...b], [...a], (set, item) => typeCovers(new Set(set), item));
  return { effect, what: `type ${show(before)} → ${show(after)}` };
}

/** Media ranges as in `contentMediaType` or an `encoding` entry's comma-separated `contentType`. */
export function mediaTypes(value: unknown): string[] {
  return typeof value === 'string'
    ? value
        .split(',')
        .map((type) => type.trim().toLowerCase())
        .filter(Boolean)
    : [];
}

/** `image/*` covers `image/png`; `*\/*` covers everything. */
export function mediaCovered(ranges: string[], type: string): boolean {
  const [major] = type.split('/');
  return ranges.some(
    (range) => range === type || range === '*/*' || (range.endsWith('/*') && range.slice(0, -2) === major),
  );
}

export function mediaChange(before: unknown, after: unknown): Effect {
  return compareSets(mediaTypes(before), mediaTypes(after), mediaCovered);
}

function enumChange(action: Action, before: unknown, after: unknown, indexed: boolean): Verdict {
  if (indexed) {
    if (action === 'add') return { effect: 'widens', what: `enum value ${show(after)} added` };
    if (action === 'remove') return { effect: 'narrows', what: `enum value ${show(before)} removed` };
    return { effect: 'incompatible', what: `enum value ${show(before)} → ${show(after)}` };
  }
  if (action === 'add') return { effect: 'narrows', what: `enum ${show(after)} added` };
  if (action === 'remove') return { effect: 'widens', what: `enum ${show(before)} removed` };
  const [b, a] = [before, after].map((list) => (Array.isArray(list) ? list.map((item) => JSON.stringify(item)) : []));
  return {
    effect: compareSets(b!, a!, (set, item) => set.includes(item)),
    what: `enum ${show(before)} → ${show(after)}`,
  };
}

/** `additionalProperties`: absent, `true` or a schema let unnamed keys through; `false` refuses them. */
function additionalPropertiesChange(before: unknown, after: unknown): Verdict {
  const what = `additionalProperties ${show(before)} → ${show(after)}`;
  const [was, is] = [before !== false, after !== false];
  if (was && !is) return { effect: 'narrows', what };
  if (!was && is) return { effect: typeof after === 'object' ? 'unknown' : 'widens', what };
  return { effect: typeof before === 'object' || typeof after === 'object' ? 'unknown' : 'docs', what };
}

function multipleOfChange(action: Action, before: unknown, after: unknown): Verdict {
  const what = `multipleOf ${show(before)} → ${show(after)}`;
  if (action === 'add') return { effect: 'narrows', what };
  if (action === 'remove') return { effect: 'widens', what };
  if (typeof before !== 'number' || typeof after !== 'number') return { effect: 'unknown', what };
  // Multiples of 4 are all multiples of 2: a multipleOf that is a multiple of the old one accepts less.
  if (after % before === 0) return { effect: 'narrows', what };
  if (before % after === 0) return { effect: 'widens', what };
  return { effect: 'incompatible', what };
}

/**
 * The verdict on one keyword of a schema. `indexed` says the change is to one entry of an array-valued keyword
 * (`enum/2`, `type/1`, `oneOf/0`), whose before/after are that entry.
 */
export function keywordVerdict(
  keyword: string,
  action: Action,
  before: unknown,
  after: unknown,
  indexed: boolean,
): Verdict {
  if (DOCS.has(keyword))
    return {
      effect: 'docs',
      what: `${keyword} ${action === 'add' ? 'added' : action === 'remove' ? 'removed' : 'changed'}`,
    };
  if (UPPER_LIMITS.has(keyword) || LOWER_LIMITS.has(keyword)) return limit(keyword, action, before, after);
  if (keyword === 'type') return typeChange(action, before, after, indexed);
  if (keyword === 'enum') return enumChange(action, before, after, indexed);
  if (keyword === 'additionalProperties') return additionalPropertiesChange(before, after);
  if (keyword === 'multipleOf') return multipleOfChange(action, before, after);
  if (keyword === 'contentMediaType') {
    if (action === 'add') return { effect: 'narrows', what: `contentMediaType ${show(after)} added` };
    if (action === 'remove') return { effect: 'widens', what: `contentMediaType ${show(before)} removed` };
    return { effect: mediaChange(before, after), what: `contentMediaType ${show(before)} → ${show(after)}` };
  }
  if (CONSTRAINTS.has(keyword) || keyword === 'pattern' || keyword === 'uniqueItems' || keyword === 'items') {
    const what = `${keyword} ${show(before)} → ${show(after)}`;
    const adds = action === 'add' || (keyword === 'uniqueItems' && before !== true && after === true);
    const removes = action === 'remove' || (keyword === 'uniqueItems' && before === true && after !== true);
    if (adds) return { effect: 'narrows', what };
    if (removes) return { effect: 'widens', what };
    // A new pattern or a new items schema may accept more, less or both: only a person can tell.
    return { effect: keyword === 'pattern' || keyword === 'items' ? 'unknown' : 'incompatible', what };
  }
  if ((keyword === 'oneOf' || keyword === 'anyOf' || keyword === 'allOf') && indexed) {
    // One more alternative accepts more; one more allOf member demands more.
    const more = (action === 'add') === (keyword !== 'allOf');
    if (action === 'replace') return { effect: 'unknown', what: `a ${keyword} member changed` };
    return {
      effect: more ? 'widens' : 'narrows',
      what: `a ${keyword} member ${action === 'add' ? 'added' : 'removed'}`,
    };
  }
  if (keyword === 'nullable') {
    // OpenAPI 3.0's spelling of `type: [..., 'null']`.
    const allows = (value: unknown) => value === true;
    return {
      effect: allows(after) === allows(before) ? 'docs' : allows(after) ? 'widens' : 'narrows',
      what: `nullable ${show(before)} → ${show(after)}`,
    };
  }
  return {
    effect: 'unknown',
    what: `${keyword} ${action === 'add' ? `${show(after)} added` : action === 'remove' ? `${show(before)} removed` : `${show(before)} → ${show(after)}`}`,
  };
}
