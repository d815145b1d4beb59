/**
 * Dynamic responses a UI can show, and seeds that make them repeatable: 200 seeded dynamic requests all pass a
 * "looks real" check (created near now, an output_format among png/jpeg/webp that the image really is, a WxH size
 * the image really has, a quality of the request's enum, usage that adds up, no key the schema does not name, each
 * image only as response_format asks); the same seed and the same requests give the same responses.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateImageEditResponse } from '../../generated/validators.js';
import { enumOf } from '../../src/contract/spec.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { makePng } from '../support/images.js';
import { spec } from '../support/spec.js';
import { AUTH, endpoint, minimalParts, postParts, type Part } from './support.js';

const schemas = spec.components.schemas as Record<
  string,
  { properties?: Record<string, { properties?: Record<string, unknown> }> }
>;
const responseKeys = Object.keys(schemas.ImageEditResponse!.properties!);
const usageKeys = Object.keys(schemas.ImageUsage!.properties!);
const usageDetailKeys = Object.keys(schemas.ImageUsage!.properties!.input_tokens_details!.properties!);
const qualities: readonly string[] = enumOf('quality');
const FORMATS = ['png', 'jpeg', 'webp'];

let mocks: MockServer[] = [];
beforeAll(async () => {
  mocks = await Promise.all([
    startMock({ port: 0, dynamic: true, seed: 11 }),
    startMock({ port: 0, dynamic: true, seed: 12 }),
  ]);
});
afterAll(() => Promise.all(mocks.map((mock) => mock.close())));

function parts(fields: Record<string, string>): Part[] {
  return [
    ...minimalParts().filter((part) => part.filename === undefined && !(part.name in fields)),
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
    { name: 'image', value: makePng(8, 6), filename: 'cat.png', contentType: 'image/png' },
  ];
}

/** Every way a dynamic response could fail a UI; empty when it looks real. */
function unreal(body: any, asked: { n: number; format: string }): string[] {
  const problems: string[] = [];
  const unknown = (keys: string[], allowed: string[], where: string) =>
    keys
      .filter((key) => !allowed.includes(key))
      .forEach((key) => {
        problems.push(`${where} has ${key}`);
      });
  unknown(Object.keys(body), responseKeys, 'the response');
  unknown(Object.keys(body.usage ?? {}), usageKeys, 'usage');
  unknown(Object.keys(body.usage?.input_tokens_details ?? {}), usageDetailKeys, 'usage.input_tokens_details');
  if (!(Math.abs(body.created - Date.now() / 1000) < 300)) problems.push(`created ${body.created} is not now`);
  if (!FORMATS.includes(body.output_format)) problems.push(`output_format ${body.output_format}`);
  if (!/^\d{1,4}x\d{1,4}$/.test(body.size)) problems.push(`size ${body.size}`);
  if (!qualities.includes(body.quality)) problems.push(`quality ${body.quality}`);
  if (body.data?.length !== asked.n) problems.push(`${body.data?.length} images for n=${asked.n}`);
  for (const item of body.data ?? [])
    if (Object.keys(item).join() !== asked.format) problems.push(`an image as ${Object.keys(item).join('+')}`);
  const usage = body.usage;
  if (usage.total_tokens !== usage.input_tokens + usage.output_tokens) problems.push('usage does not add up');
  return problems;
}

async function dynamicResponse(base: string, fields: Record<string, string>, prefer?: string) {
  const response = await postParts(parts(fields), { ...AUTH, ...(prefer ? { Prefer: prefer } : {}) }, endpoint(base));
  expect(response.status, response.text.slice(0, 300)).toBe(200);
  expect(validateImageEditResponse(response.body)).toBe(true);
  return response.body;
}

describe('dynamic responses (--dynamic, seeded)', () => {
  it('200 of them look real, and their images are what output_format and size say', { timeout: 180_000 }, async () => {
    const seen = { formats: new Set<string>(), qualities: new Set<string>() };
    for (let i = 0; i < 200; i++) {
      const asked = { n: 1 + (i % 3), format: i % 2 ? 'url' : 'b64_json' };
      // A small size keeps 200 responses quick; every tenth leaves the size open for the generator to pick.
      const body = await dynamicResponse(mocks[0]!.url, {
        n: String(asked.n),
        response_format: asked.format,
        ...(i % 10 === 0 ? {} : { size: '16x12' }),
      });
      expect(unreal(body, asked), JSON.stringify({ ...body, data: body.data.length })).toEqual([]);
      seen.formats.add(body.output_format);
      seen.qualities.add(body.quality);
      if (i % 10 === 0) {
        const item = body.data[0];
        const bytes = item.b64_json
          ? Buffer.from(item.b64_json, 'base64')
          : Buffer.from(await (await fetch(item.url)).arrayBuffer());
        const meta = await sharp(bytes).metadata();
        expect(`${meta.format}:${meta.width}x${meta.height}`).toBe(`${body.output_format}:${body.size}`);
      }
    }
    // The generator varies what the request leaves open.
    expect(seen.formats.size).toBeGreaterThan(1);
    expect(seen.qualities.size).toBeGreaterThan(1);
  });

  it('two mocks with the same seed give the same responses to the same requests (the clock and the host aside)', {
    timeout: 60_000,
  }, async () => {
    const run = async (mock: MockServer) => {
      const bodies = [];
      for (let i = 0; i < 6; i++)
        bodies.push(
          await dynamicResponse(mock.url, { n: '2', size: '16x12', response_format: i % 2 ? 'url' : 'b64_json' }),
        );
      return bodies.map((body) => ({
        ...body,
        created: 'now',
        data: body.data.map((item: any) => (item.url ? { url: new URL(item.url).pathname } : item)),
      }));
    };
    // Two new mocks: the seed sets a sequence, so both must start from its beginning.
    const fresh = await Promise.all([
      startMock({ port: 0, dynamic: true, seed: 11 }),
      startMock({ port: 0, dynamic: true, seed: 11 }),
    ]);
    try {
      const [first, second] = [await run(fresh[0]), await run(fresh[1])];
      expect(second).toEqual(first);
    } finally {
      await Promise.all(fresh.map((mock) => mock.close()));
    }
  });

  it('Prefer: seed= makes one request repeatable on any mock', async () => {
    const fields = { response_format: 'b64_json', size: '16x12' };
    const one = await dynamicResponse(mocks[0]!.url, fields, 'dynamic=true, seed=abc');
    const again = await dynamicResponse(mocks[1]!.url, fields, 'dynamic=true, seed=abc');
    expect({ ...again, created: 0 }).toEqual({ ...one, created: 0 });
  });
});
