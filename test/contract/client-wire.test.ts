/**
 * What the client really sends: a local server parses the body with a real multipart parser (busboy) and the
 * received parts are checked part by part, then decoded and validated with the same generated validators.
 */
import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageEditClient, validateEditFields, validateImageEditResponse } from '../../src/index.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { decodeTextParts } from '../../src/contract/decode-parts.js';
import { makePng } from '../support/images.js';
import { startScriptedServer, type ScriptedRequest, type ScriptedServer } from '../support/scripted-server.js';
import { requestExamples, responses } from '../support/spec.js';

const okBody = responses['200']!.content['application/json']!.examples['b64_png']!.value;
const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let server: ScriptedServer;
beforeAll(async () => {
  server = await startScriptedServer(() => ({ status: 200, body: okBody }));
});
afterAll(() => server.close());

function textParts(request: ScriptedRequest) {
  return request.parts
    .filter((p) => p.filename === undefined)
    .map((p) => ({ name: p.name, value: p.value!, contentType: p.contentType }));
}

describe('the wire form of a request', () => {
  it('one image with every optional field: each part named, typed and encoded as the spec says', async () => {
    const image = makePng(6, 5, { seed: 3 });
    const { image: _, ...fields } = requestExamples['every_option']!.value;
    const client = createImageEditClient({ apiKey: 'sk-wire-test', baseUrl: server.url });
    const result = await client.edit({ ...(fields as any), image: new File([image], 'sketch.png') });
    expect(validateImageEditResponse(result)).toBe(true);

    const request = server.requests.at(-1)!;
    expect(request.parseError).toBeUndefined();
    expect(request.method).toBe(wireContract.method);
    expect(request.url).toBe(wireContract.path);
    expect(request.headers.authorization).toBe('Bearer sk-wire-test');
    expect(request.headers['content-type']).toMatch(/^multipart\/form-data; boundary=\S+$/);
    // A known length: the body is not chunked, so proxies and the real service see its size up front.
    expect(Number(request.headers['content-length'])).toBeGreaterThan(image.length);

    // Exactly one part per given field, plus the image, in spec order.
    const specOrder = Object.keys(wireContract.fields);
    const names = request.parts.map((p) => p.name);
    expect(new Set(names).size).toBe(names.length);
    expect([...names].sort()).toEqual([...Object.keys(fields), imageField.name].sort());

    const file = request.parts.find((p) => p.name === imageField.name)!;
    expect(file).toMatchObject({
      filename: 'sketch.png',
      contentType: 'image/png',
      size: image.length,
      sha256: sha256(image),
    });

    for (const part of textParts(request)) {
      const field = wireContract.fields[part.name]!;
      const sent = (fields as Record<string, unknown>)[part.name];
      if (field.part === 'json') {
        expect(part.contentType, part.name).toBe(field.contentType);
        expect(JSON.parse(part.value), part.name).toEqual(sent);
      } else {
        expect(part.contentType, part.name).toBe('text/plain');
        expect(part.value, part.name).toBe(String(sent));
      }
    }
    const decoded = decodeTextParts(textParts(request));
    expect(decoded.issues).toEqual([]);
    expect(decoded.fields).toEqual(fields);
    expect(validateEditFields(decoded.fields), JSON.stringify(validateEditFields.errors)).toBe(true);
    expect(names).toEqual([...names].sort((a, b) => specOrder.indexOf(a) - specOrder.indexOf(b)));
  });

  it(`${imageField.limits.maxItems} images: one part each, all named "${imageField.name}", bytes intact, types from the bytes`, async () => {
    const count = imageField.limits.maxItems;
    const images = Array.from({ length: count }, (_, i) => makePng(3 + i, 2, { seed: i }));
    const client = createImageEditClient({ apiKey: 'sk-wire-test', baseUrl: server.url });
    // Unnamed Blobs, some with a misleading declared type: the part's type comes from the bytes.
    await client.edit({
      model: 'openai/gpt-image-1',
      prompt: 'Combine',
      image: images.map((bytes, i) => new Blob([bytes], { type: i % 2 ? 'image/jpeg' : '' })),
    });

    const request = server.requests.at(-1)!;
    const files = request.parts.filter((p) => p.filename !== undefined);
    expect(files).toHaveLength(count);
    files.forEach((part, i) => {
      expect(part).toMatchObject({
        name: imageField.name,
        filename: `image-${i + 1}.png`,
        contentType: 'image/png',
        size: images[i]!.length,
        sha256: sha256(images[i]!),
      });
    });
    expect(
      textParts(request)
        .map((p) => p.name)
        .sort(),
    ).toEqual(['model', 'prompt']);
  });

  it('null fields are left out (null means the default), undefined ones too', async () => {
    const client = createImageEditClient({ apiKey: 'sk-wire-test', baseUrl: server.url });
    await client.edit({
      model: 'm/x',
      prompt: 'p',
      image: new Blob([makePng()]),
      n: null,
      quality: null,
      size: undefined,
    });
    expect(
      server.requests
        .at(-1)!
        .parts.map((p) => p.name)
        .sort(),
    ).toEqual(['image', 'model', 'prompt']);
  });

  it('filenames with quotes and line breaks are escaped as browsers do, and arrive whole', async () => {
    const client = createImageEditClient({ apiKey: 'sk-wire-test', baseUrl: server.url });
    await client.edit({ model: 'm/x', prompt: 'p', image: { data: makePng(), filename: 'my "best"\r\nshot;v=2.png' } });
    const file = server.requests.at(-1)!.parts.find((p) => p.filename !== undefined)!;
    expect(file.filename).toBe('my %22best%22%0D%0Ashot;v=2.png');
    expect(file.contentType).toBe('image/png');
  });

  it('backslashes and control characters in filenames cannot break the part header; an empty filename gets a default', async () => {
    const client = createImageEditClient({ apiKey: 'sk-wire-test', baseUrl: server.url });
    const names = ['photo\\', 'nul\u0000.png', 'bell\u0007.png', 'del\u007f.png', ''];
    await client.edit({ model: 'm/x', prompt: 'p', image: names.map((filename) => ({ data: makePng(), filename })) });
    const request = server.requests.at(-1)!;
    expect(request.parseError).toBeUndefined();
    expect(request.parts.filter((p) => p.filename !== undefined).map((p) => p.filename)).toEqual([
      'photo%5C',
      'nul%00.png',
      'bell%07.png',
      'del%7F.png',
      'image-5.png',
    ]);
  });
});
