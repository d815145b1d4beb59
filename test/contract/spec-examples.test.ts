/** Every named example in the spec passes the generated validators: the spec's own examples keep the spec. */
import { describe, expect, it } from 'vitest';
import { validateEditFields, validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField } from '../../src/contract/spec.js';
import { sniffImageType } from '../../src/contract/images.js';
import { requestExamples, responses } from '../support/spec.js';

describe('request examples', () => {
  it.each(Object.entries(requestExamples))('%s: its fields pass validateEditFields', (_name, example) => {
    const { [imageField.name]: images, ...fields } = example.value;
    expect(images, 'every request example names its images').toBeDefined();
    expect(validateEditFields(fields), JSON.stringify(validateEditFields.errors)).toBe(true);
  });
});

describe('response examples', () => {
  const all = Object.entries(responses).flatMap(([status, response]) =>
    Object.entries(response.content?.['application/json']?.examples ?? {}).map(([name, example]) => ({
      status,
      name,
      value: example.value,
    })),
  );

  it('documents 200 and every error status Orq documents, plus 413', () => {
    expect(Object.keys(responses).sort()).toEqual([
      '200',
      '400',
      '401',
      '402',
      '403',
      '404',
      '408',
      '413',
      '422',
      '429',
      '500',
      '501',
      '502',
      '503',
      '504',
    ]);
    for (const [status, response] of Object.entries(responses)) {
      expect(
        Object.keys(response.content['application/json']!.examples).length,
        `${status} has an example`,
      ).toBeGreaterThan(0);
    }
  });

  it.each(all)('$status $name passes its validator', ({ status, value }) => {
    const validator = status === '200' ? validateImageEditResponse : validateErrorResponse;
    expect(validator(value), JSON.stringify(validator.errors)).toBe(true);
  });

  it('the b64_json example is a real PNG that decodes to its stated size', () => {
    const example = responses['200']!.content['application/json']!.examples['b64_png']!.value as {
      data: { b64_json: string }[];
      size: string;
    };
    const bytes = Buffer.from(example.data[0]!.b64_json, 'base64');
    expect(sniffImageType(bytes)).toBe('image/png');
    expect(`${bytes.readUInt32BE(16)}x${bytes.readUInt32BE(20)}`).toBe(example.size);
  });

  it('429 and 503 declare an optional Retry-After header', () => {
    for (const status of ['429', '503']) expect(Object.keys(responses[status]!.headers ?? {})).toContain('Retry-After');
  });
});
