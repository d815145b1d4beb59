/**
 * Request validation cost, µs per operation, for a full request (every optional field) with a Blob image:
 *
 *   node micro.js <contender> <runs> <msPerRun>
 *
 * Contenders: `this` (prepareRequest: the whole pre-flight check, image sniffing included), `validators` (the
 * generated validator of the fields alone), `orq` (the Orq SDK's zod schema, `CreateImageEditRequestBody$outboundSchema.parse`).
 * Prints { usPerOp: number[] } (one figure per run).
 */
import { makePng } from '../../test/support/images.js';
import openapi from '../../generated/openapi.json' with { type: 'json' };

const [contender, runsText, msText] = process.argv.slice(2) as [string, string, string];
const image = new Blob([makePng(8, 8)]);
// The spec's own "every_option" example: every optional field the request has.
const fields = structuredClone(
  (openapi as any).paths['/v2/router/images/edits'].post.requestBody.content['multipart/form-data'].examples
    .every_option.value,
);
delete fields.image;

/** The same request in the Orq SDK's camelCase shape. */
function orqShape(value: any): any {
  const camel = (key: string) => key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  if (Array.isArray(value)) return value.map(orqShape);
  if (value && typeof value === 'object' && !(value instanceof Blob))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [camel(k), orqShape(v)]));
  return value;
}

async function makeOp(): Promise<() => unknown> {
  switch (contender) {
    case 'this': {
      const { prepareRequest } = await import('../../src/client/request.js');
      const request = { ...fields, image };
      return () => prepareRequest(request);
    }
    case 'blob-read': {
      // What the pre-flight check awaits per image to read its signature: the first 12 bytes of a Blob.
      return () => image.slice(0, 12).arrayBuffer();
    }
    case 'validators':
    case 'validators-no-email':
    case 'validators-required-only': {
      const { validateEditFields } = await import('../../generated/validators.js');
      // Built without the key (not with `delete`, which would leave a slower dictionary-mode object behind).
      const { email: _email, ...identity } = fields.orq.identity;
      const withoutEmail = { ...fields, orq: { ...fields.orq, identity } };
      const input =
        contender === 'validators-required-only'
          ? { model: fields.model, prompt: fields.prompt }
          : contender === 'validators-no-email'
            ? withoutEmail
            : structuredClone(fields);
      return () => {
        if (!validateEditFields(input)) throw new Error('the example must be valid');
      };
    }
    case 'orq': {
      const { CreateImageEditRequestBody$outboundSchema } = await import(
        '@orq-ai/node/models/operations/createimageedit.js'
      );
      const request = orqShape({ ...fields, image: { fileName: 'image.png', content: image } });
      return () => CreateImageEditRequestBody$outboundSchema.parse(request);
    }
    default:
      throw new Error(`unknown contender ${contender}`);
  }
}

const op = await makeOp();
const isAsync = contender === 'this' || contender === 'blob-read';
async function batch(count: number): Promise<void> {
  if (isAsync) for (let i = 0; i < count; i++) await op();
  else for (let i = 0; i < count; i++) op();
}
// Warm-up, and a batch size that takes about a tenth of a run.
let size = 100;
for (;;) {
  const started = performance.now();
  await batch(size);
  if (performance.now() - started > Number(msText) / 10) break;
  size *= 2;
}
const usPerOp: number[] = [];
for (let run = 0; run < Number(runsText); run++) {
  let ops = 0;
  const started = performance.now();
  while (performance.now() - started < Number(msText)) {
    await batch(size);
    ops += size;
  }
  usPerOp.push(((performance.now() - started) * 1000) / ops);
}
process.stdout.write(`${JSON.stringify({ usPerOp })}\n`);
