/**
 * The conformance cases (conformance.test.ts) sent as bytes to the Node mock and to the MSW handlers
 * (orq-image-edits/msw): both mocks must reach the case's verdict, name the mutated field, and give the same status,
 * error code and fields; a valid case also goes through the client itself. Then the byte limit, and arbitrary
 * multipart bodies that must never get a 5xx.
 *
 * Reproduce a run with FC_SEED=<seed> (printed on every run).
 */
import http from 'node:http';
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImageEditClient } from '../../src/client/client.js';
import { validateErrorResponse, validateImageEditResponse } from '../../generated/validators.js';
import { imageField, wireContract } from '../../src/contract/spec.js';
import { startMock, type MockServer } from '../../src/mock/index.js';
import { makePng } from '../support/images.js';
import { writeMultipart } from '../../scripts/multipart-writer.js';
import { removeImageFiles } from './wire.js';
import { agrees, responseVerdict, caseSources, describeCase, checkCase, seed, wireBody, type Case } from './cases.js';
import { issueFields, listenMsw, MSW_BASE, send, type Seen } from '../msw/support.js';
import type { SetupServer } from 'msw/node';

afterAll(() => removeImageFiles());

/**
 * A POST on a connection of its own (node:http, no agent). Building and checking a 50 MiB case keeps this process busy
 * for seconds, and fetch's pool would then reuse a keep-alive connection that the mock, in this same process, may be
 * closing at that very moment (a reset, seen on loaded machines).
 */
function postOnItsOwnConnection(
  baseUrl: string,
  wire: { body: Blob; contentType: string },
): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(new URL(wireContract.path, baseUrl), {
      method: wireContract.method,
      agent: false,
      headers: {
        'content-type': wire.contentType,
        'content-length': String(wire.body.size),
        authorization: 'Bearer property-test',
      },
    });
    request.on('error', reject);
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 1_000_000) text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      response.on('error', reject);
    });
    // An early response (413) may come, and the connection close, before the whole body is written.
    Readable.fromWeb(wire.body.stream() as import('node:stream/web').ReadableStream)
      .on('error', reject)
      .pipe(request)
      .on('error', () => undefined);
  });
}

describe('property: the mock agrees with the client and the wire, and the MSW handlers with the mock', () => {
  const MOCK_VALID_RUNS = 20;
  const MOCK_RUNS_PER_SITE = 1;
  let mock: MockServer;
  // The MSW handlers (orq-image-edits/msw, through msw/node) respond at MSW_BASE; every other request goes through.
  let msw: SetupServer;
  beforeAll(async () => {
    console.log(`[conformance/mock] seed ${seed} (reproduce with FC_SEED=${seed})`);
    mock = await startMock({ port: 0 });
    msw = listenMsw();
  });
  afterAll(async () => {
    msw?.close();
    await mock?.close();
  });
  /** What the two mocks must agree on: status, error code, the fields named (in order). */
  const mockResponse = (seen: Seen) => ({
    status: seen.status,
    code: (seen.body as { error?: { code?: string } } | undefined)?.error?.code,
    fields: issueFields(seen),
  });

  it('every generated case gets the same verdict from the client, the wire reading, the mock and the MSW handlers', {
    timeout: 300_000,
  }, async () => {
    const sources = caseSources();
    const client = createImageEditClient({ apiKey: 'property-test', baseUrl: mock.url, maxRetries: 0 });
    let cases = 0;
    let sent = 0;
    let clientOnly = 0;
    let agreements = 0;
    const failures: string[] = [];
    for (const [index, source] of sources.entries()) {
      const numRuns = source.label.startsWith('valid:') ? MOCK_VALID_RUNS : MOCK_RUNS_PER_SITE;
      for (const testCase of fc.sample(source.arb, { seed: seed + index, numRuns })) {
        cases++;
        const checked = await checkCase(testCase);
        if (checked.clientOnly) {
          clientOnly++;
          if (checked.ok) agreements++;
          else
            failures.push(
              `${source.label}: client ${JSON.stringify(checked.client)}; ${checked.why}\n    case: ${describeCase(testCase)}`,
            );
          continue;
        }
        sent++;
        const { wire } = await wireBody(testCase);
        const request = () => ({
          headers: { 'content-type': wire!.contentType, authorization: 'Bearer property-test' },
          body: wire!.body,
        });
        const [node, inPage] = [await send(mock.url, request()), await send(MSW_BASE, request())];
        const verdict = responseVerdict(node.status, node.text);
        let ok = checked.ok && agrees(testCase.expected, verdict);
        let edited = '';
        if (!isDeepStrictEqual(mockResponse(inPage), mockResponse(node))) {
          ok = false;
          edited = `; the MSW handlers responded ${JSON.stringify(mockResponse(inPage))}, the mock ${JSON.stringify(mockResponse(node))}`;
        }
        // A valid request also goes through the client itself, transport included.
        if (ok && testCase.expected.valid && testCase.kind === 'object') {
          try {
            await client.edit(testCase.request as never);
          } catch (error) {
            ok = false;
            edited = `; client.edit threw ${(error as Error).name}: ${(error as Error).message}`;
          }
        }
        if (ok) agreements++;
        else {
          failures.push(
            `${source.label} (seed ${seed + index}): expected ${JSON.stringify(testCase.expected)}; client ${JSON.stringify(checked.client)}; ` +
              `wire ${JSON.stringify(checked.wire)}; mock ${JSON.stringify(verdict)}${edited}\n    case: ${describeCase(testCase)}`,
          );
        }
      }
    }
    console.log(
      `[conformance/mock] seed ${seed}: ${cases} cases (${sent} sent to the mock and to the MSW handlers, ${clientOnly} client-only): ` +
        `${agreements} agreements, ${cases - agreements} disagreements`,
    );
    expect(failures, `disagreements (reproduce with FC_SEED=${seed}):\n${failures.join('\n')}`).toEqual([]);
  });

  it('the byte limit (x-max-file-bytes): the largest image passes all three checks, one byte more fails all three', {
    timeout: 120_000,
  }, async () => {
    const { maxBytes } = imageField.limits;
    const head = makePng(1, 1);
    for (const size of [maxBytes, maxBytes + 1]) {
      const image = new Blob([head, new Uint8Array(size - head.length)]);
      const testCase: Case = {
        kind: 'object',
        label: `image of ${size} bytes`,
        expected: { valid: size <= maxBytes, field: imageField.name },
        request: { model: 'm', prompt: 'p', image },
      };
      const checked = await checkCase(testCase);
      const { wire } = await wireBody(testCase);
      const verdict = await postOnItsOwnConnection(mock.url, wire!).then(
        ({ status, text }) => responseVerdict(status, text),
        (error: Error) => ({ valid: false, fields: [], note: `the upload failed: ${error.message}` }),
      );
      expect(
        checked.ok,
        `${testCase.label}: client ${JSON.stringify(checked.client)}, wire ${JSON.stringify(checked.wire)}`,
      ).toBe(true);
      expect(agrees(testCase.expected, verdict), `${testCase.label}: mock ${JSON.stringify(verdict)}`).toBe(true);
      if (!testCase.expected.valid) expect(verdict.note).toMatch(/^413 /);
    }
  });

  it("fuzz: any multipart body, well-formed or not, gets a 200 or a 4xx with the spec's error body from both mocks, never a 5xx", {
    timeout: 120_000,
  }, async () => {
    const names = fc.oneof(
      fc.constantFrom(...Object.keys(wireContract.fields), `${imageField.name}[]`),
      fc.constantFrom(...Object.getOwnPropertyNames(Object.prototype)),
      fc.string({ maxLength: 10 }),
    );
    const part = fc.oneof(
      fc.record({ name: names, value: fc.oneof(fc.string({ maxLength: 40 }), fc.json({ maxDepth: 2 })) }),
      fc.record(
        {
          name: names,
          value: fc
            .oneof(fc.uint8Array({ maxLength: 64 }), fc.constant(new Uint8Array(makePng(2, 2))))
            .map((bytes) => new Blob([bytes as Uint8Array<ArrayBuffer>])),
          filename: fc.string({ maxLength: 12 }),
          contentType: fc.oneof(
            fc.constantFrom(...imageField.limits.mediaTypes, 'application/octet-stream', 'text/plain'),
            fc.string({ maxLength: 12 }),
          ),
        },
        { requiredKeys: ['name', 'value', 'filename'] },
      ),
    );
    // Parts (shown by name in a counterexample) or raw bytes under a multipart Content-Type.
    const bodies = fc.oneof(fc.array(part, { maxLength: 8 }), fc.uint8Array({ maxLength: 256 }));
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(bodies, async (input) => {
        runs++;
        const wire = Array.isArray(input)
          ? writeMultipart(input)
          : { body: new Blob([input as Uint8Array<ArrayBuffer>]), contentType: 'multipart/form-data; boundary=xyz' };
        const request = () => ({
          headers: { 'content-type': wire.contentType, authorization: 'Bearer property-test' },
          body: wire.body,
        });
        for (const response of [await send(mock.url, request()), await send(MSW_BASE, request())]) {
          expect(response.status, response.text).toBeLessThan(500);
          if (response.status === 200) expect(validateImageEditResponse(response.body), response.text).toBe(true);
          else expect(validateErrorResponse(response.body), response.text).toBe(true);
        }
      }),
      { seed, numRuns: 150 },
    );
    console.log(`[fuzz/mock] ${runs} arbitrary bodies got no 5xx from the mock and the MSW handlers`);
  });
});
