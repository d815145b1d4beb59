/**
 * One edit of the real spec per rule of `npm run spec:diff`, with the class it must get: each kind of breaking change
 * (for callers of the request and for readers of the response), each kind of non-breaking one, and the changes no
 * rule can classify. The edits are applied to a copy of spec/openapi.yaml, read by the generator's own loader.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSpec, type LoadedSpec } from '../../scripts/generate/openapi-document.ts';
import { compareSpecs, type ChangeClass } from '../../scripts/spec-diff/compare.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const specPath = path.join(root, 'spec/openapi.yaml');

type Doc = any;
type Edit = (doc: Doc) => void;
const op = (d: Doc) => d.paths['/v2/router/images/edits'].post;
const fields = (d: Doc) => d.components.schemas.CreateImageEditRequest;
const responseSchema = (d: Doc) => d.components.schemas.ImageEditResponse;
const encoding = (d: Doc) => op(d).requestBody.content['multipart/form-data'].encoding;
const imageArray = (d: Doc) => fields(d).properties.image.oneOf[1];

interface Rule {
  rule: string;
  edit: Edit;
  /** An edit of the earlier version too, when the rule needs something the real spec does not have. */
  earlier?: Edit;
  expected: ChangeClass | 'documentation';
  path: string;
}

const rules: Rule[] = [
  // Breaking for callers: a request valid before may be refused.
  {
    rule: 'images: maxItems lowered',
    edit: (d) => (imageArray(d).maxItems = 8),
    expected: 'breaking',
    path: 'request.image',
  },
  {
    rule: 'images: minItems raised',
    edit: (d) => (imageArray(d).minItems = 2),
    expected: 'breaking',
    path: 'request.image',
  },
  {
    rule: 'x-max-file-bytes lowered',
    edit: (d) => (d.components.schemas.ImageFile['x-max-file-bytes'] = 1_048_576),
    expected: 'breaking',
    path: 'request.image[]',
  },
  {
    rule: 'maximum lowered',
    edit: (d) => (fields(d).properties.n.maximum = 4),
    expected: 'breaking',
    path: 'request.n',
  },
  {
    rule: 'minimum raised (in a JSON part)',
    edit: (d) => (d.components.schemas.CacheConfig.properties.ttl.minimum = 60),
    expected: 'breaking',
    path: 'request.cache.ttl',
  },
  {
    rule: 'maxLength added',
    edit: (d) => (fields(d).properties.prompt.maxLength = 1000),
    expected: 'breaking',
    path: 'request.prompt',
  },
  {
    rule: 'enum narrowed',
    edit: (d) => fields(d).properties.quality.enum.splice(fields(d).properties.quality.enum.indexOf('standard'), 1),
    expected: 'breaking',
    path: 'request.quality',
  },
  {
    rule: 'field made required',
    edit: (d) => fields(d).required.push('user'),
    expected: 'breaking',
    path: 'request.user',
  },
  {
    rule: 'field with a default made required',
    edit: (d) => fields(d).required.push('n'),
    expected: 'breaking',
    path: 'request.n',
  },
  { rule: 'field removed', edit: (d) => delete fields(d).properties.name, expected: 'breaking', path: 'request.name' },
  {
    rule: 'null no longer accepted',
    edit: (d) => (fields(d).properties.n.type = 'integer'),
    expected: 'breaking',
    path: 'request.n',
  },
  {
    rule: 'type changed',
    edit: (d) => (d.components.schemas.TimeoutConfig.properties.call_timeout.type = 'string'),
    expected: 'breaking',
    path: 'request.timeout.call_timeout',
  },
  {
    rule: 'contentMediaType added to the image',
    edit: (d) => (d.components.schemas.ImageFile.contentMediaType = 'image/png'),
    expected: 'breaking',
    path: 'request.image',
  },
  {
    rule: 'encoding content type of a JSON part changed',
    edit: (d) => (encoding(d).retry.contentType = 'text/plain'),
    expected: 'breaking',
    path: 'request.retry',
  },
  {
    rule: 'encoding content types of the image narrowed',
    edit: (d) => (encoding(d).image.contentType = 'image/png, image/jpeg'),
    expected: 'breaking',
    path: 'request.image',
  },
  {
    rule: 'encoding entry dropped for an existing part',
    edit: (d) => delete encoding(d).orq,
    expected: 'breaking',
    path: 'request.orq',
  },
  {
    rule: 'request media type removed',
    earlier: (d) => {
      const c = op(d).requestBody.content;
      c['application/x-www-form-urlencoded'] = structuredClone(c['multipart/form-data']);
    },
    edit: (d) => delete op(d).requestBody.content['multipart/form-data'],
    expected: 'breaking',
    path: 'request',
  },
  {
    rule: 'security scheme changed',
    edit: (d) => (d.components.securitySchemes.bearerAuth.scheme = 'basic'),
    expected: 'breaking',
    path: 'security',
  },
  // Breaking for readers: a response may carry what they do not expect, or lack what they read.
  {
    rule: 'response field removed',
    edit: (d) => delete responseSchema(d).properties.size,
    expected: 'breaking',
    path: 'response.200.size',
  },
  {
    rule: 'response field retyped',
    edit: (d) => (responseSchema(d).properties.created.type = 'string'),
    expected: 'breaking',
    path: 'response.200.created',
  },
  {
    rule: 'response field no longer required',
    edit: (d) => d.components.schemas.ImageUsage.required.pop(),
    expected: 'breaking',
    path: 'response.200.usage.input_tokens_details',
  },
  {
    rule: 'response enum widened',
    earlier: (d) => (responseSchema(d).properties.output_format.enum = ['png', 'webp']),
    edit: (d) => (responseSchema(d).properties.output_format.enum = ['png', 'webp', 'jpeg']),
    expected: 'breaking',
    path: 'response.200.output_format',
  },
  {
    rule: 'x-max-image-bytes raised (response images)',
    edit: (d) => (d.components.schemas.ImageData['x-max-image-bytes'] = 104_857_600),
    expected: 'breaking',
    path: 'response.200.data[]',
  },
  {
    rule: 'x-max-response-bytes raised (every response)',
    edit: (d) => (op(d)['x-max-response-bytes'] *= 2),
    expected: 'breaking',
    path: 'response',
  },
  {
    rule: 'response limit loosened',
    edit: (d) => (d.components.schemas.ImageUsage.properties.total_tokens.minimum = -1),
    expected: 'breaking',
    path: 'response.200.usage.total_tokens',
  },
  {
    rule: 'response field added where extra keys were refused',
    earlier: (d) => (responseSchema(d).additionalProperties = false),
    edit: (d) => {
      responseSchema(d).additionalProperties = false;
      responseSchema(d).properties.revised_prompt = { type: 'string' };
    },
    expected: 'breaking',
    path: 'response.200.revised_prompt',
  },
  { rule: 'status removed', edit: (d) => delete op(d).responses['413'], expected: 'breaking', path: 'response.413' },
  {
    rule: 'success status added',
    edit: (d) => (op(d).responses['202'] = op(d).responses['200']),
    expected: 'breaking',
    path: 'response.202',
  },
  {
    rule: 'response media type removed',
    edit: (d) => {
      const c = op(d).responses['200'].content;
      c['application/problem+json'] = c['application/json'];
      delete c['application/json'];
    },
    expected: 'breaking',
    path: 'response.200',
  },
  {
    rule: 'response body removed',
    edit: (d) => delete d.components.responses.PayloadTooLarge.content,
    expected: 'breaking',
    path: 'response.413',
  },
  {
    rule: 'response header removed',
    edit: (d) => delete d.components.responses.TooManyRequests.headers,
    expected: 'breaking',
    path: 'response.429.headers.Retry-After',
  },
  // Non-breaking: wider for callers, narrower for readers, or documentation.
  {
    rule: 'images: maxItems raised',
    edit: (d) => (imageArray(d).maxItems = 20),
    expected: 'non-breaking',
    path: 'request.image',
  },
  {
    rule: 'x-max-file-bytes raised',
    edit: (d) => (d.components.schemas.ImageFile['x-max-file-bytes'] = 104_857_600),
    expected: 'non-breaking',
    path: 'request.image',
  },
  {
    rule: 'maximum raised',
    edit: (d) => (fields(d).properties.n.maximum = 16),
    expected: 'non-breaking',
    path: 'request.n',
  },
  {
    rule: 'enum widened',
    edit: (d) => fields(d).properties.quality.enum.push('ultra'),
    expected: 'non-breaking',
    path: 'request.quality',
  },
  {
    rule: 'field no longer required',
    edit: (d) => (fields(d).required = ['model', 'image']),
    expected: 'non-breaking',
    path: 'request.prompt',
  },
  {
    rule: 'optional field added',
    edit: (d) => (fields(d).properties.style = { type: 'string' }),
    expected: 'non-breaking',
    path: 'request.style',
  },
  {
    rule: 'integer widened to number',
    edit: (d) => (d.components.schemas.TimeoutConfig.properties.call_timeout.type = 'number'),
    expected: 'non-breaking',
    path: 'request.timeout.call_timeout',
  },
  {
    rule: 'encoding content types widened',
    edit: (d) => (encoding(d).retry.contentType = 'application/json, text/plain'),
    expected: 'non-breaking',
    path: 'request.retry',
  },
  {
    rule: 'request media type added',
    edit: (d) => {
      const c = op(d).requestBody.content;
      c['application/x-www-form-urlencoded'] = structuredClone(c['multipart/form-data']);
    },
    expected: 'non-breaking',
    path: 'request',
  },
  {
    rule: 'response field added',
    edit: (d) => (responseSchema(d).properties.revised_prompt = { type: 'string' }),
    expected: 'non-breaking',
    path: 'response.200.revised_prompt',
  },
  {
    rule: 'response field made required',
    edit: (d) => responseSchema(d).required.push('output_format'),
    expected: 'non-breaking',
    path: 'response.200.output_format',
  },
  {
    rule: 'response enum added (narrower)',
    edit: (d) => (responseSchema(d).properties.output_format.enum = ['png', 'webp', 'jpeg']),
    expected: 'non-breaking',
    path: 'response.200.output_format',
  },
  {
    rule: 'error status added',
    edit: (d) => (op(d).responses['409'] = op(d).responses['400']),
    expected: 'non-breaking',
    path: 'response.409',
  },
  {
    rule: 'response header added',
    edit: (d) => (op(d).responses['200'].headers = { 'X-Request-Id': { schema: { type: 'string' } } }),
    expected: 'non-breaking',
    path: 'response.200.headers.X-Request-Id',
  },
  {
    rule: 'server added',
    edit: (d) => d.servers.push({ url: 'https://eu.api.orq.ai' }),
    expected: 'non-breaking',
    path: 'servers',
  },
  {
    rule: "the mock generator's options",
    edit: (d) => (d['x-json-schema-faker']['use-examples-value'] = false),
    expected: 'non-breaking',
    path: 'x-json-schema-faker',
  },
  {
    rule: 'description, example and code sample changed',
    edit: (d) => {
      fields(d).properties.user.description = 'Who asked.';
      op(d)['x-codeSamples'].pop();
      op(d).responses['200'].content['application/json'].examples.url.value.created = 1;
    },
    expected: 'documentation',
    path: 'request.user',
  },
  // Unclassified: no rule can tell the direction, or it is not a question of the schema.
  {
    rule: 'pattern replaced',
    edit: (d) => (d.components.headers.RetryAfter.schema.pattern = '^[0-9]{1,4}$'),
    expected: 'unclassified',
    path: 'response.429.headers.Retry-After',
  },
  {
    rule: 'default changed',
    edit: (d) => (d.components.schemas.CacheConfig.properties.ttl.default = 600),
    expected: 'unclassified',
    path: 'request.cache.ttl',
  },
  {
    rule: 'server URL changed',
    edit: (d) => (d.servers[0].url = 'https://api.orq.example'),
    expected: 'unclassified',
    path: 'servers',
  },
  {
    rule: 'an unknown extension on a field',
    edit: (d) => (fields(d).properties.prompt['x-max-tokens'] = 4000),
    expected: 'unclassified',
    path: 'request.prompt',
  },
];

describe('spec:diff classifies each kind of change to spec/openapi.yaml', () => {
  const source = parse(readFileSync(specPath, 'utf8')) as Doc;
  let scratch: string;
  let real: LoadedSpec;
  let serial = 0;

  async function load(edit?: Edit): Promise<LoadedSpec> {
    if (!edit) return real;
    const copy = structuredClone(source);
    edit(copy);
    const file = path.join(scratch, `spec-${++serial}.yaml`);
    writeFileSync(file, stringify(copy));
    return loadSpec(file);
  }

  beforeAll(async () => {
    scratch = mkdtempSync(path.join(tmpdir(), 'spec-diff-rules-'));
    real = await loadSpec(specPath);
  });
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds no change between the spec and itself', async () => {
    expect(compareSpecs(real, await loadSpec(specPath))).toEqual([]);
  });

  it.each(rules)('$rule → $expected ($path)', async ({ edit, earlier, expected, path: changed }) => {
    const [before, after] = await Promise.all([
      load(earlier),
      load((d) => {
        earlier?.(d);
        edit(d);
      }),
    ]);
    const changes = compareSpecs(before, after);
    if (expected === 'documentation') {
      expect(changes.length).toBeGreaterThan(0);
      expect(changes.filter((change) => !change.docsOnly)).toEqual([]);
      expect(changes.map((change) => change.path)).toContain(changed);
      return;
    }
    const onTheWire = changes.filter((change) => !change.docsOnly);
    expect(onTheWire.map((change) => change.path)).toContain(changed);
    // Every change the edit makes gets the same class: nothing milder hides beside the expected one.
    expect(onTheWire.filter((change) => change.class !== expected)).toEqual([]);
  });
});
