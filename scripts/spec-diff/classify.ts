/**
 * One change found by api-smart-diff → changes as this project classifies them: who meets it (callers sending the
 * request, readers of the response), the path they know it by (`request.n`, `response.200.usage`), and a class.
 *
 * Direction decides: a request that accepts less breaks callers, a response that may carry more breaks readers.
 * A field removed breaks both (callers' requests are refused: every request object says `additionalProperties:
 * false`; readers lose what they read). Anything no rule covers is "unclassified", never silently passed.
 */
import { keywordVerdict, mediaChange, type Action, type Effect } from './schema-rules.ts';
import { locateInSchema, type Segment } from './schema-path.ts';

export type ChangeClass = 'breaking' | 'non-breaking' | 'unclassified';

export interface Change {
  class: ChangeClass;
  /** The changed path, as CHANGELOG.md names it. */
  path: string;
  what: string;
  why: string;
  /** Descriptions, examples, code samples: nothing on the wire changes. */
  docsOnly: boolean;
}

export interface FoundDiff {
  action: Action;
  path: Segment[];
  before?: unknown;
  after?: unknown;
}

type Side = 'request' | 'response';
type Lookup = (which: 'before' | 'after', segments: Segment[]) => unknown;

const WHY: Record<Side, Record<Effect, [ChangeClass, string]>> = {
  request: {
    narrows: ['breaking', 'tightened for callers: a request valid before may now be refused'],
    widens: ['non-breaking', 'loosened for callers: every request valid before stays valid'],
    incompatible: ['breaking', 'changed for callers: a request valid before may now be refused'],
    docs: ['non-breaking', 'documentation only'],
    unknown: ['unclassified', 'no rule covers this: review it by hand'],
  },
  response: {
    narrows: ['non-breaking', 'tightened for responses: readers get only what they already handle'],
    widens: ['breaking', 'loosened for responses: readers may get what they do not expect'],
    incompatible: ['breaking', 'changed for readers: a response read before may now differ'],
    docs: ['non-breaking', 'documentation only'],
    unknown: ['unclassified', 'no rule covers this: review it by hand'],
  },
};

const change = (cls: ChangeClass, path: string, what: string, why: string, docsOnly = false): Change => ({
  class: cls,
  path,
  what,
  why,
  docsOnly,
});
const byEffect = (side: Side, effect: Effect, path: string, what: string): Change => {
  const [cls, why] = WHY[side][effect];
  return change(cls, path, what, why, effect === 'docs');
};
const docs = (path: string, what: string): Change => change('non-breaking', path, what, 'documentation only', true);
const unclassified = (path: string, what: string): Change => change('unclassified', path, what, WHY.request.unknown[1]);
const verb = (action: Action): string =>
  ({ add: 'added', remove: 'removed', replace: 'changed', rename: 'renamed' })[action];
const names = (value: unknown): string[] =>
  Array.isArray(value) ? value.map(String) : value === undefined ? [] : [String(value)];

function schemaChanges(
  side: Side,
  base: string,
  d: FoundDiff,
  rest: Segment[],
  schemaAt: Segment[],
  lookup: Lookup,
): Change[] {
  const at = locateInSchema(rest);
  const field = base + at.field;
  if (at.keyword === 'property') {
    const path = `${field}.${at.name}`;
    if (d.action === 'remove')
      return [
        change(
          'breaking',
          path,
          'field removed',
          side === 'request' ? 'callers who send it are refused' : 'readers lose a field they may read',
        ),
      ];
    if (d.action === 'add') {
      // A reader who validated against `additionalProperties: false` refused this key before; otherwise extra keys
      // were already allowed and a new one only names what may come.
      const holder = lookup('before', [...schemaAt, ...at.holder]) as { additionalProperties?: unknown } | undefined;
      if (side === 'response' && holder?.additionalProperties === false)
        return [change('breaking', path, 'field added', 'readers refused unknown keys until now')];
      return [
        change(
          'non-breaking',
          path,
          'field added',
          side === 'request'
            ? 'callers may send it; nothing they send today changes'
            : 'readers ignore keys they do not know',
        ),
      ];
    }
    return [unclassified(path, 'field schema replaced')];
  }
  if (at.keyword === 'required') {
    // Each name in a `required` list is a field made (or no longer) required.
    const added = d.action === 'remove' ? [] : names(d.after);
    const removed = d.action === 'add' ? [] : names(d.before);
    return [
      ...added.map((name) => byEffect(side, 'narrows', `${field}.${name}`, 'made required')),
      ...removed.map((name) => byEffect(side, 'widens', `${field}.${name}`, 'no longer required')),
    ];
  }
  if (at.keyword === 'default') {
    if (side === 'response') return [docs(field, 'default changed')];
    return [
      unclassified(
        field,
        `default ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}: callers who leave it out get another value`,
      ),
    ];
  }
  if (at.keyword === 'schema') return [unclassified(field || base, `whole schema ${verb(d.action)}`)];
  // The library reports a whole new `enum: [a, b]` as its entries added one by one; classified as entries, that would
  // read as values added (wider) where the schema became narrower. Classify the whole keyword when the schema object
  // is there on the other side without it.
  let { indexed, before, after } = { indexed: at.indexed, before: d.before, after: d.after };
  if (indexed && d.action !== 'replace') {
    const arrayAt = d.path.slice(0, -1);
    const other = d.action === 'add' ? 'before' : 'after';
    const holder = lookup(other, arrayAt.slice(0, -1));
    if (holder !== null && typeof holder === 'object' && lookup(other, arrayAt) === undefined) {
      indexed = false;
      [before, after] =
        d.action === 'add' ? [undefined, lookup('after', arrayAt)] : [lookup('before', arrayAt), undefined];
    }
  }
  const verdict = keywordVerdict(at.keyword, d.action, before, after, indexed);
  return [byEffect(side, verdict.effect, field || base, verdict.what)];
}

/** `requestBody/...` of the operation. */
function requestChanges(d: FoundDiff, rest: Segment[], opAt: Segment[], lookup: Lookup): Change[] {
  const [, content, mediaType, part, ...inner] = rest;
  if (rest.length === 1) {
    if (d.action === 'remove')
      return [change('breaking', 'request', 'request body removed', 'callers who send one are refused')];
    const required = (d.after as { required?: boolean } | undefined)?.required === true;
    return [
      change(
        required ? 'breaking' : 'non-breaking',
        'request',
        'request body added',
        required ? 'callers must now send one' : 'optional',
      ),
    ];
  }
  if (rest[1] === 'required') {
    const now = d.after === true;
    return [
      change(
        now ? 'breaking' : 'non-breaking',
        'request',
        now ? 'request body made required' : 'request body made optional',
        now ? 'callers who send none are refused' : 'loosened for callers',
      ),
    ];
  }
  if (content !== 'content') return [docs('request', `request body ${String(rest[1])} ${verb(d.action)}`)];
  if (rest.length === 3)
    return [
      byEffect(
        'request',
        d.action === 'add' ? 'widens' : d.action === 'remove' ? 'narrows' : 'unknown',
        'request',
        `media type ${String(mediaType)} ${verb(d.action)}`,
      ),
    ];
  const mediaAt = [...opAt, 'requestBody', 'content', mediaType!];
  if (part === 'schema') return schemaChanges('request', 'request', d, inner, [...mediaAt, 'schema'], lookup);
  if (part === 'encoding') return encodingChanges(d, inner, mediaAt, lookup);
  return [docs('request', `${String(part)} ${verb(d.action)}`)];
}

/** The multipart `encoding` map: how each part travels (its Content-Type above all). */
function encodingChanges(d: FoundDiff, inner: Segment[], mediaAt: Segment[], lookup: Lookup): Change[] {
  if (inner.length === 0) return [unclassified('request', `encoding map ${verb(d.action)}`)];
  const [field, key] = inner;
  const path = `request.${String(field)}`;
  if (inner.length === 1) {
    // An entry dropped or added for an existing part changes its Content-Type to or from the default one.
    const existed = (which: 'before' | 'after') =>
      lookup(which, [...mediaAt, 'schema', 'properties', field!]) !== undefined;
    if (d.action === 'add' && !existed('before'))
      return [change('non-breaking', path, 'encoding added with the new field', 'a new part')];
    if (d.action === 'remove' && !existed('after'))
      return [change('breaking', path, 'encoding removed with the field', 'callers who send it are refused')];
    return [
      change('breaking', path, `encoding entry ${verb(d.action)}`, 'the part now travels with another Content-Type'),
    ];
  }
  if (key === 'contentType' && inner.length === 2) {
    const effect = d.action === 'replace' ? mediaChange(d.before, d.after) : 'incompatible';
    return [
      byEffect(
        'request',
        effect,
        path,
        `encoding contentType ${JSON.stringify(d.before)} → ${JSON.stringify(d.after)}`,
      ),
    ];
  }
  return [unclassified(path, `encoding ${inner.slice(1).join('/')} ${verb(d.action)}`)];
}

const isSuccess = (status: string) => /^2/.test(status) || status === 'default';

/** `responses/<status>/...` of the operation. */
function responseChanges(d: FoundDiff, rest: Segment[], opAt: Segment[], lookup: Lookup): Change[] {
  const status = String(rest[1]);
  const base = `response.${status}`;
  if (rest.length === 2) {
    if (d.action === 'remove' || d.action === 'rename')
      return [
        change('breaking', base, `status ${status} removed`, 'readers who handle it no longer get it as documented'),
      ];
    if (isSuccess(status))
      return [change('breaking', base, `status ${status} added`, 'readers may get a success they do not expect')];
    return [
      change(
        'non-breaking',
        base,
        `status ${status} added`,
        'an error status: readers already handle undocumented errors',
      ),
    ];
  }
  const [, , section, name, part, ...inner] = rest;
  if (section === 'content') {
    if (rest.length === 3) {
      // The whole content map: a response that gains or loses its body, one change per media type.
      const types = Object.keys(((d.action === 'add' ? d.after : d.before) as object | undefined) ?? {});
      return types.map((type) =>
        byEffect(
          'response',
          d.action === 'add' ? 'widens' : 'incompatible',
          base,
          `media type ${type} ${verb(d.action)}`,
        ),
      );
    }
    if (rest.length === 4)
      return [
        byEffect(
          'response',
          d.action === 'add' ? 'widens' : d.action === 'remove' ? 'incompatible' : 'unknown',
          base,
          `media type ${String(name)} ${verb(d.action)}`,
        ),
      ];
    if (part === 'schema')
      return schemaChanges(
        'response',
        base,
        d,
        inner,
        [...opAt, 'responses', status, 'content', name!, 'schema'],
        lookup,
      );
    return [docs(base, `${String(part)} ${verb(d.action)}`)];
  }
  if (section === 'headers') {
    if (rest.length === 3) {
      // The whole headers map: one change per header.
      const gone = Object.keys((d.before as object | undefined) ?? {});
      const come = Object.keys((d.after as object | undefined) ?? {});
      return [
        ...gone.map((h) =>
          change('breaking', `${base}.headers.${h}`, 'header removed', 'readers lose a header they may read'),
        ),
        ...come.map((h) => change('non-breaking', `${base}.headers.${h}`, 'header added', 'readers may ignore it')),
      ];
    }
    const path = `${base}.headers.${String(name)}`;
    if (rest.length === 4)
      return [
        d.action === 'add'
          ? change('non-breaking', path, 'header added', 'readers may ignore it')
          : change('breaking', path, `header ${verb(d.action)}`, 'readers lose a header they may read'),
      ];
    if (part === 'schema')
      return schemaChanges(
        'response',
        path,
        d,
        inner,
        [...opAt, 'responses', status, 'headers', name!, 'schema'],
        lookup,
      );
    if (part === 'required')
      return [
        byEffect(
          'response',
          d.after === true ? 'narrows' : 'widens',
          path,
          d.after === true ? 'made required' : 'no longer required',
        ),
      ];
    return [docs(path, `${String(part)} ${verb(d.action)}`)];
  }
  return [docs(base, `${String(section)} ${verb(d.action)}`)];
}

function parameterChanges(d: FoundDiff, rest: Segment[], paramAt: Segment[], lookup: Lookup): Change[] {
  const param = (lookup('before', paramAt) ?? lookup('after', paramAt)) as { in?: string; name?: string } | undefined;
  const path = `request.${param?.in ?? 'parameter'}.${param?.name ?? String(rest[1])}`;
  if (rest.length <= 2) {
    const required = (d.after as { required?: boolean } | undefined)?.required === true;
    if (d.action === 'add')
      return [
        change(
          required ? 'breaking' : 'non-breaking',
          path,
          'parameter added',
          required ? 'callers must now send it' : 'optional',
        ),
      ];
    return [change('breaking', path, `parameter ${verb(d.action)}`, 'callers who send it are refused or ignored')];
  }
  if (rest[2] === 'schema') return schemaChanges('request', path, d, rest.slice(3), [...paramAt, 'schema'], lookup);
  if (rest[2] === 'required')
    return [
      byEffect(
        'request',
        d.after === true ? 'narrows' : 'widens',
        path,
        d.after === true ? 'made required' : 'no longer required',
      ),
    ];
  if (rest[2] === 'description' || rest[2] === 'example' || rest[2] === 'examples' || rest[2] === 'deprecated')
    return [docs(path, `${String(rest[2])} ${verb(d.action)}`)];
  return [change('breaking', path, `parameter ${String(rest[2])} ${verb(d.action)}`, 'callers send it differently')];
}

const OPERATION_DOCS = new Set(['summary', 'description', 'tags', 'externalDocs', 'x-codeSamples', 'deprecated']);
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

function operationChanges(d: FoundDiff, lookup: Lookup): Change[] {
  const [, route, method, section, ...more] = d.path.map(String);
  const opName = `${String(method).toUpperCase()} ${route}`;
  if (d.path.length === 2)
    return [
      change(
        d.action === 'add' ? 'non-breaking' : 'breaking',
        String(route),
        `path ${verb(d.action)}`,
        d.action === 'add' ? 'a new endpoint' : 'callers of it are refused',
      ),
    ];
  if (!METHODS.has(String(method))) {
    if (method === 'parameters') return parameterChanges(d, d.path.slice(2), d.path.slice(0, 4), lookup);
    return [
      OPERATION_DOCS.has(String(method))
        ? docs(String(route), `${String(method)} ${verb(d.action)}`)
        : unclassified(String(route), `${String(method)} ${verb(d.action)}`),
    ];
  }
  if (d.path.length === 3)
    return [
      change(
        d.action === 'add' ? 'non-breaking' : 'breaking',
        opName,
        `operation ${verb(d.action)}`,
        d.action === 'add' ? 'a new operation' : 'callers of it are refused',
      ),
    ];
  const opAt = d.path.slice(0, 3);
  const rest = d.path.slice(3);
  if (section === 'requestBody') return requestChanges(d, rest, opAt, lookup);
  if (section === 'responses')
    return rest.length === 1
      ? [unclassified('response', `responses ${verb(d.action)}`)]
      : responseChanges(d, rest, opAt, lookup);
  if (section === 'parameters') return parameterChanges(d, rest, [...opAt, 'parameters', rest[1]!], lookup);
  if (section === 'security') return securityChange(d, more.length);
  if (section === 'x-max-response-bytes' && more.length === 0) {
    // The byte limit of every response of the operation: a limit on what readers receive.
    const verdict = keywordVerdict(section, d.action, d.before, d.after, false);
    return [byEffect('response', verdict.effect, 'response', verdict.what)];
  }
  if (OPERATION_DOCS.has(String(section))) return [docs(opName, `${String(section)} ${verb(d.action)}`)];
  // operationId names generated clients' methods; servers and callbacks change where or how: a person decides.
  return [unclassified(opName, `${String(section)} ${verb(d.action)}`)];
}

function securityChange(d: FoundDiff, depth: number): Change[] {
  // One more accepted requirement is one more way in; a removed or changed one may lock callers out.
  if (depth === 1 && d.action === 'add')
    return [
      change(
        'non-breaking',
        'security',
        'a security requirement added as an alternative',
        'callers may authenticate as before',
      ),
    ];
  return [change('breaking', 'security', `security ${verb(d.action)}`, 'callers may no longer authenticate as before')];
}

/** The changes one diff of the resolved documents means; [] for what no caller or reader can meet. */
export function classify(d: FoundDiff, lookup: Lookup): Change[] {
  const [top, second] = d.path.map(String);
  if (top === 'paths') return operationChanges(d, lookup);
  if (top === 'security') return securityChange(d, d.path.length - 1);
  if (top === 'components') {
    // Schemas, responses, headers count where the operation uses them (the diff of the resolved paths has them);
    // a security scheme is used by name, so a change to it reaches every caller.
    if (second !== 'securitySchemes') return [];
    const key = d.path[d.path.length - 1];
    if (key === 'description') return [docs('security', 'description changed')];
    return [
      change(
        'breaking',
        'security',
        `security scheme ${d.path.slice(2).join('/')} ${verb(d.action)}`,
        'callers may no longer authenticate as before',
      ),
    ];
  }
  if (top === 'servers') {
    // Where callers send requests, not what they send: a new host harms nobody, a host gone or moved is a
    // deployment question no rule here can settle.
    const [, index, key] = d.path;
    if (key === 'description') return [docs('servers', `server ${String(index)} description changed`)];
    if (d.path.length === 2 && d.action === 'add')
      return [
        change(
          'non-breaking',
          'servers',
          `server ${JSON.stringify((d.after as { url?: string } | undefined)?.url)} added`,
          'one more place to call',
        ),
      ];
  }
  if (top === 'info' || top === 'tags' || top === 'externalDocs')
    return [docs(top, `${d.path.slice(1).join('/') || top} ${verb(d.action)}`)];
  // The options of the mock's data generator: what the mock makes up, not what the API does.
  if (top === 'x-json-schema-faker')
    return [change('non-breaking', top, `${verb(d.action)}`, "the mock's generated responses only")];
  return [unclassified(String(top), `${d.path.slice(1).join('/') || top} ${verb(d.action)}`)];
}
