/**
 * The mock responds as the spec says: every named request example (sent the way each kind of client sends it) gets a
 * 200 whose body passes the generated response validator, `Prefer` picks each named 200 example and each
 * documented status, and the headers a status declares are there and match their schema.
 */
import { describe, expect, it } from 'vitest';
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { sniffImageType } from '../../src/contract/images.js';
import { startMock } from '../../src/mock/index.js';
import { requestExamples, responses } from '../support/spec.js';
import { AUTH, endpoint, exampleParts, minimalParts, post, postParts, requestSchema } from './support.js';

const wireStyles = [
  { style: 'JSON parts with Content-Type: application/json (this client, Orq Python SDK)', options: {} },
  { style: 'JSON parts as plain text parts (Orq Node SDK)', options: { jsonContentType: false } },
  { style: 'images as image[] parts (OpenAI-compatible clients)', options: { imageName: `${imageField.name}[]` } },
] as const;

describe('named request examples', () => {
  const cases = Object.entries(requestExamples).flatMap(([name, example]) =>
    wireStyles.map(({ style, options }) => ({ name, style, value: example.value, options })),
  );

  it.each(cases)('$name, $style: 200 with a body the spec describes', async ({ value, options }) => {
    const response = await postParts(exampleParts(value, options));
    expect(response.status, response.text).toBe(200);
    expect(validateImageEditResponse(response.body), JSON.stringify(validateImageEditResponse.errors)).toBe(true);
  });

  it('the same examples sent as a native FormData (what fetch and browsers build) get 200', async () => {
    for (const example of Object.values(requestExamples)) {
      const form = new FormData();
      for (const part of exampleParts(example.value)) {
        if (part.filename !== undefined)
          form.append(
            part.name,
            new Blob([new Uint8Array(Buffer.from(part.value))], { type: part.contentType }),
            part.filename,
          );
        else form.append(part.name, String(part.value));
      }
      const response = await post(form, AUTH);
      expect(response.status, response.text).toBe(200);
    }
  });

  it('responds with the 200 example whose images come back the way response_format asks', async () => {
    for (const format of requestSchema('response_format').enum as string[]) {
      const response = await postParts([...minimalParts(), { name: 'response_format', value: format }]);
      expect(response.status, response.text).toBe(200);
      for (const item of response.body.data) expect(Object.keys(item)).toContain(format);
    }
  });
});

describe('Prefer: example=<name> picks each named 200 example', () => {
  const examples = Object.entries(responses['200']!.content['application/json']!.examples);
  it.each(examples)('%s', async (name, example) => {
    const response = await postParts(minimalParts(), { ...AUTH, Prefer: `example=${name}` });
    expect(response.status).toBe(200);
    expect(response.body).toEqual(example.value);
    expect(validateImageEditResponse(response.body)).toBe(true);
  });
});

describe('Prefer: code=<status> returns each documented error status', () => {
  const statuses = Object.keys(responses).filter((status) => status !== '200');

  it.each(statuses)(
    '%s: a body valid under validateErrorResponse, and the headers the status declares',
    async (status) => {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: `code=${status}` });
      expect(response.status).toBe(Number(status));
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(validateErrorResponse(response.body), JSON.stringify(validateErrorResponse.errors)).toBe(true);
      const examples = Object.values(responses[status]!.content['application/json']!.examples).map(
        (example) => example.value,
      );
      expect(examples).toContainEqual(response.body);
      for (const [name, header] of Object.entries(responses[status]!.headers ?? {})) {
        const value = response.headers.get(name);
        expect(value, `${status} declares ${name}`).not.toBeNull();
        const schema = header.schema;
        if (schema?.pattern) expect(value).toMatch(new RegExp(schema.pattern));
        // A page on another origin can read it.
        expect(response.headers.get('access-control-expose-headers')?.toLowerCase()).toContain(name.toLowerCase());
      }
    },
  );

  it('Prefer: code= with example= picks a named example of that status', async () => {
    for (const status of statuses) {
      for (const [name, example] of Object.entries(responses[status]!.content['application/json']!.examples)) {
        const response = await postParts(minimalParts(), { ...AUTH, Prefer: `code=${status}, example=${name}` });
        expect(response.status).toBe(Number(status));
        expect(response.body).toEqual(example.value);
      }
    }
  });

  it('Prefer: code= with dynamic=true generates bodies that still pass validateErrorResponse, headers included', async () => {
    for (const status of statuses) {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: `code=${status}, dynamic=true` });
      expect(response.status).toBe(Number(status));
      expect(validateErrorResponse(response.body), `${status}: ${JSON.stringify(validateErrorResponse.errors)}`).toBe(
        true,
      );
      for (const [name, header] of Object.entries(responses[status]!.headers ?? {})) {
        const schema = header.schema;
        expect(response.headers.get(name), `${status} ${name}`).toMatch(new RegExp(schema?.pattern ?? '.'));
      }
    }
  });

  it('an invalid request is still refused whatever Prefer asks for', async () => {
    const response = await postParts(
      minimalParts().filter((part) => part.filename === undefined),
      { ...AUTH, Prefer: `code=${statuses.find((s) => s.startsWith('5'))}` },
    );
    expect(response.status).toBe(400);
    expect(response.body.error.message).toContain(imageField.name);
  });
});

describe('query keys instead of Prefer (no extra header, so no preflight from a page)', () => {
  it('?__code= and ?__example= choose like Prefer does', async () => {
    const status = Object.keys(responses).find((s) => s !== '200')!;
    const byCode = await postParts(minimalParts(), AUTH, `${endpoint()}?__code=${status}`);
    expect(byCode.status).toBe(Number(status));
    for (const [name, example] of Object.entries(responses['200']!.content['application/json']!.examples)) {
      const byExample = await postParts(minimalParts(), AUTH, `${endpoint()}?__example=${name}`);
      expect(byExample.body).toEqual(example.value);
    }
  });
});

describe('dynamic responses', () => {
  it('Prefer: dynamic=true generates data that still passes validateImageEditResponse', async () => {
    const bodies = new Set<string>();
    for (let i = 0; i < 5; i++) {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: 'dynamic=true' });
      expect(response.status).toBe(200);
      expect(validateImageEditResponse(response.body), JSON.stringify(validateImageEditResponse.errors)).toBe(true);
      bodies.add(response.text);
    }
    // Generated, not the named examples.
    const examples = Object.values(responses['200']!.content['application/json']!.examples).map((example) =>
      JSON.stringify(example.value),
    );
    expect([...bodies].some((body) => !examples.includes(body))).toBe(true);
  });

  it('generated images are still real: every b64_json decodes to an allowed image, every url parses', async () => {
    let images = 0;
    for (let i = 0; i < 5; i++) {
      const response = await postParts(minimalParts(), { ...AUTH, Prefer: 'dynamic=true' });
      for (const item of (response.body as { data: { b64_json?: string; url?: string }[] }).data) {
        if (item.b64_json !== undefined) {
          images++;
          expect(imageField.limits.mediaTypes).toContain(sniffImageType(Buffer.from(item.b64_json, 'base64')));
        }
        if (item.url !== undefined) expect(() => new URL(item.url!)).not.toThrow();
      }
    }
    expect(images).toBeGreaterThan(0);
  });

  it('startMock({ dynamic: true }) generates every response', async () => {
    const mock = await startMock({ port: 0, dynamic: true });
    try {
      const examples = Object.values(responses['200']!.content['application/json']!.examples).map((example) =>
        JSON.stringify(example.value),
      );
      const response = await postParts(minimalParts(), AUTH, `${mock.url}${wireContract.path}`);
      expect(response.status).toBe(200);
      expect(validateImageEditResponse(response.body), JSON.stringify(validateImageEditResponse.errors)).toBe(true);
      expect(examples).not.toContain(response.text);
    } finally {
      await mock.close();
    }
  });
});
