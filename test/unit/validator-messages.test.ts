/**
 * The generated validators are compiled without messages (smaller browser bundle: scripts/generate/validators.ts), so
 * every issue is worded from keyword and params (src/contract/issues.ts). This holds the wording to ajv's own: the
 * same schemas compiled by ajv with its messages on must report the same failures, with the same words, for the
 * property tests' invalid requests and for responses broken at every field of the spec's 200 example.
 */
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  validateEditFields,
  validateImageEditResponse,
  type ValidationIssue,
  type Validator,
} from '../../generated/validators.js';
import { loadSpec } from '../../scripts/generate/openapi-document.js';
import { validatorSchemas } from '../../scripts/generate/validators.js';
import { ajvWording } from '../../src/contract/issues.js';
import { caseSources } from '../property/cases.js';
import { responses } from '../support/spec.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * The same schemas compiled by ajv at run time: with its messages, or (`asGenerated`) with the generator's options
 * (no messages; a $ref a function of its own, so schema paths are relative to the referenced schema).
 */
async function referenceValidators(asGenerated = false) {
  const schemas = validatorSchemas(await loadSpec(path.join(root, 'spec/openapi.yaml')));
  const ajv = new Ajv({
    strict: true,
    allErrors: true,
    ...(asGenerated ? { messages: false, inlineRefs: false } : {}),
  });
  addFormats.default(ajv);
  ajv.addSchema(schemas.document);
  return {
    fields: ajv.getSchema(schemas.exports.validateEditFields)!,
    response: ajv.getSchema(schemas.exports.validateImageEditResponse)!,
    fileFields: schemas.fileFields,
  };
}

/** Each failure as "path keyword: words"; the generated validator's words come from ajvWording. */
function failures(validate: Validator<unknown>, data: unknown, words: (error: ValidationIssue) => string): string[] {
  validate(data);
  return (validate.errors ?? []).map((error) => `${error.instancePath} ${error.keyword}: ${words(error)}`).sort();
}

/** The 200 example broken at every leaf (a value of the wrong kind) and without each key. */
function brokenResponses(value: unknown, at: (v: unknown) => unknown = (v) => v): unknown[] {
  if (value === null || typeof value !== 'object') return [at({ wrong: true }), at(-1), at('x')];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value);
  return entries.flatMap(([key, child]) => {
    const put = (v: unknown) =>
      at(Array.isArray(value) ? value.map((c, i) => (i === key ? v : c)) : { ...value, [key]: v });
    const without = Array.isArray(value) ? [] : [at(Object.fromEntries(entries.filter(([k]) => k !== key)))];
    return [...without, ...brokenResponses(child, put)];
  });
}

/** Each failure whole, as JSON, in a stable order. */
function failureObjects(validate: Validator<unknown>, data: unknown): string[] {
  validate(data);
  return (validate.errors ?? []).map((error) => JSON.stringify(error)).sort();
}

/** The property tests' requests (their non-file fields) and the 200 example broken at every field. */
async function sampleInputs(fileFields: readonly string[]): Promise<{ requests: unknown[]; responses: unknown[] }> {
  const requests = caseSources()
    .flatMap((source) => fc.sample(source.arb, { numRuns: 3, seed: 7 }))
    .filter((testCase) => testCase.kind === 'object')
    .map((testCase) =>
      Object.fromEntries(Object.entries(testCase.request).filter(([name]) => !fileFields.includes(name))),
    );
  const example = Object.values(responses['200']!.content['application/json']!.examples)[0]!.value;
  return { requests, responses: brokenResponses(example) };
}

describe('the generated validators, rewritten for size (scripts/generate/validators.ts), fail as ajv does', () => {
  it('with the same failure objects, field for field, as ajv compiling the same schemas at run time', async () => {
    const reference = await referenceValidators(true);
    const inputs = await sampleInputs(reference.fileFields);
    for (const fields of inputs.requests)
      expect(failureObjects(validateEditFields, fields)).toEqual(
        failureObjects(reference.fields as Validator<unknown>, fields),
      );
    for (const body of inputs.responses)
      expect(failureObjects(validateImageEditResponse, body)).toEqual(
        failureObjects(reference.response as Validator<unknown>, body),
      );
  });
});

describe('issues worded from keyword and params read as ajv words them', () => {
  it('for the property tests’ requests, valid and invalid', async () => {
    const reference = await referenceValidators();
    const requests = caseSources().flatMap((source) => fc.sample(source.arb, { numRuns: 3, seed: 7 }));
    let failing = 0;
    for (const testCase of requests) {
      if (testCase.kind !== 'object') continue;
      const fields = Object.fromEntries(
        Object.entries(testCase.request).filter(([name]) => !reference.fileFields.includes(name)),
      );
      const ours = failures(validateEditFields, fields, ajvWording);
      expect(ours).toEqual(failures(reference.fields as Validator<unknown>, fields, (error) => error.message ?? ''));
      if (ours.length > 0) failing++;
    }
    expect(failing).toBeGreaterThan(20);
  });

  it('for responses broken at every field of the spec’s 200 example', async () => {
    const reference = await referenceValidators();
    const example = Object.values(responses['200']!.content['application/json']!.examples)[0]!.value;
    const broken = brokenResponses(example);
    expect(broken.length).toBeGreaterThan(10);
    for (const body of broken) {
      expect(failures(validateImageEditResponse, body, ajvWording)).toEqual(
        failures(reference.response as Validator<unknown>, body, (error) => error.message ?? ''),
      );
    }
  });
});
