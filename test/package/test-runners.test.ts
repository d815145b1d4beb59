/**
 * The packed package where frontend teams run their tests: each runner in a fresh project that installs the packed
 * tarball, the runner and msw 2.14.7 from npm, and runs one test file as a consumer writes it: msw/node's
 * setupServer with createImageEditHandlers(), and the client editing a `new File(...)` of the environment and a
 * Uint8Array, plus a call with its own `Prefer` header. Under
 *
 * - Vitest with happy-dom (whose Headers keep the case names were set in, and whose OffscreenCanvas cannot draw):
 *   the credentials and `Prefer` are read whatever their case, and the handlers respond with the spec's examples,
 *   saying so once;
 * - Vitest with jsdom 26 (a global Blob and File with no arrayBuffer() or stream());
 * - Jest 29 and 30 with jest-fixed-jsdom, MSW's recommended environment, in ESM mode (jsdom's File beside Node's
 *   Blob: `instanceof Blob` fails across the two realms), where the environment's FileReader reads the File.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject, packPackage } from '../../scripts/consumer-bundles.js';
import { imageField } from '../../src/contract/spec.js';
import { makePng } from '../support/images.js';

const run = promisify(execFile);

interface RunnerSetup {
  /** What the consumer installs beside the package and msw (pinned majors: a run is repeatable). */
  packages: string[];
  /** The runner's config file, as its docs write it. */
  config: [file: string, text: string];
  /** The test file's imports of the runner's functions (Jest gives them as globals). */
  imports: string;
  /** node's arguments that run the suite once. */
  command: string[];
  /** Whether the environment has an OffscreenCanvas that cannot draw (the handlers say so, once). */
  canvasWithoutContext: boolean;
}

const vitestImports = "import { afterAll, beforeAll, expect, it } from 'vitest';";
const vitest = (environment: string, packages: string[]): RunnerSetup => ({
  packages: ['vitest@4', ...packages],
  config: ['vitest.config.js', `export default { test: { environment: '${environment}' } };\n`],
  imports: vitestImports,
  command: ['node_modules/vitest/vitest.mjs', 'run'],
  canvasWithoutContext: environment === 'happy-dom',
});
// ESM mode: no transform, and Node's VM modules (Jest's documented way).
const jest = (major: number): RunnerSetup => ({
  packages: [`jest@${major}`, `jest-environment-jsdom@${major}`, 'jest-fixed-jsdom@0.0.11'],
  config: ['jest.config.js', "export default { testEnvironment: 'jest-fixed-jsdom', transform: {} };\n"],
  imports: '',
  command: ['--experimental-vm-modules', 'node_modules/jest/bin/jest.js', '--ci'],
  canvasWithoutContext: false,
});

const SETUPS: Record<string, RunnerSetup> = {
  'Vitest with happy-dom': vitest('happy-dom', ['happy-dom@21']),
  'Vitest with jsdom 26': vitest('jsdom', ['jsdom@26']),
  'Jest 29 with jest-fixed-jsdom (ESM)': jest(29),
  'Jest 30 with jest-fixed-jsdom (ESM)': jest(30),
};

const CANVAS_WARNING = 'orq-image-edits/msw: this environment has an OffscreenCanvas that cannot draw';

/** The consumer's test file: it asserts, and writes what it saw to seen.json for this test to compare. */
function consumerTest(imports: string): string {
  return `${imports}
import { writeFileSync } from 'node:fs';
import { setupServer } from 'msw/node';
import { createImageEditClient } from 'orq-image-edits';
import { createImageEditHandlers } from 'orq-image-edits/msw';

// Handlers made twice (as two test files would): a canvas that cannot draw is reported once.
const server = setupServer(...createImageEditHandlers(), ...createImageEditHandlers({ baseUrl: 'https://other.example' }));
beforeAll(() => server.listen({ onUnhandledRequest: 'error' }));
afterAll(() => server.close());

const png = Uint8Array.from(atob(${JSON.stringify(makePng(6, 6, { seed: 21 }).toString('base64'))}), (c) => c.charCodeAt(0));
const request = { model: 'openai/gpt-image-1', prompt: 'Add a red scarf', response_format: 'b64_json' };
const client = createImageEditClient({ apiKey: 'consumer-key', maxRetries: 0 });
const outcome = (call) => call.then((result) => ({ images: result.data.length, b64: typeof result.data[0].b64_json }), (error) => ({ name: error.name, message: error.message }));

it('edits a File and a Uint8Array through the MSW handlers', async () => {
  const file = new File([png], 'cat.png', { type: 'image/png' });
  const seen = {
    file: await outcome(client.edit({ ...request, ${JSON.stringify(imageField.name)}: file })),
    bytes: await outcome(client.edit({ ...request, ${JSON.stringify(imageField.name)}: png })),
    preferred: await client.edit({ ...request, ${JSON.stringify(imageField.name)}: file }, { headers: { Prefer: 'code=429' } }).then(() => 'responded', (error) => error.status),
  };
  writeFileSync('seen.json', JSON.stringify(seen));
  expect(seen.file).toEqual({ images: 1, b64: 'string' });
  expect(seen.bytes).toEqual({ images: 1, b64: 'string' });
  expect(seen.preferred).toBe(429);
});
`;
}

let dir: string;
let tarball: Promise<string>;
const projects = new Map<string, Promise<string>>();

/** The setup's project, installed on first use (all four start installing at once, in beforeAll). */
function project(name: string): Promise<string> {
  if (!projects.has(name)) {
    const setup = SETUPS[name]!;
    const at = path.join(dir, name.replace(/\W+/g, '-').toLowerCase());
    projects.set(
      name,
      tarball.then(async (packed) => {
        await createConsumerProject(at, packed, ['msw@2.14.7', ...setup.packages]);
        await writeFile(path.join(at, setup.config[0]), setup.config[1]);
        await writeFile(path.join(at, 'edit.test.js'), consumerTest(setup.imports));
        return at;
      }),
    );
  }
  return projects.get(name)!;
}

/** This process's environment without what marks it as a Vitest worker, so the consumer's runner starts afresh. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|NODE_OPTIONS$|TEST$|JEST)/.test(key)),
  );
  return { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-runners-'));
  tarball = packPackage(dir);
  for (const name of Object.keys(SETUPS)) project(name).catch(() => {});
  await tarball;
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(projects.values());
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(
  'the packed package under the test runners frontend teams use, with msw 2.14.7 on Node ' +
    process.versions.node.split('.')[0],
  () => {
    it.each(Object.keys(SETUPS))(
      '%s: the MSW handlers respond to the client, which sends a File and a Uint8Array',
      { timeout: 600_000 },
      async (name) => {
        const setup = SETUPS[name]!;
        const cwd = await project(name);
        const ran = await run(process.execPath, setup.command, { cwd, env: consumerEnv(), timeout: 240_000 }).then(
          ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
          (error: { stdout?: string; stderr?: string; message: string }) => ({
            ok: false,
            output: `${error.stdout ?? ''}${error.stderr ?? error.message}`,
          }),
        );
        const seen = await readFile(path.join(cwd, 'seen.json'), 'utf8').then(JSON.parse, () => ran.output);
        expect(seen).toEqual({
          file: { images: 1, b64: 'string' },
          bytes: { images: 1, b64: 'string' },
          preferred: 429,
        });
        expect(ran.ok, ran.output).toBe(true);
        expect(ran.output.split(CANVAS_WARNING).length - 1).toBe(setup.canvasWithoutContext ? 1 : 0);
      },
    );
  },
);
