/**
 * Re-records the committed cassettes of test/proxy/cassettes/ from a local upstream (this package's own mock, which
 * responses as the spec says) through the validating proxy, the way a user records real traffic:
 *
 *   npx tsx test/proxy/record-cassettes.ts
 *
 * Cassettes recorded from Orq's service (`orq-images proxy --upstream https://api.orq.ai --record DIR`) belong in the
 * same directory: test/proxy/cassettes.test.ts re-checks every one of them by the current spec.
 */
import { mkdir, readdir, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { createImageEditClient, type EditFields, type ImageInput } from '../../src/index.js';
import { startMock, startProxy } from '../../src/mock/index.js';
import { makePng } from '../support/images.js';
import { writeMultipart } from '../../scripts/multipart-writer.js';

export const CASSETTES_DIR = fileURLToPath(new URL('./cassettes/', import.meta.url));
/** A made-up key: the proxy must leave no trace of it in the cassettes (test/proxy/cassettes.test.ts checks). */
export const RECORDING_KEY = 'sk-recording-FIXTURE-0c4e8a2f6b1d3957';

/** The requests recorded, each with what it shows. */
export const RECORDED = {
  b64: {
    model: 'openai/gpt-image-1',
    prompt: 'Add a red scarf to the cat',
    image: makePng(8, 8, { seed: 1 }),
    response_format: 'b64_json',
  },
  url: {
    model: 'openai/gpt-image-1',
    prompt: 'Put both cats on one sofa',
    image: [makePng(8, 8, { seed: 2 }), makePng(8, 8, { seed: 3 })],
    response_format: 'url',
    n: 1,
    retry: { count: 2, on_codes: [429, 503] },
    fallbacks: [{ model: 'openai/dall-e-2' }],
  },
} satisfies Record<string, EditFields & { image: ImageInput | ImageInput[] }>;

async function main(): Promise<void> {
  const upstream = await startMock({ port: 0 });
  await mkdir(CASSETTES_DIR, { recursive: true });
  for (const name of await readdir(CASSETTES_DIR)) if (name.endsWith('.json')) await rm(`${CASSETTES_DIR}${name}`);
  const proxy = await startProxy({
    upstream: upstream.url,
    recordDir: CASSETTES_DIR,
    log: (line) => console.log(line),
  });
  try {
    const client = createImageEditClient({ apiKey: RECORDING_KEY, baseUrl: proxy.url, maxRetries: 0 });
    // A rate limit first, then the same request with its 200: replay serves them in that order.
    await client.edit(RECORDED.b64, { headers: { prefer: 'code=429' } }).catch(() => undefined);
    await client.edit(RECORDED.b64);
    await client.edit(RECORDED.url);
    // A request the spec refuses (n above its maximum), sent as raw multipart since the client would refuse it.
    const { body, contentType } = writeMultipart([
      { name: 'model', value: RECORDED.b64.model },
      { name: 'prompt', value: RECORDED.b64.prompt },
      { name: 'n', value: '11' },
      { name: 'image', value: RECORDED.b64.image, filename: 'cat.png', contentType: 'image/png' },
    ]);
    await fetch(proxy.endpoint, {
      method: 'POST',
      headers: { authorization: `Bearer ${RECORDING_KEY}`, 'content-type': contentType },
      body,
    });
  } finally {
    for (const line of (await proxy.close()).departures) console.log(line);
    await upstream.close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
