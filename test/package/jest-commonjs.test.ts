/**
 * The packed package under Jest's default CommonJS mode, as most TypeScript projects run Jest: ts-jest's preset
 * compiles the test file to CommonJS, so `import { … } from 'orq-image-edits'` becomes a `require()` that Jest's own
 * module system responds (it cannot load ES modules there, on any Node release) and any `import()` is refused without
 * --experimental-vm-modules. Jest 29 and 30, each in a fresh CommonJS project that installs the tarball, Jest,
 * ts-jest and TypeScript from npm. The mock is started by a globalSetup file, which Jest loads with Node's own
 * `import()` (so the ESM-only `orq-image-edits/mock` works there), and the test file edits against it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsumerProject, packPackage } from '../../scripts/consumer-bundles.js';
import { makePng } from '../support/images.js';
import { linkPackages } from './consumer.js';

const run = promisify(execFile);
const JEST_MAJORS = [29, 30] as const;

/** The consumer's files, as ts-jest's and Jest's docs write them. */
const FILES: Record<string, string> = {
  // No "type": a CommonJS project, Jest's default.
  'package.json': JSON.stringify({ name: 'jest-commonjs-consumer', private: true }),
  'jest.config.js':
    "module.exports = { preset: 'ts-jest', testEnvironment: 'node', globalSetup: './mock-setup.mjs', globalTeardown: './mock-teardown.mjs' };\n",
  'tsconfig.json': JSON.stringify({
    compilerOptions: {
      module: 'commonjs',
      target: 'es2022',
      strict: true,
      esModuleInterop: true,
      types: ['jest', 'node'],
    },
  }),
  'mock-setup.mjs': `import { startMock } from 'orq-image-edits/mock';

export default async function setup() {
  globalThis.orqMock = await startMock({ port: 0 });
  process.env.ORQ_MOCK_URL = globalThis.orqMock.url; // read by the test files
}
`,
  'mock-teardown.mjs': 'export default async function teardown() {\n  await globalThis.orqMock?.close();\n}\n',
  'edit.test.ts': `import { writeFileSync } from 'node:fs';
import { createImageEditClient, ApiError, RequestValidationError } from 'orq-image-edits';

const image = Buffer.from(${JSON.stringify(makePng(6, 6, { seed: 20 }).toString('base64'))}, 'base64');
const request = { model: 'openai/gpt-image-1', prompt: 'Add a red scarf', image, response_format: 'b64_json' as const };
const client = createImageEditClient({ apiKey: 'any-key', baseUrl: process.env.ORQ_MOCK_URL, maxRetries: 0 });

it('edits against the mock, which refuses with the status asked for', async () => {
  const result = await client.edit(request);
  const refused = await client.edit(request, { headers: { Prefer: 'code=429' } }).catch((error: unknown) => error);
  const invalid = await client.edit({ ...request, image: new Uint8Array() }).catch((error: unknown) => error);
  writeFileSync('seen.json', JSON.stringify({
    commonJs: typeof module === 'object' && typeof require === 'function',
    file: require.resolve('orq-image-edits').split('/node_modules/')[1],
    images: result.data.length,
    refused: refused instanceof ApiError ? refused.status : String(refused),
    invalid: invalid instanceof RequestValidationError ? invalid.name : String(invalid),
  }));
  expect(refused).toBeInstanceOf(ApiError);
});
`,
};

let dir: string;
let tarball: Promise<string>;
const projects = new Map<number, Promise<string>>();

function project(major: number): Promise<string> {
  if (!projects.has(major)) {
    const at = path.join(dir, `jest-${major}`);
    projects.set(
      major,
      tarball.then(async (packed) => {
        await createConsumerProject(at, packed, [
          `jest@${major}`,
          `@types/jest@${major}`,
          'ts-jest@29.4',
          'typescript@5.9.3',
        ]);
        // The mock's optional peers, as its README install line adds them.
        await linkPackages(at, ['@stoplight/prism-cli', 'busboy', 'sharp']); // @types/jest brings @types/node
        for (const [name, text] of Object.entries(FILES)) await writeFile(path.join(at, name), text);
        return at;
      }),
    );
  }
  return projects.get(major)!;
}

/** This process's environment without what marks it as a Vitest worker, so Jest starts afresh. */
function consumerEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|NODE_OPTIONS$|TEST$|JEST)/.test(key)),
  );
  return { ...env, CI: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'orq-jest-commonjs-'));
  tarball = packPackage(dir);
  for (const major of JEST_MAJORS) project(major).catch(() => {});
  await tarball;
}, 240_000);

afterAll(async () => {
  await Promise.allSettled(projects.values());
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe(`Jest's default CommonJS mode (ts-jest preset) on Node ${process.versions.node.split('.')[0]}`, () => {
  it.each(JEST_MAJORS)(
    'Jest %s: the test file requires the CommonJS build and edits against a mock its globalSetup started',
    { timeout: 600_000 },
    async (major) => {
      const cwd = await project(major);
      const ran = await run(process.execPath, ['node_modules/jest/bin/jest.js', '--ci'], {
        cwd,
        env: consumerEnv(),
        timeout: 240_000,
      }).then(
        ({ stdout, stderr }) => ({ ok: true, output: stdout + stderr }),
        (error: { stdout?: string; stderr?: string; message: string }) => ({
          ok: false,
          output: `${error.stdout ?? ''}${error.stderr ?? error.message}`,
        }),
      );
      const seen = await readFile(path.join(cwd, 'seen.json'), 'utf8').then(JSON.parse, () => ran.output);
      expect(seen).toEqual({
        commonJs: true,
        file: 'orq-image-edits/dist/node/orq-image-edits.cjs',
        images: 1,
        refused: 429,
        invalid: 'RequestValidationError',
      });
      expect(ran.ok, ran.output).toBe(true);
    },
  );
});
