/**
 * Small-request throughput of one contender, in a process of its own:
 *
 *   node throughput.js <contender> <sink-url> <concurrency> <warmupMs> <measureMs>
 *
 * `concurrency` loops each send one edit with one 10 KiB PNG and wait for the parsed response, over and over; prints
 * { requests, seconds, perSecond } for the measured window (the warm-up is not counted).
 */
import { makePng } from '../../test/support/images.js';

const [contender, url, concurrencyText, warmupText, measureText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const concurrency = Number(concurrencyText);
const MODEL = 'openai/gpt-image-1';
const PROMPT = 'Add a red scarf to the cat';
const KEY = 'bench-key';
const png = makePng(8, 8, { padTo: 10 * 1024 });

async function makeSender(): Promise<() => Promise<unknown>> {
  switch (contender) {
    case 'this': {
      const { createImageEditClient } = await import('../../src/index.js');
      const client = createImageEditClient({ apiKey: KEY, baseUrl: url, maxRetries: 0 });
      return () => client.edit({ model: MODEL, prompt: PROMPT, image: new Blob([png]) });
    }
    case 'fetch': {
      // The baseline: Node's fetch with a FormData, no checks, the response parsed.
      const endpoint = `${url}/v2/router/images/edits`;
      return async () => {
        const form = new FormData();
        form.append('model', MODEL);
        form.append('prompt', PROMPT);
        form.append('image', new Blob([png], { type: 'image/png' }), 'image.png');
        const response = await fetch(endpoint, {
          method: 'POST',
          headers: { authorization: `Bearer ${KEY}` },
          body: form,
        });
        return response.json();
      };
    }
    case 'openai': {
      const { default: OpenAI, toFile } = await import('openai');
      const client = new OpenAI({ apiKey: KEY, baseURL: `${url}/v2/router`, maxRetries: 0 });
      return async () =>
        client.images.edit({
          model: MODEL,
          prompt: PROMPT,
          image: await toFile(png, 'image.png', { type: 'image/png' }),
        });
    }
    case 'orq': {
      const { Orq } = await import('@orq-ai/node');
      const orq = new Orq({ apiKey: KEY, serverURL: url });
      return () =>
        orq.router.images.edits.create({
          model: MODEL,
          prompt: PROMPT,
          image: { fileName: 'image.png', content: new Uint8Array(png) },
        });
    }
    default:
      throw new Error(`unknown contender ${contender}`);
  }
}

const send = await makeSender();
let counting = false;
let stop = false;
let requests = 0;
async function loop(): Promise<void> {
  while (!stop) {
    await send();
    if (counting) requests++;
  }
}
const loops = Array.from({ length: concurrency }, loop);
await new Promise((resolve) => setTimeout(resolve, Number(warmupText)));
counting = true;
const started = performance.now();
await new Promise((resolve) => setTimeout(resolve, Number(measureText)));
counting = false;
const seconds = (performance.now() - started) / 1000;
stop = true;
await Promise.all(loops);
process.stdout.write(`${JSON.stringify({ requests, seconds, perSecond: requests / seconds })}\n`);
