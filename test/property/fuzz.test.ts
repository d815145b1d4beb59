/**
 * Fuzz: the generated validators, the pre-flight check, the multipart serializer and the wire decoder fed
 * arbitrary values. None may throw anything but its typed result: a boolean from a validator, a PreparedRequest or
 * a RequestValidationError from prepareRequest, a body that reads back as what was checked from encodeMultipart,
 * and { fields, issues } from decodeTextParts.
 *
 * FC_SEED=<seed> reproduces a run (printed on every run).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { validateEditFields, validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { RequestValidationError } from '../../src/client/errors.js';
import { encodeMultipart } from '../../src/client/multipart.js';
import { prepareRequest } from '../../src/client/request.js';
import { decodeTextParts } from '../../src/contract/decode-parts.js';
import { fieldNames, validArb, requestSchema } from './schema-arbitraries.js';
import { readMultipart } from '../support/multipart-reader.js';
import { readWire, removeImageFiles, validImageArb, validImageValueArb } from './wire.js';

const seed = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2 ** 31;
const params = { seed, numRuns: 400 };

/** Everything fast-check can make: prototypes, BigInt, Dates, Maps, Sets, typed and sparse arrays, boxed values. */
const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withObjectString: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 3,
});

/** Names a part or key may have: the spec's fields, Object.prototype's own names, and any string. */
const nameArb = fc.oneof(
  fc.constantFrom(...Object.keys(wireContract.fields), `${imageField.name}[]`),
  fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)),
  fc.string({ maxLength: 12 }),
);

/** A request whose every field is valid, or anything at all, or missing: deep enough to reach every check. */
const nearlyValidRequest = fc
  .tuple(
    fc.record(
      Object.fromEntries(
        fieldNames.map((name) => [
          name,
          fc.oneof(
            { weight: 20, arbitrary: validArb(requestSchema.properties![name]!) },
            { weight: 1, arbitrary: anything },
          ),
        ]),
      ),
    ),
    fc.oneof(
      { weight: 8, arbitrary: validImageValueArb },
      { weight: 1, arbitrary: anything },
      { weight: 1, arbitrary: fc.array(fc.oneof(validImageArb, anything), { maxLength: 4 }) },
    ),
    fc.option(fc.dictionary(nameArb, anything, { maxKeys: 2 }), { nil: {}, freq: 3 }),
  )
  .map(([fields, image, extra]) => ({ ...extra, ...fields, [imageField.name]: image }));

afterAll(() => removeImageFiles());

describe('fuzz', () => {
  it('the generated validators return a boolean for any value', () => {
    console.log(`[fuzz] seed ${seed} (reproduce with FC_SEED=${seed})`);
    for (const validator of [validateEditFields, validateImageEditResponse, validateErrorResponse]) {
      fc.assert(
        fc.property(anything, (value) => {
          const result = validator(value);
          expect(typeof result).toBe('boolean');
          if (result) expect(validator.errors ?? null).toBeNull();
          else expect(validator.errors?.length).toBeGreaterThan(0);
        }),
        params,
      );
    }
  });

  it('prepareRequest resolves or throws RequestValidationError, whatever it is given', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(anything, nearlyValidRequest), async (request) => {
        try {
          await prepareRequest(request);
        } catch (error) {
          if (!(error instanceof RequestValidationError))
            throw new Error(`prepareRequest threw ${(error as Error)?.name}: ${(error as Error)?.message}`);
          expect(error.issues.length).toBeGreaterThan(0);
          for (const issue of error.issues)
            expect(typeof issue.field === 'string' && typeof issue.message === 'string').toBe(true);
        }
      }),
      params,
    );
  });

  it('whatever passes prepareRequest, encodeMultipart writes and the spec reading accepts unchanged', {
    timeout: 120_000,
  }, async () => {
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(nearlyValidRequest, async (request) => {
        let prepared;
        try {
          prepared = await prepareRequest(request);
        } catch {
          return; // refused: what it throws is the previous property's business
        }
        accepted++;
        const { body, contentType, length } = encodeMultipart(prepared.fields, prepared.images);
        expect(length).toBe(body.size);
        const reading = await readWire(body, contentType);
        expect(reading.issues).toEqual([]);
        const sent = Object.fromEntries(Object.entries(prepared.fields).filter(([, value]) => value !== null));
        expect(reading.fields).toEqual(JSON.parse(JSON.stringify(sent)));
        expect(reading.files.map((file) => file.size)).toEqual(prepared.images.map((image) => image.size));
      }),
      params,
    );
    console.log(
      `[fuzz] encodeMultipart: ${accepted} of ${params.numRuns} nearly-valid requests passed the check and read back unchanged`,
    );
    expect(accepted).toBeGreaterThan(0);
  });

  it('encodeMultipart writes any JSON-compatible field values once each, exactly, as multipart busboy reads back', {
    timeout: 120_000,
  }, async () => {
    const textOrJsonField = fc.constantFrom(
      ...Object.keys(wireContract.fields).filter((name) => wireContract.fields[name]!.part !== 'file'),
    );
    // Filenames without control characters or backslashes: those are the conformance test's own sites.
    const filename = fc
      .string({ unit: 'grapheme', minLength: 1, maxLength: 12 })
      .filter((name) => !/[\u0000-\u001f\u007f\\]/.test(name));
    const image = fc
      .record({ filename, bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) })
      .map(({ filename, bytes }) => ({
        filename,
        contentType: imageField.limits.mediaTypes[0]!,
        size: bytes.length,
        blob: new Blob([bytes as Uint8Array<ArrayBuffer>]),
      }));
    await fc.assert(
      fc.asyncProperty(
        fc.dictionary(
          textOrJsonField,
          fc.oneof(fc.string({ unit: 'grapheme', maxLength: 30 }), fc.jsonValue({ maxDepth: 3 }), fc.constant(null)),
        ),
        fc.array(image, { maxLength: 3 }),
        async (fields, images) => {
          const { body, contentType, length } = encodeMultipart(fields, images);
          expect(length).toBe(body.size);
          const { parts, error } = await readMultipart(body, contentType);
          expect(error).toBeUndefined();
          for (const [name, value] of Object.entries(fields)) {
            const written = parts.filter((part) => part.name === name);
            if (value === null) {
              expect(written).toHaveLength(0);
              continue;
            }
            expect(written).toHaveLength(1);
            const json = wireContract.fields[name]!.part === 'json';
            // A text part given an object (outside what prepareRequest returns) is written as JSON, never as String().
            expect(written[0]!.value).toBe(json || typeof value === 'object' ? JSON.stringify(value) : String(value));
          }
          const files = parts.filter((part) => part.filename !== undefined);
          expect(files.map((file) => file.size)).toEqual(images.map((i) => i.size));
          expect(files.every((file) => file.name === imageField.name)).toBe(true);
        },
      ),
      // Found by this property (seed 757457646): an object whose own toString is not a function, in a text part.
      { ...params, examples: [[{ model: { toString: '' } }, []]] },
    );
  });

  it('decodeTextParts returns { fields, issues } for any parts, and never touches a prototype', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record(
            {
              name: nameArb,
              value: fc.oneof(
                fc.string(),
                fc.json(),
                fc.constantFrom('1', '1e3', '-0', ' 7 ', 'NaN', 'null', '{', '[]'),
              ),
              contentType: fc.option(fc.string(), { nil: undefined }),
            },
            { requiredKeys: ['name', 'value'] },
          ),
          { maxLength: 8 },
        ),
        (parts) => {
          const result = decodeTextParts(parts);
          expect(Array.isArray(result.issues)).toBe(true);
          expect(typeof result.fields).toBe('object');
          expect(
            Object.getPrototypeOf(result.fields) === Object.prototype || Object.getPrototypeOf(result.fields) === null,
          ).toBe(true);
          expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
          expect(typeof validateEditFields(result.fields)).toBe('boolean');
        },
      ),
      params,
    );
  });
});
